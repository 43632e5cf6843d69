using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;
using GanCluster.TestBed.Tools;

namespace GanCluster.TestBed.Tests;

/// <summary>The bed's TCP probes, run on its hosts as real processes (GanCluster.TestBed probe-listen / probe-connect).</summary>
static class BedProbe
{
    static string Dll => Path.Combine(AppContext.BaseDirectory, "GanCluster.TestBed.dll");

    static string Dotnet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : Shell.Which("dotnet")!;

    /// <summary>Starts a listener on <paramref name="host"/> that answers with its hostname; returns once it listens.</summary>
    public static BedProcess Listen(BedHost host, params int[] ports)
    {
        var listening = new TaskCompletionSource();
        var process = host.Start(new ProcessSpec
        {
            Name = "probe-listen", Command = Dotnet, Args = [Dll, TcpProbe.ListenCommand, string.Join(',', ports)],
            Restart = RestartPolicy.Never, Output = line => { if (line == "listening") listening.TrySetResult(); },
        });
        if (!listening.Task.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException($"the probe listener on {host.Name} did not start");
        return process;
    }

    /// <summary>"reply HOSTNAME", "timeout", "refused" or "error ...": what a connection from one host to another met.</summary>
    public static string Connect(BedHost from, BedHost to, int port, int timeoutMs = 1500)
    {
        var r = from.Exec(Dotnet, [Dll, TcpProbe.ConnectCommand, to.Address.ToString(), port.ToString(), timeoutMs.ToString()],
            limit: TimeSpan.FromSeconds(60));
        return r.Ok ? r.Stdout.Trim() : $"probe failed: {r.Stderr.Trim()}";
    }

    /// <summary>Connects until it gets a reply (a link that just came up needs a moment), at most <paramref name="tries"/> times.</summary>
    public static string ConnectUntilReply(BedHost from, BedHost to, int port, int tries = 10)
    {
        string last = "";
        for (int i = 0; i < tries; i++)
        {
            last = Connect(from, to, port);
            if (last.StartsWith("reply ", StringComparison.Ordinal)) break;
        }
        return last;
    }
}
