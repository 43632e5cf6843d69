namespace GanCluster.TestBed.Network;

/// <summary>TCP ports From..To (inclusive).</summary>
public readonly record struct PortRange(int From, int To)
{
    public static PortRange Single(int port) => new(port, port);

    public override string ToString() => From == To ? $"{From}" : $"{From}-{To}";
}
