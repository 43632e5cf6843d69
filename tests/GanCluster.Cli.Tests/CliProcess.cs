using System.Diagnostics;

namespace GanCluster.Cli.Tests;

/// <summary>Runs the built `gancluster` as a real OS process and captures its output.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "gancluster.dll");

    public static Result Run(string workingDirectory, params string[] args) => Run(workingDirectory, TimeSpan.FromMinutes(10), args);

    public static Result Run(string workingDirectory, TimeSpan limit, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"gancluster {string.Join(' ', args)} did not finish within {limit}");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
