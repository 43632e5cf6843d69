using GanCluster.Core.Spec;
using GanCluster.Training.Models;
using GanCluster.Training.Models.Progressive;

namespace GanCluster.Training.Memory;

/// <summary>
/// Floats one image's forward pass keeps for the backward pass, from the networks' layer widths: every block's
/// feature map (side² x width) counted once per tensor autograd keeps (convolution, normalisation and activation
/// outputs). A training step holds G's activations and D's twice (reals and fakes), and about as much again in
/// gradients while the backward pass runs.
/// </summary>
public static class ActivationShapes
{
    // Tensors saved per convolution block: DCGAN: conv, batch norm, ReLU; ProGAN G: two convs x (conv, leaky ReLU,
    // pixel norm) + upsample; ProGAN D: two convs x (conv, leaky ReLU) + downsample.
    const int DcganPerBlock = 3, ProgressiveGPerBlock = 7, ProgressiveDPerBlock = 5;

    /// <summary>Bytes of activations and their gradients per image for a step at <paramref name="resolution"/>.</summary>
    public static long BytesPerImage(ModelSpec model, int resolution)
    {
        // msg: ProGAN's blocks (its D also reads each scale's image: a few channels, not counted).
        var (g, d) = model.Arch == ModelArch.Dcgan ? Dcgan(model, resolution) : Progressive(model, resolution);
        return 2 * sizeof(float) * (g + 2 * d);
    }

    static (long G, long D) Dcgan(ModelSpec model, int resolution)
    {
        int stages = DcganShapes.Stages(resolution);
        long image = (long)model.Channels * resolution * resolution;
        long g = 2 * image, d = image; // G: last transposed conv and tanh; D: its input
        for (int level = 0; level < stages; level++)
        {
            long side = resolution >> (level + 1); // feature maps from resolution/2 down to 4
            g += DcganPerBlock * DcganShapes.Width(model.Ngf, level) * side * side;
            d += DcganPerBlock * DcganShapes.Width(model.Ndf, level) * side * side;
        }
        return (g, d);
    }

    static (long G, long D) Progressive(ModelSpec model, int resolution)
    {
        long image = (long)model.Channels * resolution * resolution;
        long g = 2 * image, d = image;
        foreach (int r in ProgressiveShapes.Resolutions(resolution))
        {
            long maps = ProgressiveShapes.Width(model.Fmaps, r) * r * r;
            g += ProgressiveGPerBlock * maps;
            d += ProgressiveDPerBlock * maps;
        }
        return (g, d);
    }
}
