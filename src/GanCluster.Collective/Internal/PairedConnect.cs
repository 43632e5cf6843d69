namespace GanCluster.Collective.Internal;

/// <summary>
/// Two connections a collective needs together (a ring's links to its next and previous rank; the hierarchical
/// schedule's host ring and ring across hosts), made at the same time. Either one failing (a refusal, say) cancels the
/// other at once instead of leaving it to wait out its timeout. On failure whichever one succeeded is disposed, the
/// caller's own cancellation is reported as such, and the first real failure wins over the cancellation it caused on
/// the other side.
/// </summary>
internal static class PairedConnect
{
    public static async Task<(TFirst First, TSecond Second)> BothAsync<TFirst, TSecond>(Func<CancellationToken, Task<TFirst>> first,
        Func<CancellationToken, Task<TSecond>> second, long epoch, CancellationToken cancel)
        where TFirst : IDisposable
        where TSecond : IDisposable
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var a = first(either.Token);
        var b = second(either.Token);
        foreach (var task in new Task[] { a, b })
            _ = task.ContinueWith(_ => CancelQuietly(either), CancellationToken.None,
                TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await Task.WhenAll(a, b).ConfigureAwait(false);
        }
        catch
        {
            if (a.IsCompletedSuccessfully) a.Result.Dispose();
            if (b.IsCompletedSuccessfully) b.Result.Dispose();
            if (cancel.IsCancellationRequested)
                throw new CollectiveAbortedException(AbortReason.Cancelled, null, epoch, "connecting was cancelled");
            var aborted = new[] { a.Exception?.InnerException, b.Exception?.InnerException }.OfType<CollectiveAbortedException>()
                .OrderBy(e => e.Reason == AbortReason.Cancelled ? 1 : 0).FirstOrDefault();
            if (aborted is not null) throw aborted;
            throw;
        }
        return (a.Result, b.Result);
    }

    /// <summary>Cancels unless the source is already disposed (a continuation that runs after the connect returned).</summary>
    static void CancelQuietly(CancellationTokenSource cts)
    {
        try { cts.Cancel(); } catch (ObjectDisposedException) { }
    }
}
