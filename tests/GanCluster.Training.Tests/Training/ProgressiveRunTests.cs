using GanCluster.Core.Planning;
using GanCluster.Core.Runs;
using GanCluster.Training.Checkpointing;
using static GanCluster.Training.Tests.Training.TinyRuns;

namespace GanCluster.Training.Tests.Training;

public class ProgressiveRunTests
{
    [Fact]
    public void A_tiny_progressive_run_grows_4_to_8_to_16_with_fade_ins()
    {
        string dir = NewDir();
        var (state, _, planJson) = Train(dir, Spec(Progressive));
        Assert.Equal(36, state.Step);
        Assert.Equal(4 * 16 + 32 * 8, state.ImagesSeen);

        var metrics = JsonlWriter.ReadAll(new RunLayout(dir).MetricsFile).ToList();
        Assert.Equal(36, metrics.Count);
        var res = metrics.Select(m => m["resolution"]!.GetValue<int>()).ToList();
        Assert.Equal(Enumerable.Repeat(4, 4).Concat(Enumerable.Repeat(8, 16)).Concat(Enumerable.Repeat(16, 16)), res);
        var alpha = metrics.Select(m => m["alpha"]!.GetValue<double>()).ToList();
        Assert.Equal([0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875], alpha.Skip(4).Take(8));
        Assert.Equal("fade-in", metrics[20]["phase"]!.GetValue<string>());
        Assert.All(metrics, m => Assert.Equal(0, m["d_skipped"]!.GetValue<int>()));
        Assert.All(metrics, m => Assert.True(double.IsFinite(m["loss_d"]!.GetValue<double>()) && double.IsFinite(m["loss_g"]!.GetValue<double>())));

        var events = JsonlWriter.ReadAll(new RunLayout(dir).EventsFile).ToList();
        var grown = events.Where(e => e["kind"]!.GetValue<string>() == EventKind.ResolutionGrown).ToList();
        Assert.Equal([5L, 21L], grown.Select(e => e["step"]!.GetValue<long>()));
        Assert.Equal([8, 16], grown.Select(e => e["details"]!["to"]!.GetValue<int>()));
        Assert.Equal(5, events.Count(e => e["kind"]!.GetValue<string>() == EventKind.PhaseStarted));

        // The final checkpoint carries the plan (phase, alpha, policies) and the generator EMA.
        var snapshot = TrainerSnapshot.ReadFrom(new RunLayout(dir).CheckpointDir(36));
        Assert.True(snapshot.Files.ContainsKey(TrainerSnapshot.GeneratorEma));
        var plan = snapshot.ReadState().ReadPlan()!;
        Assert.Equal((37L, 16, 1.0), (plan.Next.Step, plan.Next.Resolution, plan.Next.Alpha));
        Assert.Equal(planJson, plan.ToJson());
    }

    [Fact]
    public void Resuming_in_the_middle_of_a_fade_in_equals_the_uninterrupted_run_bit_for_bit()
    {
        // Uninterrupted: 24 steps (through the 8x8 fade-in and into the 16x16 one).
        string whole = NewDir();
        var (_, wholeHashes, wholePlan) = Train(whole, Spec(Progressive, "steps=24"), hashAt: [16, 24]);

        // Interrupted at step 8 (8x8 fade-in, alpha 0.375 next), resumed to step 20 (the step before growing to 16x16,
        // so the growth and its optimizer reset are pending in the checkpoint), resumed again to 24 (16x16 fade-in).
        string parts = NewDir();
        Train(parts, Spec(Progressive, "steps=8"));
        var mid = TrainerSnapshot.ReadFrom(new RunLayout(parts).CheckpointDir(8)).ReadState().ReadPlan()!;
        Assert.Equal(("fade-in", 8, 0.5), (mid.Next.PhaseName, mid.Next.Resolution, mid.Next.Alpha));
        var (_, hashes16, _) = Train(parts, Spec(Progressive, "steps=20"), resume: true, hashAt: [16]);
        var beforeGrowth = TrainerSnapshot.ReadFrom(new RunLayout(parts).CheckpointDir(20)).ReadState().ReadPlan()!;
        Assert.Contains(beforeGrowth.Pending, d => d is ResolutionGrown { To: 16, Step: 21 });
        var (_, hashes24, partsPlan) = Train(parts, Spec(Progressive, "steps=24"), resume: true, hashAt: [24]);

        Assert.Equal(wholeHashes[16], hashes16[16]);
        Assert.Equal(wholeHashes[24], hashes24[24]);
        Assert.Equal(wholePlan, partsPlan);
        Assert.Equal(Metrics(whole), Metrics(parts));
        Assert.Equal(Events(whole), Events(parts));
    }
}
