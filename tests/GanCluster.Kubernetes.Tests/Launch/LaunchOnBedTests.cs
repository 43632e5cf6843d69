using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Runs;
using GanCluster.TestBed.Checking;
using GanCluster.TestBed.Cluster;
using GanCluster.Testing;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>
/// The real launch path (docs/kubernetes.md, "What is tested here"): a tiny run rendered by `helm template` and by
/// `gancluster k8s render`, every pod of its Jobs started as its own host on the multi-host test bed
/// (<see cref="BedLaunch"/>: own address, hostname, mounted spec and token, downward-API environment), forming the
/// cluster through Kubernetes API discovery and Akka.Management's bootstrap against <see cref="StandInKubernetesApi"/>
/// (the one stand-in). Root only. A failed test keeps its folder (bed/ has every pod's log).
/// </summary>
public sealed class LaunchOnBedTests(ITestOutputHelper output) : IDisposable
{
    const int Steps = 150;
    /// <summary>Each test, from rendering to the last check.</summary>
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(300);
    readonly string _dir = Directory.CreateTempSubdirectory("gc-k8s-launch-").FullName;
    bool _passed;

    /// <summary>Tiny DCGAN on the embedded MNIST digits for <paramref name="trainers"/> trainers; `waitForAll`: the run waits for all of them (cluster.min_workers).</summary>
    string WriteSpec(int trainers, bool waitForAll, int steps = Steps, int checkpointEvery = 50)
    {
        string path = Path.Combine(_dir, "run.yaml");
        File.WriteAllText(path, $$"""
            seed: 1
            steps: {{steps}}
            batch_size: 8
            threads: 1
            data: { format: embedded, path: null, limit: 256 }
            model: { arch: dcgan, resolution: 16, channels: 1, nz: 8, ngf: 8, ndf: 8 }
            loss: bce
            sample_every: 50
            log_every: 1
            checkpoint: { every: {{checkpointEvery}}, keep: 2 }
            cluster: { workers: {{trainers}}, min_workers: {{(waitForAll ? trainers : 1)}} }
            """);
        return path;
    }

    /// <summary>2 CPU trainer pods and the coordinator pod, by helm (values as a cluster user would give them).</summary>
    List<Manifest> Helm(string spec)
    {
        string values = Path.Combine(_dir, "values.yaml");
        File.WriteAllText(values, "workers: 2\ngpusPerTrainerPod: 0\nimage: { flavor: cpu }\n");
        return Manifests.Parse(Tools.HelmTemplate("-f", values, "--set-file", $"runSpec={spec}"));
    }

