using GanCluster.TestBed.Network;

namespace GanCluster.TestBed.Tests;

/// <summary>A test that needs the bed (root, ip, nft, tc, nsenter): skipped, with the reason, where the bed cannot run.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Bed.Unavailable is { } why) Skip = why;
    }
}
