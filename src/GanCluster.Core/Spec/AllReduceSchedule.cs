namespace GanCluster.Core.Spec;

/// <summary>How a world's ranks all-reduce (docs/data-plane.md, "Schedules").</summary>
public enum AllReduceSchedule
{
    /// <summary>The hierarchical schedule when the world spans several hosts and some host has several ranks (and
    /// every host has as many), else the flat ring.</summary>
    Auto,

    /// <summary>One ring over every rank.</summary>
    Ring,

    /// <summary>A ring inside each host, rings across hosts; the flat ring when hosts have different numbers of ranks.</summary>
    Hierarchical,
}
