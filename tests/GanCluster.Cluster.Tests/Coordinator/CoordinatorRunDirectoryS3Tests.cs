using GanCluster.Cluster.Coordinator;
using GanCluster.Core.Spec;

namespace GanCluster.Cluster.Tests.Coordinator;

/// <summary>
/// The coordinator's events.jsonl beside S3 checkpoints (s3rver with conditional writes, started here): on Kubernetes
/// without shared storage it lives on the coordinator pod's disk, which dies with the pod, so the bucket must have it.
/// </summary>
[Collection(S3CollectionDefinition.Name)]
public sealed class CoordinatorRunDirectoryS3Tests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-coordinator-s3-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void An_event_reaches_the_bucket_without_waiting_for_a_checkpoint()
    {
        using var server = S3TestServer.Start(conditionalWrites: true);
        using var env = server.UseInProcess();
        var spec = RunSpecLoader.Parse("seed: 1", [$"checkpoint.uri={S3TestServer.Uri("coordinator")}"]);
        const string key = "coordinator/run/events.jsonl";
        bool InBucket() => server.Keys("coordinator/run").Contains(key) && File.ReadAllText(server.ObjectFile(key)).Contains("\"world_formed\"");

        using (var run = new CoordinatorRunDirectory(spec, _dir, _ => { }))
        {
            run.Open(reconnect: false, resume: false, force: false);
            // Opening uploads run.yaml and the (empty) events.jsonl; once the bucket has both, that pass has read the log.
            bool Opened() => server.Keys("coordinator/run") is var keys && keys.Contains(key) && keys.Contains("coordinator/run/run.yaml");
            SpinWait.SpinUntil(Opened, TimeSpan.FromSeconds(60));
            Assert.True(Opened(), $"opening the run uploaded only {string.Join(", ", server.Keys("coordinator/run"))}");
            run.Write(0, "world_formed", null); // the first world, long before the first checkpoint
            // The upload runs in the background; bounded wait, then the check (before the fix it came only with a
            // checkpoint or the run's end, and a coordinator pod killed before either took the run's first world with it).
            SpinWait.SpinUntil(InBucket, TimeSpan.FromSeconds(60));
            Assert.True(InBucket(), $"{key} in the bucket lacks world_formed: {(server.Keys("coordinator/run").Contains(key) ? File.ReadAllText(server.ObjectFile(key)) : "no object")}");
        }
    }
}
