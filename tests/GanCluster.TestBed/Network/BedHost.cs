using System.Diagnostics;
using System.Globalization;
using System.Net;
using GanCluster.TestBed.Processes;

namespace GanCluster.TestBed.Network;

/// <summary>
/// One host of the bed: a network namespace with one link (eth0, an address from 198.18.0.0/15) to the bed's switch,
/// and a hostname and mount namespace of its own (a private tmpfs on /dev/shm, so processes on different hosts can
/// never meet through shared memory, while processes on the same host can). A "pause" process holds the hostname
/// and mount namespaces, as a pod's pause container does; every process of the host enters them with nsenter.
/// Faults on the host's network: <see cref="Disconnect"/> (link down), <see cref="BlockPorts"/> (nft drop rules in
/// the host, both directions) and <see cref="LimitBandwidth"/> (tc tbf on both ends of the link).
/// </summary>
public sealed class BedHost
{
    readonly Process _pause;
    readonly Lock _lock = new();
    readonly List<BedProcess> _processes = [];
    readonly Dictionary<string, IReadOnlyList<PortRange>> _blocked = [];
    bool _disconnected;

    internal BedHost(Bed bed, string name, int index, IPAddress address, HostOptions options)
    {
        Bed = bed;
        Name = name;
        Address = address;
        Namespace = bed.Prefix + name;
        SwitchPort = $"p{index}";
        var ip = bed.Tools.Ip;
        Shell.Run(ip, "netns", "add", Namespace);
        Shell.Run(ip, "-n", bed.SwitchNamespace, "link", "add", SwitchPort, "type", "veth", "peer", "name", "eth0", "netns", Namespace);
        Shell.Run(ip, "-n", bed.SwitchNamespace, "link", "set", SwitchPort, "master", Bed.Bridge, "up");
        Shell.Run(ip, "-n", Namespace, "link", "set", "lo", "up");
        Shell.Run(ip, "-n", Namespace, "addr", "add", $"{address}/{Bed.PrefixLength}", "dev", "eth0");
        Shell.Run(ip, "-n", Namespace, "link", "set", "eth0", "up");
        _pause = StartPause(bed, options);
    }

    public Bed Bed { get; }

    /// <summary>The hostname, unique in the bed.</summary>
    public string Name { get; }

    public IPAddress Address { get; }

    /// <summary>The network namespace (ip netns).</summary>
    public string Namespace { get; }

    /// <summary>The host's link on the switch side (in the switch namespace).</summary>
    internal string SwitchPort { get; }

    public bool IsConnected => !_disconnected;

    public IReadOnlyList<BedProcess> Processes
    {
        get { lock (_lock) return [.. _processes]; }
    }

    /// <summary>Starts a process on this host, under a supervisor unless its restart policy is Never.</summary>
    public BedProcess Start(ProcessSpec spec)
    {
        lock (_lock)
        {
            if (_processes.Any(p => p.Name == spec.Name)) throw new ArgumentException($"host {Name} already runs a process named {spec.Name}");
            var process = new BedProcess(this, spec, Bed.Supervisors, Bed.LogDirectory);
            _processes.Add(process);
            return process;
        }
    }

    /// <summary>Runs a command on this host to completion (a probe, a check) and returns what it printed.</summary>
    public ShellResult Exec(string command, IReadOnlyList<string> args, string? stdin = null, TimeSpan? limit = null) =>
        Shell.TryRun(Bed.Tools.Nsenter, [.. EnterArgs("/"), command, .. args], stdin, limit);

    /// <summary>
    /// A listening TCP socket of the calling process on this host's address (a stand-in server the test process
    /// serves on the bed; the caller owns and disposes it).
    /// </summary>
    public System.Net.Sockets.Socket Listen(int port) => NamespaceSocket.Listen(Path.Combine("/run/netns", Namespace), Address, port);

    /// <summary>Pulls the host's cable: its link goes down on the switch side (nothing reaches it, it reaches nothing).</summary>
    public void Disconnect()
    {
        Shell.Run(Bed.Tools.Ip, "-n", Bed.SwitchNamespace, "link", "set", SwitchPort, "down");
        _disconnected = true;
    }

