namespace GanCluster.Cluster.Hosting;

/// <summary>
/// Collects the exit code of a node: the coordinator reports once; a trainer node reports when all its trainer
/// actors have stopped (the highest code wins: 2 refused, 1 failed, 0 done).
/// </summary>
public sealed class NodeLifetime(int parts = 1)
{
    readonly TaskCompletionSource<int> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _remaining = parts;
    int _code;

    public Task<int> ExitCode => _done.Task;

    public void PartStopped(int code)
    {
        lock (_done)
        {
            _code = Math.Max(_code, code);
            if (--_remaining <= 0) _done.TrySetResult(_code);
        }
    }
}
