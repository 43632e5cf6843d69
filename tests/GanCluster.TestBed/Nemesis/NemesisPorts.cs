using GanCluster.TestBed.Network;

namespace GanCluster.TestBed.Nemesis;

/// <summary>Which TCP ports are the data plane and which the control plane (what the two partial partitions drop).</summary>
public sealed record NemesisPorts(IReadOnlyList<PortRange> DataPlane, IReadOnlyList<PortRange> ControlPlane);
