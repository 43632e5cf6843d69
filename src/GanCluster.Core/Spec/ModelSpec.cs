namespace GanCluster.Core.Spec;

public sealed class ModelSpec : ISpecSection
{
    [SpecDoc("dcgan | progressive | msg (multi-scale gradients: every resolution at once)")]
    public ModelArch Arch { get; set; } = ModelArch.Dcgan;

    [SpecDoc("output side length in pixels, a power of two")]
    public int Resolution { get; set; } = 32;

    [SpecDoc("image channels: 1 (grayscale) or 3 (RGB)")]
    public int Channels { get; set; } = 1;

    [SpecDoc("latent vector size")]
    public int Nz { get; set; } = 100;

    [SpecDoc("generator feature maps (width of the last block)")]
    public int Ngf { get; set; } = 64;

    [SpecDoc("discriminator feature maps (width of the first block)")]
    public int Ndf { get; set; } = 64;

    [SpecDoc("progressive and msg: feature maps of the widest block (ProGAN: 512); blocks above 32x32 halve it per doubling")]
    public int Fmaps { get; set; } = 128;

    [SpecDoc("batch | none: normalisation in the DCGAN blocks")]
    public NormKind Norm { get; set; } = NormKind.Batch;

    public void Validate(SpecProblems problems, string path)
    {
        // msg needs two scales at least (4x4 and 8x8) to be multi-scale.
        int minResolution = Arch == ModelArch.Progressive ? 4 : 8;
        problems.PowerOfTwo($"{path}.resolution", Resolution, minResolution, 1024);
        if (Channels is not (1 or 3)) problems.Add($"{path}.channels", "1 or 3", Channels.ToString());
        problems.Positive($"{path}.nz", Nz);
        problems.Positive($"{path}.ngf", Ngf);
        problems.Positive($"{path}.ndf", Ndf);
        problems.Positive($"{path}.fmaps", Fmaps);
    }
}
