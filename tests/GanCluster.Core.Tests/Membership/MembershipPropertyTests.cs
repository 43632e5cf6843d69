using CsCheck;

namespace GanCluster.Core.Tests.Membership;

/// <summary>
/// The membership model over generated fault schedules (CsCheck: random, seeded and shrunk; a failure prints the
/// smallest schedule that breaks it and the seed to replay it), in <see cref="ClusterSimulation"/>. One fault at a
/// time of any kind, any target (the oldest trainer and the coordinator included) and any duration from 1 s to 5 min:
/// the promises of docs/fault-tolerance.md hold. Overlapping faults in any order: the run still ends with identical
/// replicas once the faults are over.
/// </summary>
public class MembershipPropertyTests
{
    const double Gap = 40; // seconds between one fault's end and the next one's start: time to heal

    static readonly Gen<double> Durations = Gen.Frequency(
        (6, Gen.Double[1, 20]), (3, Gen.Double[20, 60]), (1, Gen.Double[60, 300]));

    static readonly Gen<(FaultKind Kind, int Target, double Seconds)> Faults =
        Gen.Select(Gen.Enum<FaultKind>(), Gen.Int[-1, 4], Durations);

    /// <summary>Single faults one after another, each after the previous one healed.</summary>
    static readonly Gen<(int Trainers, Fault[] Faults)> Sequential =
        from trainers in Gen.Int[2, 5]
        from faults in Faults.Array[1, 3]
        select (trainers, Place(trainers, faults, overlap: false));

    /// <summary>Faults that may overlap, on any hosts, in any order.</summary>
    static readonly Gen<(int Trainers, Fault[] Faults)> Overlapping =
        from trainers in Gen.Int[2, 5]
        from faults in Faults.Array[2, 4]
        select (trainers, Place(trainers, faults, overlap: true));

    static Fault[] Place(int trainers, (FaultKind Kind, int Target, double Seconds)[] faults, bool overlap)
    {
        var placed = new List<Fault>();
        double at = 20;
        foreach (var (kind, target, seconds) in faults)
        {
            int host = target < 0 ? -1 : target % trainers;
            placed.Add(new Fault(kind, host, at, kind == FaultKind.Kill ? 0 : seconds));
            at += overlap ? seconds / 3 : (kind == FaultKind.Kill ? 0 : seconds) + Gap;
        }
        return [.. placed];
    }

    static ClusterSimulation Simulate(int trainers, Fault[] faults)
    {
        double end = faults.Max(f => f.At + f.Seconds);
        long steps = (long)((end + 120) / 0.1);
        return new ClusterSimulation(trainers, steps, faults).Run(limitSeconds: end + 3600);
    }

    /// <summary>
    /// Runs the schedule and asserts what every schedule must end with: no violation seen on the way, and a completed run
    /// with every replica at the final step (identical: they are the same step's state).
    /// </summary>
    static (ClusterSimulation Sim, string Context) SimulateToTheEnd(int trainers, Fault[] faults)
    {
        var sim = Simulate(trainers, faults);
        string context = $"{trainers} trainers; {string.Join("; ", faults.Select(f => f.ToString()))}";
        Assert.True(sim.Violations.Count == 0, $"{context}: {string.Join("; ", sim.Violations)}");
        Assert.True(sim.CoordinatorExit == 0, $"{context}: the run did not complete ({sim.CoordinatorExit})\n{Tail(sim)}");
        Assert.True(sim.FinishedSteps.Values.All(s => s == sim.TotalSteps), context);
        return (sim, context);
    }

    [Fact]
    public void One_fault_at_a_time_costs_only_the_faulty_node()
    {
        Sequential.Sample(schedule =>
        {
            var (trainers, faults) = schedule;
            var (sim, context) = SimulateToTheEnd(trainers, faults);

            // No node that was not faulted exits, is downed or restarts.
            foreach (var (time, slot, why) in sim.Restarts)
                Assert.True(FaultedAround(sim, slot, time - sim.FirstWorldAt),
                    $"{context}: t{slot} restarted at {time:F1}s ({why}) without a fault of its own\n{Tail(sim)}");

            foreach (var world in sim.Worlds.Skip(1))
            {
                // Nothing committed is lost, and no world falls back to a checkpoint: a live replica always survives.
                Assert.True(world.Checkpoint == null, $"{context}: world {world.Epoch} fell back to {world.Checkpoint}\n{Tail(sim)}");
                Assert.True(world.StartStep >= world.Committed, $"{context}: world {world.Epoch} starts at {world.StartStep}, step {world.Committed} was committed");
                // A healthy trainer is never left out because of another's failure.
                double t = world.Time - sim.FirstWorldAt;
                for (int slot = 0; slot < trainers; slot++)
                    if (!FaultedAround(sim, slot, t) && !world.Members.Any(m => m.StartsWith($"t{slot}.", StringComparison.Ordinal)))
                        Assert.Fail($"{context}: healthy t{slot} left out of world {world.Epoch} at {t:F1}s\n{Tail(sim)}");
            }

            // While the coordinator is away (cut off, paused, restarting), the trainers train on: no world breaks and
            // steps keep completing.
            foreach (var f in faults.Where(f => f.Target < 0))
            {
                double from = sim.FirstWorldAt + f.At, to = from + Math.Max(f.Seconds, 4);
                Assert.DoesNotContain(sim.History, h => h.Kind == "world-broken" && h.Time >= from && h.Time <= to + 10);
                int steps = sim.Steps.Count(s => s.Time > from && s.Time < to);
                Assert.True(steps >= 0.8 * (to - from) / 0.1 - 5, $"{context}: only {steps} steps while the coordinator was away ({f})");
            }

            // A trainer that comes back is in the world again within seconds of its fault's end.
            foreach (var f in faults.Where(f => f.Target >= 0))
            {
                double healed = sim.FirstWorldAt + f.At + f.Seconds;
                var current = sim.Worlds.Last(w => w.Time <= healed + 30); // the world training 30 s after the heal
                bool back = current.Members.Count == trainers || sim.Steps.LastOrDefault().Time < healed + 30; // or the run ended first
                Assert.True(back, $"{context}: t{f.Target} was not back in a full world within 30 s of {healed:F1}s\n{Tail(sim)}");
            }
        }, iter: 120, threads: 1);
    }

    [Fact]
    public void Overlapping_faults_in_any_order_still_end_with_identical_replicas()
    {
        Overlapping.Sample(schedule =>
        {
            var (trainers, faults) = schedule;
            var (sim, context) = SimulateToTheEnd(trainers, faults);
            var epochs = sim.Worlds.Select(w => w.Epoch).ToList();
            Assert.Equal(epochs.OrderBy(e => e).Distinct(), epochs); // epochs only grow
        }, iter: 80, threads: 1);
    }

    /// <summary>The slot was the target of a fault from its start until 30 s after its end (the time to rejoin).</summary>
    static bool FaultedAround(ClusterSimulation sim, int slot, double t) =>
        sim.Faults.Any(f => f.Target == slot && t >= f.At - 0.5 && t <= f.At + Math.Max(f.Seconds, 1) + 30);

    static string Tail(ClusterSimulation sim) =>
        string.Join("\n", sim.History.Where(h => h.Kind is not ("checkpoint_committed")).TakeLast(40).Select(h => $"  {h.Time:F2} {h.Kind} {h.Detail}"));
}
