using GanCluster.Training.Models;
using GanCluster.Training.Sampling;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Models;

/// <summary>Sample grids are generated a few latents at a time at high resolutions, with the same images as one pass.</summary>
public class ChunkedGenerationTests
{
    [Fact]
    public void Chunks_give_the_images_of_one_forward_pass()
    {
        var spec = TinySpecs.Dcgan();
        var (g, d) = GanModels.Create(spec, CPU);
        using (g)
        using (d)
        using (no_grad())
        {
            g.eval();
            using var latents = randn(new long[] { 10, spec.Model.Nz }, generator: new Generator(3));
            using var whole = g.forward(latents);
            // Sized as for 1024 px: 4 latents per pass, so 10 latents take 3 passes (4, 4, 2).
            using var chunked = ChunkedGeneration.Generate(g, latents, CPU, resolution: 1024);
            Assert.Equal(whole.shape, chunked.shape);
            Assert.True(whole.allclose(chunked, rtol: 1e-5, atol: 1e-6), "chunked generation changed the images");
        }
    }
}
