namespace GanCluster.Core.Spec;

public sealed class CheckpointSpec : ISpecSection
{
    [SpecDoc("write a checkpoint every N steps (0: only at the end)")]
    public int Every { get; set; } = 500;

    [SpecDoc("keep the newest K checkpoints")]
    public int Keep { get; set; } = 3;

    public void Validate(SpecProblems problems, string path)
    {
        problems.AtLeast($"{path}.every", Every, 0);
        problems.AtLeast($"{path}.keep", Keep, 1);
    }
}