    public void Reconnect()
    {
        Shell.Run(Bed.Tools.Ip, "-n", Bed.SwitchNamespace, "link", "set", SwitchPort, "up");
        _disconnected = false;
    }

    /// <summary>
    /// Drops TCP traffic to and from <paramref name="ports"/> (as source or destination port) in this host, both
    /// directions, until <see cref="UnblockPorts"/> with the same tag. Blocks with different tags add up.
    /// </summary>
    public void BlockPorts(string tag, IReadOnlyList<PortRange> ports)
    {
        lock (_lock)
        {
            _blocked[tag] = ports;
            ApplyPortFilter();
        }
    }

    public void UnblockPorts(string tag)
    {
        lock (_lock)
        {
            if (_blocked.Remove(tag)) ApplyPortFilter();
        }
    }

    void ApplyPortFilter()
    {
        var r = Exec(Bed.Tools.Nft, ["-f", "-"], PortFilter.Ruleset(_blocked.Values.SelectMany(p => p).ToList()));
        if (!r.Ok) throw new BedException($"nft on host {Name} failed: {r.Stderr.Trim()}");
    }

    /// <summary>Caps the link at <paramref name="bitsPerSecond"/> in both directions (tc tbf on eth0 and on the switch port).</summary>
    public void LimitBandwidth(long bitsPerSecond)
    {
        var args = LinkShaper.TbfArgs(bitsPerSecond);
        Shell.Run(Bed.Tools.Tc, ["-n", Namespace, "qdisc", "replace", "dev", "eth0", "root", .. args], null);
        Shell.Run(Bed.Tools.Tc, ["-n", Bed.SwitchNamespace, "qdisc", "replace", "dev", SwitchPort, "root", .. args], null);
    }

    public void RemoveBandwidthLimit()
    {
        Shell.TryRun(Bed.Tools.Tc, ["-n", Namespace, "qdisc", "del", "dev", "eth0", "root"]);
        Shell.TryRun(Bed.Tools.Tc, ["-n", Bed.SwitchNamespace, "qdisc", "del", "dev", SwitchPort, "root"]);
    }

    /// <summary>nsenter arguments that put a command into this host (network, hostname, mounts) in <paramref name="workingDirectory"/>.</summary>
    internal IReadOnlyList<string> EnterArgs(string workingDirectory) =>
        ["--target", _pause.Id.ToString(CultureInfo.InvariantCulture), "--net", "--uts", "--mount", $"--wd={workingDirectory}", "--"];

    /// <summary>Kills every process of the host (supervised or not) at once, without restarts.</summary>
    internal void KillAll()
    {
        foreach (var p in Processes) p.KillNow();
        Bed.KillNamespaceProcesses(Bed.Tools.Ip, Namespace);
        try { _pause.Kill(); } catch (InvalidOperationException) { }
    }

    Process StartPause(Bed bed, HostOptions options)
    {
        // sh -c SCRIPT sh NAME SIZE [SOURCE TARGET]...: arguments as positional parameters, so nothing needs quoting.
        const string script = """
            set -e
            echo "$1" > /proc/sys/kernel/hostname
            mount -t tmpfs -o "size=$2,mode=1777" gcbed-shm /dev/shm
            shift 2
            while [ $# -gt 0 ]; do mount --bind "$1" "$2"; shift 2; done
            echo ready
            exec sleep infinity
            """;
        var psi = new ProcessStartInfo(bed.Tools.Ip) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", Namespace, bed.Tools.Unshare, "--uts", "--mount", "--propagation", "private", "--",
                     "/bin/sh", "-c", script, "sh", Name, bed.Options.SharedMemorySize })
            psi.ArgumentList.Add(a);
        foreach (var (source, target) in options.Mounts)
        {
            psi.ArgumentList.Add(source);
            psi.ArgumentList.Add(target);
        }
        var pause = Process.Start(psi) ?? throw new BedException($"cannot start the pause process of host {Name}");
        var ready = pause.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "ready")
        {
            try { pause.Kill(); } catch (InvalidOperationException) { }
            throw new BedException($"host {Name}: the pause process did not come up: {pause.StandardError.ReadToEnd().Trim()}");
        }
        return pause;
    }
}
