using System.Diagnostics;

namespace GanCluster.TestBed.Network;

/// <summary>
/// Runs the system tools the bed is made of (ip, nft, tc, nsenter) to completion. Every call is bounded: a tool
/// that hangs must not hang a test.
/// </summary>
public static class Shell
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Runs the command; throws <see cref="BedException"/> with its stderr when it fails.</summary>
    public static string Run(string file, params string[] args) => Run(file, args, stdin: null);

    public static string Run(string file, IReadOnlyList<string> args, string? stdin)
    {
        var r = TryRun(file, args, stdin);
        if (!r.Ok)
            throw new BedException($"`{file} {string.Join(' ', args)}` failed with exit code {r.ExitCode}: {(r.Stderr + r.Stdout).Trim()}");
        return r.Stdout;
    }

    /// <summary>Runs the command and returns whatever happened (for commands whose failure is an answer).</summary>
    public static ShellResult TryRun(string file, IReadOnlyList<string> args, string? stdin = null, TimeSpan? limit = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin != null, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new BedException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(limit ?? Limit))
        {
            p.Kill(entireProcessTree: true);
            throw new BedException($"`{file} {string.Join(' ', args)}` did not finish within {(limit ?? Limit).TotalSeconds:F0} s");
        }
        return new ShellResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The absolute path of a program on PATH, or null.</summary>
    public static string? Which(string program)
    {
        if (program.Contains('/')) return File.Exists(program) ? program : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Append("/usr/sbin").Append("/sbin"))
        {
            var path = Path.Combine(dir, program);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
