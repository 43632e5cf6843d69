using System.Diagnostics;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>
/// Starts a <see cref="PodLaunch"/> as a process that sees what a container sees of its pod: its own UTS namespace
/// with the pod's hostname, and a private mount namespace with the ServiceAccount files at their real path
/// (<see cref="RenderedPods.ServiceAccountDir"/>, where KubernetesClient's in-cluster configuration reads them) on a
/// tmpfs over /run; the environment is the pod's alone (plus what `dotnet` needs to start). The network is the
/// caller's: a test bed host's namespace when run through one (`ip netns exec`), so that every pod has its own address.
/// Needs root (unshare).
/// </summary>
public static class PodSandbox
{
    /// <summary>The pod's container command: the built `gancluster` (the image's entrypoint) with the pod's args.</summary>
    public static ProcessStartInfo StartInfo(PodLaunch pod) => StartInfo(pod, ContainerCommand(pod));

    public static IReadOnlyList<string> ContainerCommand(PodLaunch pod) => ["dotnet", ImageCli.Value, .. pod.Args];

    /// <summary>
    /// What the image's `dotnet publish` takes: the CLI's own build output (src/GanCluster.Cli/bin/CONFIG/TFM), not the copy
    /// next to these tests. This project runs on the ASP.NET Core shared framework (the stand-in API), so its output
    /// lacks the Microsoft.Extensions.* package assemblies the CLI loads (the framework would provide them, but the
    /// CLI's runtimeconfig does not name it).
    /// </summary>
    static readonly Lazy<string> ImageCli = new(() =>
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory); // tests/GanCluster.Kubernetes.Tests/bin/CONFIG/TFM/
        string dll = Path.Combine(Tools.Root, "src", "GanCluster.Cli", "bin", output.Parent!.Name, output.Name, "gancluster.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"the CLI's build output {dll} is missing: build src/GanCluster.Cli first", dll);
    });

    /// <summary>Any command in the pod's sandbox, as a process on this machine (tests of the sandbox itself).</summary>
    public static ProcessStartInfo StartInfo(PodLaunch pod, IReadOnlyList<string> command)
    {
        var sandboxed = Command(pod, command);
        var psi = new ProcessStartInfo(sandboxed.Program) { WorkingDirectory = sandboxed.WorkingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in sandboxed.Args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var (k, v) in sandboxed.Environment) psi.Environment[k] = v;
        return psi;
    }

    /// <summary>
    /// The sandboxed command as program, args, the complete environment and working directory: what a test bed
    /// host's supervisor starts (with no inherited environment) to run the pod on that host's network.
    /// </summary>
    /// <remarks>
    /// <paramref name="hostsFile"/>, when given, is bind-mounted over /etc/hosts (the kubelet's hosts file plus the names
    /// the cluster DNS would answer, <see cref="PodHostsFile"/>); the bind mount follows later rewrites of the file.
    /// </remarks>
    public static (string Program, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory) Command(
        PodLaunch pod, IReadOnlyList<string> command, string? hostsFile = null)
    {
        const string prelude = """
            set -e
            hostname "$GANCLUSTER_SANDBOX_HOSTNAME"
            mount -t tmpfs -o size=1m,mode=0755 tmpfs /run
            mkdir -p "$GANCLUSTER_SANDBOX_SA_DIR"
            cp "$GANCLUSTER_SANDBOX_SA_FILES"/token "$GANCLUSTER_SANDBOX_SA_FILES"/ca.crt "$GANCLUSTER_SANDBOX_SA_FILES"/namespace "$GANCLUSTER_SANDBOX_SA_DIR"/
            if [ -n "${GANCLUSTER_SANDBOX_HOSTS:-}" ]; then mount --bind "$GANCLUSTER_SANDBOX_HOSTS" /etc/hosts; fi
            unset GANCLUSTER_SANDBOX_HOSTNAME GANCLUSTER_SANDBOX_SA_DIR GANCLUSTER_SANDBOX_SA_FILES GANCLUSTER_SANDBOX_HOSTS
            exec "$@"
            """;
        string[] args = ["--uts", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", prelude, "pod-sandbox", .. command];
        // The pod's environment only: nothing of the test process leaks in, except what starts `dotnet`.
        var env = new Dictionary<string, string>();
        foreach (var name in (string[])["PATH", "DOTNET_ROOT", "DOTNET_CLI_TELEMETRY_OPTOUT", "DOTNET_NOLOGO", "HOME"])
            if (Environment.GetEnvironmentVariable(name) is { } value) env[name] = value;
        foreach (var (k, v) in pod.Environment) env[k] = v;
        env["GANCLUSTER_SANDBOX_HOSTNAME"] = pod.Hostname;
        env["GANCLUSTER_SANDBOX_SA_DIR"] = RenderedPods.ServiceAccountDir;
        env["GANCLUSTER_SANDBOX_SA_FILES"] = pod.ServiceAccountFiles;
        if (hostsFile != null) env["GANCLUSTER_SANDBOX_HOSTS"] = hostsFile;
        return ("unshare", args, env, pod.Environment.TryGetValue("TMPDIR", out var tmp) ? tmp : pod.Root);
    }

    /// <summary>Why pods cannot be sandboxed here (not root, no unshare), or null.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "pod sandboxes need Linux namespaces";
        if (Environment.UserName != "root") return "pod sandboxes need root (unshare --uts --mount)";
        return null;
    }
}
