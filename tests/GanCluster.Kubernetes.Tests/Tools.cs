using System.Diagnostics;

namespace GanCluster.Kubernetes.Tests;

/// <summary>The repository root and the real helm / kubectl binaries (fetched once by build/scripts/k8s-tools.sh).</summary>
public static class Tools
{
    public static readonly string Root = FindRoot();
    static readonly Lazy<string> ToolDir = new(() =>
    {
        var r = Run("bash", [Path.Combine(Root, "build/scripts/k8s-tools.sh")]);
        Assert.True(r.ExitCode == 0, $"k8s-tools.sh failed: {r}");
        return r.Stdout.Trim().Split('\n')[^1];
    });

    public static string Chart => Path.Combine(Root, "helm/gancluster");

    public static CliProcess.Result Helm(params string[] args) => Run(Path.Combine(ToolDir.Value, "helm"), args);
    public static CliProcess.Result Kubectl(params string[] args) => Run(Path.Combine(ToolDir.Value, "kubectl"), args);

    public static string HelmTemplate(params string[] extra)
    {
        var r = Helm(["template", "gancluster", Chart, "--namespace", "gans", .. extra]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    public static CliProcess.Result Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)}"); }
        return new CliProcess.Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GanCluster.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (GanCluster.sln) not found");
    }
}
