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
    public static ProcessStartInfo StartInfo(PodLaunch pod) => StartInfo(pod, ["dotnet", CliProcess.CliDll, .. pod.Args]);

    /// <summary>Any command in the pod's sandbox (tests of the sandbox itself).</summary>
    public static ProcessStartInfo StartInfo(PodLaunch pod, IReadOnlyList<string> command)
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
        var psi = new ProcessStartInfo("unshare")
        {
            WorkingDirectory = pod.Environment.TryGetValue("TMPDIR", out var tmp) ? tmp : pod.Root,
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in (string[])["--uts", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", prelude, "pod-sandbox", .. command])
            psi.ArgumentList.Add(a);
        // The pod's environment only: nothing of the test process leaks in, except what starts `dotnet`.
        psi.Environment.Clear();
        foreach (var name in (string[])["PATH", "DOTNET_ROOT", "DOTNET_CLI_TELEMETRY_OPTOUT", "DOTNET_NOLOGO", "HOME"])
            if (Environment.GetEnvironmentVariable(name) is { } value) psi.Environment[name] = value;
        foreach (var (k, v) in pod.Environment) psi.Environment[k] = v;
        psi.Environment["GANCLUSTER_SANDBOX_HOSTNAME"] = pod.Hostname;
        psi.Environment["GANCLUSTER_SANDBOX_SA_DIR"] = RenderedPods.ServiceAccountDir;
        psi.Environment["GANCLUSTER_SANDBOX_SA_FILES"] = pod.ServiceAccountFiles;
        return psi;
    }

    /// <summary>Why pods cannot be sandboxed here (not root, no unshare), or null.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "pod sandboxes need Linux namespaces";
        if (Environment.UserName != "root") return "pod sandboxes need root (unshare --uts --mount)";
        return null;
    }
}
