using GanCluster.Core.Spec;
using static TorchSharp.torch;

namespace GanCluster.Training;

/// <summary>Device names from the command line (--device) as TorchSharp devices.</summary>
public static class Devices
{
    /// <summary>cpu, cuda or cuda:N; anything else (or CUDA on a build or host without it) is an input error.</summary>
    public static Device Parse(string text)
    {
        if (text.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !cuda.is_available())
            throw new SpecException("--device", "cpu, or a CUDA device on a build with -p:TorchBackend=cuda and a visible GPU", $"'{text}' (CUDA is not available)", "input");
        try { return device(text); }
        catch (ArgumentException) { throw new SpecException("--device", "cpu, cuda or cuda:N", $"'{text}'", "input"); }
    }
}
