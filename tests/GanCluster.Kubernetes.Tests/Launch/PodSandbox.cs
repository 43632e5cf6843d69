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

    public static IReadOnlyList<string> ContainerCommand(PodLaunch pod) => ["dotnet", CliProcess.CliDll, .. pod.Args];

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
    public static (string Program, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory) Command(
        PodLaunch pod, IReadOnlyList<string> command)
    {
        const string prelude = """
            set -e
            hostname "$GANCLUSTER_SANDBOX_HOSTNAME"
            mount -t tmpfs -o size=1m,mode=0755 tmpfs /run
            mkdir -p "$GANCLUSTER_SANDBOX_SA_DIR"
            cp "$GANCLUSTER_SANDBOX_SA_FILES"/token "$GANCLUSTER_SANDBOX_SA_FILES"/ca.crt "$GANCLUSTER_SANDBOX_SA_FILES"/namespace "$GANCLUSTER_SANDBOX_SA_DIR"/
            unset GANCLUSTER_SANDBOX_HOSTNAME GANCLUSTER_SANDBOX_SA_DIR GANCLUSTER_SANDBOX_SA_FILES
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
