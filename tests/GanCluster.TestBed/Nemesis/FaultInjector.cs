using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Nemesis;

/// <summary>
/// The nemesis's hands: applies one fault to one node, holds it for its duration, heals it (also when cancelled), and
/// records it in the fault log. One fault at a time per node; nothing here decides when or whom (see
/// <see cref="FaultSchedule"/>).
/// </summary>
public sealed class FaultInjector(FaultLog log, NemesisPorts ports)
{
    const string Tag = "nemesis";

    public FaultLog Log => log;

    public async Task<FaultRecord> ApplyAsync(PlannedFault fault, BedNode node, CancellationToken cancel)
    {
        int? pid = node.Process.Pid;
        var started = DateTimeOffset.UtcNow;
        Action heal = Inject(fault, node, pid);
        FaultRecord? record = null;
        try
        {
            if (fault.Kind != FaultKind.Kill) await Task.Delay(fault.Duration, cancel);
        }
        finally
        {
            heal();
            record = new FaultRecord(fault.Kind, fault.Target, node.Name, node.Role, node.Host.Name, started, DateTimeOffset.UtcNow, pid,
                fault.Kind == FaultKind.BandwidthCap ? fault.BandwidthBitsPerSecond : null);
            log.Add(record);
        }
        return record;
    }

    /// <summary>Applies the fault now and returns what heals it.</summary>
    Action Inject(PlannedFault fault, BedNode node, int? pid)
    {
        var host = node.Host;
        switch (fault.Kind)
        {
            case FaultKind.Kill:
                if (pid is { } k) PosixSignal.Send(k, PosixSignal.Kill);
                return () => { };
            case FaultKind.Pause:
                if (pid is not { } p) return () => { };
                PosixSignal.Send(p, PosixSignal.Stop);
                return () => PosixSignal.Send(p, PosixSignal.Continue); // the same incarnation, never a successor
            case FaultKind.Partition:
                host.Disconnect();
                return host.Reconnect;
            case FaultKind.DataPlanePartition:
                host.BlockPorts(Tag, ports.DataPlane);
                return () => host.UnblockPorts(Tag);
            case FaultKind.ControlPlanePartition:
                host.BlockPorts(Tag, ports.ControlPlane);
                return () => host.UnblockPorts(Tag);
            case FaultKind.BandwidthCap:
                host.LimitBandwidth(fault.BandwidthBitsPerSecond);
                return host.RemoveBandwidthLimit;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "unknown fault kind");
        }
    }
}
