namespace GanCluster.Core.Spec;

/// <summary>The data plane's settings (docs/data-plane.md). Every rank must use the same wire, chunk and direction.</summary>
public sealed class TransportSpec : ISpecSection
{
    [SpecDoc("fp32 | bf16 | fp16: precision of gradients on the wire (accumulation is always fp32)")]
    public WirePrecision Wire { get; set; } = WirePrecision.Fp32;

    [SpecDoc("auto | ring | hierarchical: how ranks all-reduce; hierarchical reduces inside each host first (shared memory), then rings across hosts (one per local rank), then shares inside the host; auto picks it when the world spans several hosts with several ranks each (hosts with different rank counts always get the flat ring)")]
    public AllReduceSchedule Schedule { get; set; } = AllReduceSchedule.Auto;

    [SpecDoc("KiB of wire data per pipelined chunk")]
    public int ChunkKib { get; set; } = 512;

    [SpecDoc("same-host neighbours exchange through shared memory instead of loopback TCP")]
    public bool SharedMemory { get; set; } = true;

    [SpecDoc("seconds one collective may take before the world is declared broken (failure detection is usually faster)")]
    public double OperationTimeoutSeconds { get; set; } = 30;

    [SpecDoc("seconds a peer host may leave our data-plane traffic unacknowledged before its link counts as cut off (network partition); a slow or paused peer process still acknowledges")]
    public double LinkTimeoutSeconds { get; set; } = 10;

    [SpecDoc("seconds to connect a world's ring")]
    public double ConnectTimeoutSeconds { get; set; } = 30;

    public void Validate(SpecProblems problems, string path)
    {
        problems.InRange($"{path}.chunk_kib", ChunkKib, 16, 16384);
        problems.InRange($"{path}.operation_timeout_seconds", OperationTimeoutSeconds, 1, 3600);
        problems.InRange($"{path}.connect_timeout_seconds", ConnectTimeoutSeconds, 1, 3600);
        problems.InRange($"{path}.link_timeout_seconds", LinkTimeoutSeconds, 2, 3600);
    }
}
