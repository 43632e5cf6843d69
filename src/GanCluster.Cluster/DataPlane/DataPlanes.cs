using GanCluster.Core.Spec;

namespace GanCluster.Cluster.DataPlane;

/// <summary>Opens a trainer's data plane (bound before the trainer registers, so its port is known).</summary>
public static class DataPlanes
{
    public static IDataPlane Open(string token, string bindHost, string advertisedHost, int port, TransportSpec transport) =>
        RingDataPlane.Open(token, bindHost, advertisedHost, port, transport);
}
