using GanCluster.Core.Progressive;
using GanCluster.Core.Spec;

namespace GanCluster.Core.Tests.Progressive;

public class ProgressiveScheduleTests
{
    static ProgressiveSchedule Schedule(string extra = "") => new(RunSpecLoader.Parse($"""
        batch_size: 10
        optim: {"{"} lr_g: 0.001, lr_d: 0.002 {"}"}
        model: {"{"} arch: progressive, resolution: 16 {"}"}
        progressive: {"{"} start_resolution: 4, fade_images: 100, stable_images: 200, batch_size: {"{"} 4: 20, 16: 5 {"}"}{extra} {"}"}
        """));

    [Fact]
    public void Phases_run_stable_then_fade_and_stable_per_doubling()
    {
        var s = Schedule();
        Assert.Equal(
            [(4, PhaseKind.Stable, 0L, 200L), (8, PhaseKind.FadeIn, 200, 300), (8, PhaseKind.Stable, 300, 500),
             (16, PhaseKind.FadeIn, 500, 600), (16, PhaseKind.Stable, 600, 800)],
            s.Phases.Select(p => (p.Resolution, p.Kind, p.StartImages, p.EndImages)).ToList());
        Assert.Equal(800, s.TotalImages);
        Assert.Equal([(200L, 8), (500L, 16)], s.GrowthPoints);
        Assert.Equal([20, 10, 10, 5, 5], s.Phases.Select(p => p.BatchSize).ToList());
    }

    [Theory]
    [InlineData(0, 4, PhaseKind.Stable, 1.0)]
    [InlineData(199, 4, PhaseKind.Stable, 1.0)]
    [InlineData(200, 8, PhaseKind.FadeIn, 0.0)]
    [InlineData(225, 8, PhaseKind.FadeIn, 0.25)]
    [InlineData(299, 8, PhaseKind.FadeIn, 0.99)]
    [InlineData(300, 8, PhaseKind.Stable, 1.0)]
    [InlineData(550, 16, PhaseKind.FadeIn, 0.5)]
    [InlineData(799, 16, PhaseKind.Stable, 1.0)]
    [InlineData(5000, 16, PhaseKind.Stable, 1.0)]
    public void Any_image_count_has_one_phase_resolution_and_alpha(long images, int resolution, PhaseKind kind, double alpha)
    {
        var point = Schedule().At(images);
        Assert.Equal(resolution, point.Resolution);
        Assert.Equal(kind, point.Kind);
        Assert.Equal(alpha, point.Alpha, 12);
        Assert.Equal(images >= 800, point.Finished);
    }

    [Fact]
    public void Alpha_rises_monotonically_through_a_fade_in()
    {
        var s = Schedule();
        double previous = -1;
        for (long n = 200; n < 300; n++)
        {
            double a = s.At(n).Alpha;
            Assert.InRange(a, 0.0, 1.0);
            Assert.True(a > previous);
            previous = a;
        }
    }

    [Fact]
    public void Per_resolution_rates_override_the_optimizer_rates()
    {
        var s = Schedule(", lr: { 8: 0.0005 }");
        Assert.Equal((0.001, 0.002), (s.At(0).LrG, s.At(0).LrD));
        Assert.Equal((0.0005, 0.0005), (s.At(250).LrG, s.At(250).LrD));
        Assert.Equal((0.001, 0.002), (s.At(600).LrG, s.At(600).LrD));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Steps_to_finish_matches_stepping_through_the_schedule(int world)
    {
        var s = Schedule();
        for (long start = 0; start < 800; start += 37)
        {
            long images = start, steps = 0;
            while (images < s.TotalImages)
            {
                images += (long)s.PhaseAt(images).BatchSize * world;
                steps++;
            }
            Assert.Equal(steps, s.StepsToFinish(start, world));
        }
    }

    [Fact]
    public void A_dcgan_schedule_is_one_endless_stable_phase()
    {
        var s = new ProgressiveSchedule(RunSpecLoader.Parse("batch_size: 8\nmodel: { resolution: 32 }"));
        Assert.False(s.IsProgressive);
        var p = Assert.Single(s.Phases);
        Assert.Equal((32, PhaseKind.Stable, 8), (p.Resolution, p.Kind, p.BatchSize));
        Assert.Empty(s.GrowthPoints);
        Assert.False(s.At(long.MaxValue - 1).Finished);
        Assert.Null(s.StepsToFinish(0, 1));
    }

    [Fact]
    public void Schedules_up_to_1024_have_two_phases_per_doubling()
    {
        var s = new ProgressiveSchedule(RunSpecLoader.Parse("model: { arch: progressive, resolution: 1024 }"));
        Assert.Equal(1 + 2 * 8, s.Phases.Count);
        Assert.Equal(1024, s.FinalResolution);
        Assert.Equal(17 * 600_000L, s.TotalImages);
    }
}
