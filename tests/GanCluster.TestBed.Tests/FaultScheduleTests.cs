using GanCluster.TestBed.Nemesis;

namespace GanCluster.TestBed.Tests;

/// <summary>The nemesis's random schedules: replayable from their seed, and covering every kind and role within bounds.</summary>
public sealed class FaultScheduleTests
{
    [Fact]
    public void The_same_seed_gives_the_same_schedule_and_another_seed_another()
    {
        var a = FaultSchedule.Random(7, 20, 4, TimeSpan.FromMinutes(5));
        var b = FaultSchedule.Random(7, 20, 4, TimeSpan.FromMinutes(5));
        var c = FaultSchedule.Random(8, 20, 4, TimeSpan.FromMinutes(5));
        Assert.Equal(a.Describe(), b.Describe());
        Assert.NotEqual(a.Describe(), c.Describe());
        Assert.Equal(7, a.Seed);
    }

    [Fact]
    public void Random_schedules_hit_every_kind_and_role_for_1_s_to_the_maximum()
    {
        var max = TimeSpan.FromMinutes(5);
        var faults = Enumerable.Range(1, 20).SelectMany(seed => FaultSchedule.Random(seed, 10, 4, max).Faults).ToList();
        Assert.Equal(Enum.GetValues<FaultKind>().Order(), faults.Select(f => f.Kind).Distinct().Order());
        Assert.Contains(faults, f => f.Target == "coordinator");
        Assert.Contains(faults, f => f.Target == PlannedFault.OldestTrainer);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Contains(faults, f => f.Target == $"trainer-{i}"));
        Assert.All(faults.Where(f => f.Kind != FaultKind.Kill), f => Assert.InRange(f.Duration, TimeSpan.FromSeconds(1), max));
        Assert.All(faults.Where(f => f.Kind == FaultKind.Kill), f => Assert.Equal(TimeSpan.Zero, f.Duration));
        Assert.DoesNotContain(faults, f => f.Kind == FaultKind.DataPlanePartition && f.Target == "coordinator"); // it has no data plane
        Assert.All(faults.Where(f => f.Kind == FaultKind.BandwidthCap), f => Assert.Contains(f.BandwidthBitsPerSecond, FaultSchedule.CapRates));
        Assert.Contains(faults, f => f.Duration > TimeSpan.FromMinutes(1)); // long faults do occur
    }
}
