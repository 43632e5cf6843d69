namespace GanCluster.Core.Tests.Membership;

/// <summary>
/// Several trainers failing within a second of each other cost one new world, not one per failure (issue 21: no world
/// re-formation storms), and a single failure still re-forms exactly once and soon. In <see cref="ClusterSimulation"/>:
/// the real <see cref="GanCluster.Core.Membership.MembershipModel"/> with the real detection delays, simulated time.
/// </summary>
public class CoalescingTests
{
    const int Trainers = 8;

    /// <summary>
    /// Runs 8 trainers, kills the given slots at the given offsets (seconds after the first kill), and returns the worlds
    /// formed after the first kill and before any killed trainer's restarted process (incarnation 1, back 3 s after its
    /// kill) joins: the worlds the losses themselves cost.
    /// </summary>
    static (List<(double At, IReadOnlyList<string> Members)> Worlds, string Context) KillAndCount(params (int Slot, double After)[] kills)
    {
        const double first = 20;
        var faults = kills.Select(k => new Fault(FaultKind.Kill, k.Slot, first + k.After, 0)).ToList();
        var sim = new ClusterSimulation(Trainers, totalSteps: 600, faults).Run(limitSeconds: 600);
        string context = $"kills {string.Join(", ", kills.Select(k => $"t{k.Slot} at +{k.After:F3}s"))}\n" +
                         string.Join("\n", sim.History.Where(h => h.Time >= sim.FirstWorldAt + first - 0.1 && h.Time <= sim.FirstWorldAt + first + 8)
                             .Select(h => $"  {h.Time - sim.FirstWorldAt - first:F3} {h.Kind} {h.Detail}"));
        Assert.True(sim.Violations.Count == 0, $"{context}\n{string.Join("; ", sim.Violations)}");
        Assert.True(sim.CoordinatorExit == 0, $"the run did not complete: {context}");
        var worlds = sim.Worlds
            .Where(w => w.Time >= sim.FirstWorldAt + first && w.Members.All(m => m.EndsWith(".0", StringComparison.Ordinal)))
            .Select(w => (w.Time - sim.FirstWorldAt - first, w.Members))
            .ToList();
        return (worlds, context);
    }

    static string[] Survivors(params int[] killed) =>
        [.. Enumerable.Range(0, Trainers).Where(s => !killed.Contains(s)).Select(s => $"t{s}.0")];

    [Fact]
    public void Three_trainers_killed_half_a_second_apart_cost_one_new_world()
    {
        var (worlds, context) = KillAndCount((3, 0), (5, 0.5), (6, 1.0));
        var world = Assert.Single(worlds);
        Assert.True(Survivors(3, 5, 6).SequenceEqual(world.Members), $"members {string.Join(",", world.Members)}\n{context}");
    }

    [Fact]
    public void Two_trainers_killed_a_few_milliseconds_apart_cost_one_new_world()
    {
        // The second victim is still alive when the first one's ring breaks: it re-registers and answers its probe, and
        // dies a moment later (one `kill` after the other). A world formed at once would include it and break again.
        var (worlds, context) = KillAndCount((2, 0), (4, 0.005));
        var world = Assert.Single(worlds);
        Assert.True(Survivors(2, 4).SequenceEqual(world.Members), $"members {string.Join(",", world.Members)}\n{context}");
    }

    [Fact]
    public void A_single_kill_still_re_forms_exactly_once_within_the_coalescing_period()
    {
        var (worlds, context) = KillAndCount((3, 0));
        var world = Assert.Single(worlds);
        Assert.True(Survivors(3).SequenceEqual(world.Members), $"members {string.Join(",", world.Members)}\n{context}");
        // Simulated time: the quiet period (1 s) plus a probe round, never the multi-second recovery window.
        Assert.True(world.At < 1.5, $"the world formed {world.At:F3} s after the kill\n{context}");
    }
}
