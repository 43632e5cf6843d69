using GanCluster.TestBed.Nemesis;

namespace GanCluster.TestBed.Cluster;

/// <summary>
/// Plays a fault schedule against a cluster on the bed, one fault at a time: a fault fires at its step, or a gap
/// after the cluster healed from the previous one (bounded wait); its target is resolved when it fires. Then it
/// waits for the run to end and stops every node, also on timeout or cancellation (the checker reads what happened).
/// </summary>
public sealed class NemesisRun(BedCluster cluster, FaultInjector injector, NemesisRunOptions options)
{
    public async Task<NemesisRunResult> RunAsync(FaultSchedule schedule, CancellationToken cancel = default)
    {
        var applied = new List<FaultRecord>();
        var skipped = new List<PlannedFault>();
        bool ended = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(options.RunTimeout);
        var token = deadline.Token;
        var forever = TimeSpan.FromDays(1);
        try
        {
            DateTimeOffset since = DateTimeOffset.MinValue;
            foreach (var planned in schedule.Faults)
            {
                if (planned.AtStep is { } step)
                    await cluster.WaitForAsync(() => cluster.LastStep >= step || cluster.IsComplete, forever, token);
                else
                {
                    if (!await cluster.WaitForAsync(() => cluster.IsHealthy(since) || cluster.IsComplete, options.HealTimeout, token))
                        options.Say($"nemesis: the cluster did not heal within {options.HealTimeout.TotalSeconds:F0} s; going on");
                    await Task.Delay(planned.Gap, token);
                }
                var node = cluster.IsComplete ? null : cluster.Resolve(planned.Target);
                if (node == null)
                {
                    skipped.Add(planned);
                    options.Say($"nemesis: skipped ({(cluster.IsComplete ? "the run is complete" : "no such node")}): {planned}");
                    continue;
                }
                options.Say($"nemesis: {DateTimeOffset.UtcNow:HH:mm:ss} step {cluster.LastStep}: {planned} -> {node.Name} (pid {node.Process.Pid})");
                var record = await injector.ApplyAsync(planned, node, token);
                options.Say($"nemesis: {record.Ended:HH:mm:ss} step {cluster.LastStep}: healed {planned.Kind} of {node.Name}");
                applied.Add(record);
                since = record.Ended;
            }
            ended = await cluster.WaitForEndAsync(forever, token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancel.IsCancellationRequested)
        {
            options.Say($"nemesis: the run did not end within {options.RunTimeout.TotalSeconds:F0} s; stopping it");
        }
        finally
        {
            await cluster.StopAsync(TimeSpan.FromSeconds(ended ? 30 : 0));
        }
        return new NemesisRunResult(applied, skipped, ended);
    }
}