    /// <summary>The run by `gancluster k8s render` + kustomize (what `kubectl apply -k` would create), with CPU trainer pods.</summary>
    List<Manifest> Render(string spec, int trainers)
    {
        string dir = Path.Combine(_dir, "rendered");
        var r = CliProcess.Run(Tools.Root, "k8s", "render", "--config", spec, "--workers", trainers.ToString(), "--gpus-per-trainer-pod", "0", "--out", dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var k = Tools.Kubectl("kustomize", dir);
        Assert.True(k.ExitCode == 0, k.ToString());
        return Manifests.Parse(k.Stdout);
    }

    /// <summary>Both renderers give every Job's pods the same command line, environment and mounts, and the same spec.</summary>
    static void AssertSamePodCommands(List<Manifest> helm, List<Manifest> render)
    {
        Assert.Equal(helm.All<V1Job>().Select(j => j.Metadata.Name).Order(), render.All<V1Job>().Select(j => j.Metadata.Name).Order());
        foreach (var job in helm.All<V1Job>())
        {
            var other = render.One<V1Job>(job.Metadata.Name);
            var (a, b) = (job.Spec.Template.Spec.Containers.Single(), other.Spec.Template.Spec.Containers.Single());
            Assert.Equal(a.Args, b.Args);
            Assert.Equal(KubernetesJson.Serialize(a.Env), KubernetesJson.Serialize(b.Env));
            Assert.Equal(a.VolumeMounts.Select(m => (m.Name, m.MountPath)), b.VolumeMounts.Select(m => (m.Name, m.MountPath)));
            Assert.Equal(job.Spec.Completions, other.Spec.Completions);
        }
        Assert.Equal(PodSpecs.Load(helm).Select(kv => (kv.Key, Core.Spec.SpecEmitter.ToYaml(kv.Value))).Order(),
            PodSpecs.Load(render).Select(kv => (kv.Key, Core.Spec.SpecEmitter.ToYaml(kv.Value))).Order());
    }

    [BedFact]
    public async Task A_helm_rendered_run_forms_its_cluster_through_the_kubernetes_api_trains_to_the_end_and_every_pod_exits_0()
    {
        using var cancel = new CancellationTokenSource(Bound);
        string spec = WriteSpec(trainers: 2, waitForAll: false);
        var objects = Helm(spec);
        AssertSamePodCommands(objects, Render(spec, trainers: 2));

        await using var launch = await BedLaunch.CreateAsync(objects, _dir);
        var pods = launch.StartAll();
        Assert.Equal(["gancluster-coordinator-0", "gancluster-trainer-0", "gancluster-trainer-1"], pods.Select(p => p.Launch.Hostname));
        using var events = Follow(launch);
        await WaitForExitsAsync(pods, cancel.Token);

        AssertExitCodes(pods.ToDictionary(p => p, _ => 0));
        Assert.True(launch.Api.PodLists > 0, "no pod list was served: the cluster did not form through the Kubernetes API");
        var world = events.Rows.First(e => RunEvents.Kind(e) == EventKind.WorldFormed);
        Assert.Equal(["gancluster-trainer-0", "gancluster-trainer-1"], RunEvents.MemberHosts(world).Order());
        AssertCompleteWithFinalCheckpoint(launch, events);
        _passed = true;
    }

    [BedFact]
    public async Task A_killed_trainer_pod_replaced_as_the_job_controller_would_rejoins_and_the_run_completes()
    {
        using var cancel = new CancellationTokenSource(Bound);
        // min_workers 2: the run waits for the replacement, so the kill always lands mid-run. (Before the downing policy
        // of the recovery work, Akka's keep-oldest downed every node of a 2-trainer run when the oldest trainer crashed.)
        var objects = Render(WriteSpec(trainers: 2, waitForAll: true), trainers: 2);
        await using var launch = await BedLaunch.CreateAsync(objects, _dir);
        var pods = launch.StartAll();
        using var events = Follow(launch);
        using var metrics = new JsonlTail(new RunLayout(launch.RunDirectory).MetricsFile, Path.Combine(_dir, "observed-metrics.jsonl"));
        await WaitAsync(() => metrics.Rows.Any(r => RunEvents.Step(r) >= 10), "the run did not reach step 10", cancel.Token);

        var victim = pods.Single(p => p.Launch.Hostname == "gancluster-trainer-1");
        await launch.KillAsync(victim, cancel.Token);
        output.WriteLine($"killed {victim.Launch.Name} at step {RunEvents.Step(metrics.Rows[^1])}");
        // What a pod sees while its peer is gone: its own hostname, and the coordinator by its headless-Service name.
        var trainer0 = pods.Single(p => p.Launch.Hostname == "gancluster-trainer-0");
        var coordinator = pods.Single(p => p.Launch.Role == "coordinator");
        Assert.Equal("gancluster-trainer-0", launch.Exec(trainer0, "hostname").Stdout.Trim());
        var resolved = launch.Exec(trainer0, "getent", "hosts", $"gancluster-coordinator-0.gancluster-coordinator.{BedLaunch.Namespace}.svc.cluster.local");
        Assert.StartsWith(coordinator.Launch.PodIp + " ", resolved.Stdout);

        var replacement = launch.Replace(victim);
        await WaitAsync(() => replacement.Process.Pid != null, "the replacement pod did not start", cancel.Token);
        int pid = replacement.Process.Pid!.Value;
        Assert.Equal(victim.Launch.Hostname, replacement.Launch.Hostname);
        Assert.NotEqual(victim.Launch.PodIp, replacement.Launch.PodIp);
        bool WithReplacement(JsonObject e) => RunEvents.Kind(e) == EventKind.WorldFormed && Members(e).Any(m => replacement.RunsTrainer(m, pid));
        await WaitAsync(() => events.Rows.Any(WithReplacement), $"no world with the replacement {replacement.Launch.Name} (pid {pid}) formed", cancel.Token);
        var rejoined = events.Rows.Last(WithReplacement);
        Assert.Equal(["gancluster-trainer-0", "gancluster-trainer-1"], RunEvents.MemberHosts(rejoined).Order());

        var live = launch.Pods.Where(p => p != victim).ToList();
        await WaitForExitsAsync(live, cancel.Token);
        AssertExitCodes(live.ToDictionary(p => p, _ => 0));
        Assert.Equal(137, victim.Process.LastExitCode); // 128 + SIGKILL, as the kubelet reports it
        AssertCompleteWithFinalCheckpoint(launch, events);
        _passed = true;
    }

    /// <summary>
    /// A cluster with no ReadWriteMany storage: checkpoints and the world fence in an S3-compatible server (s3rver on a
    /// bed host of its own, <see cref="BedS3Server"/>), the keys in a Secret made by `kubectl create secret`, each pod's
    /// run directory an emptyDir. The coordinator pod is killed after the first checkpoint and replaced with an empty
    /// disk (and an empty SQLite journal): the run must still end complete, every checkpoint in the bucket, none on a
    /// pod's disk, the replacement adopting the running world (before the fix it saw the bucket's checkpoints, took
    /// itself for a fresh run's coordinator and exited 2, and the trainers waited for ever), and the run's logs rebuilt
    /// from the bucket (`report s3://`).
    /// </summary>
    [BedFact]
    public async Task With_checkpoints_in_s3_and_no_shared_volume_a_replaced_coordinator_pod_and_the_run_finish_from_the_bucket()
    {
        using var cancel = new CancellationTokenSource(Bound);
        const string Prefix = "launch";
        await using var launch = await BedLaunch.CreateAsync([], _dir); // the objects follow once the server's address is known
        var s3 = await BedS3Server.StartAsync(launch.Bed, Path.Combine(_dir, "s3"), cancel.Token);

        var secret = Tools.Kubectl("create", "secret", "generic", "gancluster-s3", "--namespace", BedLaunch.Namespace, "--dry-run=client", "-o", "yaml",
            $"--from-literal=AWS_ACCESS_KEY_ID={S3TestServer.AccessKey}", $"--from-literal=AWS_SECRET_ACCESS_KEY={S3TestServer.SecretKey}");
        Assert.True(secret.ExitCode == 0, secret.ToString());
        string values = Path.Combine(_dir, "values.yaml");
        File.WriteAllText(values, $$"""
            workers: 2
            gpusPerTrainerPod: 0
            image: { flavor: cpu }
            checkpoints:
              s3: { uri: "{{S3TestServer.Uri(Prefix)}}", endpoint: "{{s3.Endpoint}}", existingSecret: gancluster-s3 }
            """);
        var objects = Manifests.Parse(Tools.HelmTemplate("-f", values, "--set-file", $"runSpec={WriteSpec(trainers: 2, waitForAll: false, steps: 600, checkpointEvery: 100)}"));
        Assert.Empty(objects.All<V1PersistentVolumeClaim>()); // nothing needs a ReadWriteMany volume
        launch.Add([.. objects, .. Manifests.Parse(secret.Stdout)]);

        var pods = launch.StartAll();
        string FirstCheckpoint = $"{Prefix}/checkpoints/step-000100/manifest.json";
        // The coordinator's history reaches the bucket as it is written (each event, not only each checkpoint): the first
        // world is there before the coordinator pod and its disk go.
        string eventsKey = $"{Prefix}/run/events.jsonl";
        bool FirstWorldInBucket()
        {
            try { return s3.Keys($"{Prefix}/run").Contains(eventsKey) && BucketEvents(s3, eventsKey).Any(e => RunEvents.Kind(e) == EventKind.WorldFormed); }
            catch (Exception e) when (e is JsonException or IOException) { return false; } // s3rver writing the object just now
        }
        await WaitAsync(() => s3.Keys(Prefix).Contains(FirstCheckpoint) && FirstWorldInBucket(), $"no {FirstCheckpoint} and first world_formed in the bucket", cancel.Token);
        var coordinator = pods.Single(p => p.Launch.Role == "coordinator");
        await launch.KillAsync(coordinator, cancel.Token);
        var replacement = launch.Replace(coordinator);
        output.WriteLine($"killed {coordinator.Launch.Name} after {FirstCheckpoint}; replaced by {replacement.Launch.Name}");
        Assert.NotEqual(BedLaunch.RunDirectoryOf(coordinator), BedLaunch.RunDirectoryOf(replacement)); // an emptyDir of its own

        var live = launch.Pods.Where(p => p != coordinator).ToList();
        await WaitForExitsAsync(live, cancel.Token);
        AssertExitCodes(live.ToDictionary(p => p, _ => 0));

        // keep: 2 prunes the bucket as it prunes a disk; the final checkpoint verifies (sizes, SHA-256s) from the bucket's bytes.
        var keys = s3.Keys(Prefix);
        Assert.Equal(["step-000500", "step-000600"], keys.Where(k => k.EndsWith("/manifest.json", StringComparison.Ordinal))
            .Select(k => k.Split('/')[^2]).Where(k => k.StartsWith("step-", StringComparison.Ordinal)).Order());
        string final = Path.Combine(_dir, "final-from-bucket");
        s3.CopyTo($"{Prefix}/checkpoints/step-000600", final);
        Assert.Null(CheckpointStore.Verify(final, out _));
        foreach (var pod in launch.Pods)
        {
            string local = new RunLayout(BedLaunch.RunDirectoryOf(pod)).CheckpointsDir; // the run layout's folder exists, empty
            Assert.False(Directory.Exists(local) && Directory.EnumerateFiles(local, "*", SearchOption.AllDirectories).Any(), $"{pod.Launch.Name} wrote checkpoints to its own disk");
        }

        // The run's history from the bucket: one events.jsonl across both coordinators, from the first world to the end.
        var events = BucketEvents(s3, eventsKey);
        Assert.Equal(["gancluster-trainer-0", "gancluster-trainer-1"], RunEvents.MemberHosts(events.First(e => RunEvents.Kind(e) == EventKind.WorldFormed)).Order());
        Assert.Contains(events, e => RunEvents.Kind(e) == EventKind.WorldAdopted); // by the replacement, with an empty journal
        Assert.Contains(events, e => RunEvents.Kind(e) == EventKind.RunComplete);
        var report = s3.Host.Exec("env", ["-i", $"PATH={Environment.GetEnvironmentVariable("PATH")}", $"HOME={_dir}",
            .. S3TestServer.ClientEnvironment(s3.Endpoint).Select(kv => $"{kv.Key}={kv.Value}"),
            .. PodSandbox.ContainerCommand(replacement.Launch).Take(2), "report", S3TestServer.Uri(Prefix), "--out", Path.Combine(_dir, "report.html")],
            limit: TimeSpan.FromSeconds(120));
        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Contains("gancluster-trainer-0", File.ReadAllText(Path.Combine(_dir, "report.html")));
        _passed = true;
    }

    /// <summary>The rows of events.jsonl as the bucket holds it (a row being written is not there: s3rver stores whole objects).</summary>
    static List<JsonObject> BucketEvents(BedS3Server s3, string key) =>
        [.. File.ReadAllLines(s3.ObjectFile(key)).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];

    void AssertExitCodes(Dictionary<BedPod, int> expected)
    {
        string Codes(Func<BedPod, int?> code) => string.Join(", ", expected.Keys.Select(p => $"{p.Launch.Name}: {code(p)}"));
        Assert.True(expected.All(e => e.Key.Process.LastExitCode == e.Value),
            $"exit codes {Codes(p => p.Process.LastExitCode)}, expected {Codes(p => expected[p])} (logs: {_dir}/bed)");
    }

    static IReadOnlyList<string> Members(JsonObject world) =>
        [.. (world["details"]?["members"]?.AsArray() ?? []).Select(m => (string?)m?["trainer"]).OfType<string>()];

    JsonlTail Follow(BedLaunch launch) => new(new RunLayout(launch.RunDirectory).EventsFile, Path.Combine(_dir, "observed-events.jsonl"));

    static void AssertCompleteWithFinalCheckpoint(BedLaunch launch, JsonlTail events)
    {
        events.Poll();
        Assert.Contains(events.Rows, e => RunEvents.Kind(e) == EventKind.RunComplete);
        string final = new RunLayout(launch.RunDirectory).CheckpointDir(Steps);
        Assert.True(Directory.Exists(final), $"no final checkpoint {final}");
        Assert.Null(CheckpointStore.Verify(final, out _));
    }

    async Task WaitForExitsAsync(IEnumerable<BedPod> pods, CancellationToken cancel)
    {
        try { await Task.WhenAll(pods.Select(p => p.Process.Finished)).WaitAsync(cancel); }
        catch (OperationCanceledException)
        {
            Assert.Fail($"pods still running after {Bound.TotalSeconds:F0} s: " +
                string.Join(", ", pods.Where(p => !p.Process.Finished.IsCompleted).Select(p => p.Launch.Name)) + $" (logs: {_dir}/bed)");
        }
    }

    async Task WaitAsync(Func<bool> condition, string failure, CancellationToken cancel)
    {
        try
        {
            while (!condition()) await Task.Delay(100, cancel);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{failure} within {Bound.TotalSeconds:F0} s (logs: {_dir}/bed)");
        }
    }

    /// <summary>A passed test leaves nothing; a failed one keeps its folder (run directory, every pod's log) for the next person.</summary>
    public void Dispose()
    {
        if (!_passed)
        {
            output.WriteLine($"kept for inspection: {_dir}");
            return;
        }
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
