using GanCluster.Core.Spec;
using GanCluster.Training.Memory;
using GanCluster.Training.Models;

namespace GanCluster.Training.Tests.Memory;

/// <summary>The memory estimate grows with what drives it, and a run over the limit is a spec error naming the batch.</summary>
public class MemoryPlannerTests
{
    static MemoryEstimate Estimate(RunSpec spec)
    {
        var (g, d) = GanModels.Create(spec, TorchSharp.torch.CPU);
        using (g)
        using (d)
            return MemoryPlanner.Estimate(spec, g, d, null);
    }

    [Fact]
    public void Activations_grow_with_the_resolution_and_the_total_with_the_batch()
    {
        var at256 = Estimate(TinySpecs.Dcgan("model.resolution=256", "model.ngf=4", "model.ndf=4"));
        var at512 = Estimate(TinySpecs.Dcgan("model.resolution=512", "model.ngf=4", "model.ndf=4"));
        Assert.InRange(at512.ActivationBytesPerImage, 3.5 * at256.ActivationBytesPerImage, 4.5 * at256.ActivationBytesPerImage);
        var bigBatch = Estimate(TinySpecs.Dcgan("model.resolution=512", "model.ngf=4", "model.ndf=4", "batch_size=64"));
        Assert.Equal(at512.ActivationBytesPerImage * 64, bigBatch.ActivationBytes);
        Assert.Equal(at512.WeightBytes, bigBatch.WeightBytes);
        Assert.Equal(3 * at512.WeightBytes, at512.OptimizerBytes);
    }

    [Fact]
    public void A_progressive_run_is_estimated_at_its_most_demanding_stage()
    {
        var spec = TinySpecs.Dcgan("model.arch=progressive", "model.resolution=64", "model.fmaps=8", "batch_size=4",
            "progressive.start_resolution=4", "progressive.batch_size={4: 512, 64: 2}");
        var estimate = Estimate(spec);
        // 512 images at 4x4 need more than 2 at 64x64 with these widths.
        Assert.Equal(4, estimate.Resolution);
        Assert.Equal(512, estimate.Batch);
    }

    [Fact]
    public void A_run_over_the_limit_is_refused_naming_the_batch()
    {
        var spec = TinySpecs.Dcgan("model.resolution=512", "batch_size=64");
        var estimate = Estimate(spec);
        MemoryPlanner.CheckFits(spec, estimate, estimate.TotalBytes); // exactly fits
        var e = Assert.Throws<SpecException>(() => MemoryPlanner.CheckFits(spec, estimate, estimate.TotalBytes - 1));
        var problem = Assert.Single(e.Problems);
        Assert.Equal("batch_size", problem.Path);
        Assert.Contains("per image x 64 at 512x512", problem.Expected);
        var progressive = TinySpecs.Dcgan("model.arch=progressive", "model.resolution=64", "progressive.batch_size={64: 32}");
        var p = Estimate(progressive);
        Assert.Equal("progressive.batch_size.64", Assert.Throws<SpecException>(() => MemoryPlanner.CheckFits(progressive, p, p.TotalBytes / 2)).Problems[0].Path);
    }
}
