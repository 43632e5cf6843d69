using System.Diagnostics;

namespace GanCluster.Training.Tests.Features;

/// <summary>Runs a Python script with Debian's python3 (where python3-torchvision installs; an earlier python3 on PATH may lack it).</summary>
static class Python
{
    public static void Run(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start python3");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(arguments[0])} ran over {timeout.TotalSeconds:F0} s");
        }
        Assert.True(process.ExitCode == 0,
            $"{Path.GetFileName(arguments[0])} failed (needs Debian's python3-torchvision: build/scripts/deps.sh python3-torchvision): {stderr.Result}");
    }
}
