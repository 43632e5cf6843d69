using GanCluster.Core.Spec;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Ranks from a trainer pod's index (an Indexed Job's completion index): pod k with D devices hosts ranks k·D .. k·D+D-1, so trainer-0 holds rank 0
/// (the one that writes metrics, samples and checkpoints) and ranks follow pod names in the first world.
/// </summary>
public static class PodRank
{
    /// <summary>Set by the manifests from the pod's job-completion-index annotation (k8s/, helm/).</summary>
    public const string OrdinalVariable = "GANCLUSTER_POD_ORDINAL";

    /// <summary>The rank hint of device <paramref name="deviceIndex"/> of <paramref name="devices"/>; -1 without an ordinal.</summary>
    public static int Hint(string? ordinal, int devices, int deviceIndex)
    {
        if (string.IsNullOrWhiteSpace(ordinal)) return -1;
        if (!int.TryParse(ordinal, out int k) || k < 0)
            throw new SpecException(OrdinalVariable, "a pod ordinal (0, 1, 2, ...)", $"'{ordinal}'", "input");
        return k * devices + deviceIndex;
    }
}
