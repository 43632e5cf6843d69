namespace GanCluster.Core.Spec;

/// <summary>
/// The automatic response to collapse (opt-in): when collapse_suspected has held for <see cref="Window"/>
/// evaluations, roll back to the newest checkpoint taken while the flag was clear, apply the mitigations, record
/// a collapse_rollback event and continue; after <see cref="MaxRollbacks"/> rollbacks, stop with a clear message.
/// </summary>
public sealed class CollapseResponseSpec : ISpecSection
{
    [SpecDoc("roll back and mitigate automatically when collapse is suspected")]
    public bool Enabled { get; set; }

    [SpecDoc("evaluations the flag must hold (counting the one that raised it) before acting")]
    public int Window { get; set; } = 2;

    [SpecDoc("rollbacks allowed per run; one more suspected collapse stops the run")]
    public int MaxRollbacks { get; set; } = 2;

    [SpecDoc("applied at each rollback, in order (kinds: scale_lr | rescue; rescue also acts in place when no healthy checkpoint exists)")]
    public List<CollapseMitigation> Mitigation { get; set; } = [new ScaleLrMitigation()];

    public void Validate(SpecProblems problems, string path)
    {
        problems.Positive($"{path}.window", Window);
        problems.AtLeast($"{path}.max_rollbacks", MaxRollbacks, 0);
    }
}
