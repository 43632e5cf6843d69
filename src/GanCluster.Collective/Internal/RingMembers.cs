namespace GanCluster.Collective.Internal;

/// <summary>
/// Who is in one ring, in ring order (global ranks of the world), where this rank sits in it, and the tag its
/// connections carry in the handshake so that several rings of one world (the hierarchical schedule's host ring and
/// cross-host ring) never claim each other's connections.
/// </summary>
internal sealed record RingMembers(IReadOnlyList<int> Ranks, int Position, long Tag)
{
    /// <summary>The tag of the ring over the whole world (the flat schedule).</summary>
    public const long WholeWorldTag = 0;

    /// <summary>The tag of the ring of one host's ranks.</summary>
    public const long HostRingTag = 1;

    /// <summary>The tag of a ring across hosts (local index j of every host).</summary>
    public const long CrossHostRingTag = 2;

    public static RingMembers WholeWorld(int size, int rank) => new(Enumerable.Range(0, size).ToArray(), rank, WholeWorldTag);

    public int Size => Ranks.Count;

    public int Next => Ranks[(Position + 1) % Size];

    public int Previous => Ranks[(Position - 1 + Size) % Size];
}
