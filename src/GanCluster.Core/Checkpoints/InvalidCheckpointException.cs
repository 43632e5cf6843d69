namespace GanCluster.Core.Checkpoints;

/// <summary>A checkpoint that cannot be used: incomplete, altered, unreadable, or not loadable into this run.</summary>
public sealed class InvalidCheckpointException(string path, string problem, Exception? inner = null)
    : Exception($"checkpoint {System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(path))}: {problem}", inner)
{
    public string Path { get; } = path;

    /// <summary>What is wrong, for a warning line.</summary>
    public string Problem { get; } = problem;
}
