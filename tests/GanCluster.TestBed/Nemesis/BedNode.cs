using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Nemesis;

/// <summary>A node a fault can hit: a named process with a role, on its host.</summary>
public sealed record BedNode(string Name, string Role, BedHost Host, BedProcess Process);
