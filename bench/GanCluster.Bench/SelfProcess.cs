using System.Diagnostics;

namespace GanCluster.Bench;

/// <summary>Starts this benchmark program again as a child process (dotnet host or apphost, whichever runs us).</summary>
internal static class SelfProcess
{
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var (file, prefix) = Command();
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in prefix.Concat(args)) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>The program and leading arguments that start this benchmark again (for the test bed's hosts).</summary>
    public static (string File, string[] PrefixArgs) Command()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? (host, [typeof(SelfProcess).Assembly.Location]) : (host, []);
    }
}
