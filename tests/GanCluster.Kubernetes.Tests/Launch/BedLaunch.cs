using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;
using k8s.Models;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>
/// A rendered run started on the multi-host test bed the way a cluster would start it: every pod of every Indexed
/// Job becomes its own bed host (named after the pod, with its own address from 198.18.0.0/15) running the pod's
/// container command in its <see cref="PodSandbox"/> (hostname &lt;job&gt;-&lt;index&gt;, ServiceAccount files, the
/// pod's environment only, /etc/hosts from <see cref="PodHostsFile"/>), and the <see cref="StandInKubernetesApi"/>
/// runs on a host of its own (the API server's address, KUBERNETES_SERVICE_HOST) and lists the pods as the kubelet
/// reports them: Running once started, Succeeded or Failed when the process ends. The test plays the Job controller:
/// it starts the pods and, after a failure, a replacement (<see cref="Replace"/>). Dispose removes the bed (every
/// process and namespace), also after a failure.
/// </summary>
public sealed class BedLaunch : IAsyncDisposable
{
    public const string Namespace = "gans";
    const int ApiPort = 6443;

    readonly List<Manifest> _objects;
    readonly string _dir;
    readonly string _token;
    readonly Lock _lock = new();
    readonly List<BedPod> _pods = [];

    BedLaunch(List<Manifest> objects, string dir, Bed bed, StandInKubernetesApi api, string token)
    {
        _objects = objects;
        _dir = dir;
        Bed = bed;
        Api = api;
        _token = token;
    }

    public Bed Bed { get; }

    public StandInKubernetesApi Api { get; }

    /// <summary>Every pod started so far, replaced ones included, in start order.</summary>
    public IReadOnlyList<BedPod> Pods
    {
        get { lock (_lock) return [.. _pods]; }
    }

    public IEnumerable<V1Job> Jobs => _objects.All<V1Job>().OrderBy(j => j.Metadata.Name, StringComparer.Ordinal);

    /// <summary>The run directory on the shared claim (the pods' --out; the same for every pod).</summary>
    public string RunDirectory => Pods.Select(RunDirectoryOf).Distinct().Single();

    /// <summary>A pod's run directory (its --out): the shared claim's folder, or with checkpoints in S3 its own emptyDir.</summary>
    public static string RunDirectoryOf(BedPod pod) => pod.Launch.Args[pod.Launch.Args.ToList().IndexOf("--out") + 1];

    /// <summary>Creates the bed and the API host; the bed's logs go to DIR/bed, the pods' folders and the claims under DIR.</summary>
    public static async Task<BedLaunch> CreateAsync(List<Manifest> objects, string dir)
    {
        var bed = Bed.Create(new TestBedOptions { LogDirectory = Path.Combine(dir, "bed") });
        try
        {
            var apiHost = bed.AddHost("kube-apiserver");
            var api = await StandInKubernetesApi.StartAsync(apiHost.Listen(ApiPort));
            return new BedLaunch(objects, dir, bed, api, api.IssueToken(Namespace));
        }
        catch
        {
            bed.Dispose();
            throw;
        }
    }

    /// <summary>Adds rendered objects (or ones a user creates beside them, a Secret) before the pods start.</summary>
    public void Add(IEnumerable<Manifest> objects) => _objects.AddRange(objects);

    /// <summary>Starts every pod of every Job at once, as the Job controller does (parallelism = completions).</summary>
    public IReadOnlyList<BedPod> StartAll() =>
        [.. Jobs.SelectMany(job => Enumerable.Range(0, job.Spec.Completions ?? 1).Select(i => Start(job, i)))];

    /// <summary>Starts pod <paramref name="index"/> of <paramref name="job"/>: a new pod name and host, the index's hostname.</summary>
    public BedPod Start(V1Job job, int index)
    {
        string suffix = RenderedPods.NewSuffix();
        var host = Bed.AddHost($"{RenderedPods.Hostname(job, index)}-{suffix}");
        var launch = RenderedPods.Launch(_objects, job, index, new PodSite(Namespace, host.Address.ToString(), Path.Combine(_dir, "pods"),
            Path.Combine(_dir, "claims"), Api.Address.ToString(), Api.Port, Api.CaPem, _token), suffix);
        string hostsFile = Path.Combine(launch.Root, ".hosts");
        File.WriteAllText(hostsFile, "");
        var (program, args, environment, workingDirectory) = PodSandbox.Command(launch, PodSandbox.ContainerCommand(launch), hostsFile);
        // Listed as Running before the process starts: the kubelet reports Running once the container started.
        Api.Set(launch.Pod);
        var process = host.Start(new ProcessSpec
        {
            Name = launch.Pod.Spec.Containers[0].Name, Command = program, Args = args, Environment = environment,
            InheritEnvironment = false, WorkingDirectory = workingDirectory, Restart = RestartPolicy.Never, // restartPolicy: Never
        });
        var pod = new BedPod(launch, host, process);
        lock (_lock) _pods.Add(pod);
        WriteHostsFiles();
        _ = process.Finished.ContinueWith(_ => Ended(pod), TaskScheduler.Default);
        return pod;
    }

    /// <summary>The Job controller's answer to a failed pod: a new pod for the same index (new name and address, same hostname).</summary>
    public BedPod Replace(BedPod failed)
    {
        var job = Jobs.Single(j => j.Metadata.Name == failed.Launch.Pod.Metadata.Labels["job-name"]);
        return Start(job, failed.Launch.Index);
    }

    /// <summary>SIGKILL to the pod's process (an OOM kill, a crashed node); returns once the pod is reported Failed.</summary>
    public async Task KillAsync(BedPod pod, CancellationToken cancel)
    {
        pod.Process.Signal(PosixSignal.Kill);
        await pod.Process.Finished.WaitAsync(cancel);
        while (Api.Phase(Namespace, pod.Launch.Name) == "Running") await Task.Delay(50, cancel);
    }

    /// <summary>What the kubelet reports when the container ends; a pod that ended is no contact point and has no DNS name.</summary>
    void Ended(BedPod pod)
    {
        pod.Launch.Pod.Status.Phase = pod.Process.LastExitCode == 0 ? "Succeeded" : "Failed";
        Api.Set(pod.Launch.Pod);
        WriteHostsFiles();
    }

    void WriteHostsFiles()
    {
        var pods = Pods;
        var running = pods.Where(p => !p.Process.Finished.IsCompleted).Select(p => p.Launch).ToList();
        lock (_lock)
            foreach (var pod in pods)
                File.WriteAllText(Path.Combine(pod.Launch.Root, ".hosts"), PodHostsFile.Content(pod.Launch, running));
    }

    /// <summary>Runs a command inside a running pod's namespaces (network, hostname, mounts), as `kubectl exec` would.</summary>
    public ShellResult Exec(BedPod pod, params string[] command)
    {
        int pid = pod.Process.Pid ?? throw new InvalidOperationException($"pod {pod.Launch.Name} does not run");
        return Shell.TryRun(Bed.Tools.Nsenter, ["--target", pid.ToString(), "--net", "--uts", "--mount", "--", .. command], limit: TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        Bed.Dispose(); // every pod's process and every namespace, the API host's included
        await Api.DisposeAsync();
    }
}
