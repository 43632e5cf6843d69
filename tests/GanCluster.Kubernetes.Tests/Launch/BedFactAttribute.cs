using GanCluster.TestBed.Network;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>A test that starts pods on the multi-host test bed (root, ip, nft, tc, nsenter, unshare): skipped, with the reason, elsewhere.</summary>
public sealed class BedFactAttribute : FactAttribute
{
    public BedFactAttribute()
    {
        if ((Bed.Unavailable ?? PodSandbox.Unavailable()) is { } why) Skip = why;
    }
}
