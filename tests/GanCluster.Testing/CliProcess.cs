using System.Diagnostics;

namespace GanCluster.Testing;

/// <summary>Runs the built `gancluster` as a real OS process and captures its output.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "gancluster.dll");

    public static Result Run(string workingDirectory, params string[] args) => Run(workingDirectory, TimeSpan.FromMinutes(10), args);

    public static Result Run(string workingDirectory, TimeSpan limit, params string[] args) => Run(workingDirectory, limit, args, null);

    public static Result Run(string workingDirectory, TimeSpan limit, string[] args, IDictionary<string, string>? environment = null)
    {
        using var p = Process.Start(StartInfo(workingDirectory, args, environment))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"gancluster {string.Join(' ', args)} did not finish within {limit}");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A start description for the CLI with redirected output (for tests that manage the process).</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return psi;
    }
}
