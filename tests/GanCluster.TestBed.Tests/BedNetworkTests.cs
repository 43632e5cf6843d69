using GanCluster.TestBed.Network;

namespace GanCluster.TestBed.Tests;

/// <summary>
/// The bed's network as real processes on its hosts see it: who reaches whom, before, during and after each kind of
/// partition, and what a bandwidth cap leaves working. Root only.
/// </summary>
public sealed class BedNetworkTests : IDisposable
{
    const int Control = 4053, Data = 5000;
    readonly Lazy<Bed> _bed = new(() => Bed.Create());

    Bed TheBed => _bed.Value;

    public void Dispose()
    {
        if (_bed.IsValueCreated) _bed.Value.Dispose();
    }

    [RootFact]
    public void Hosts_reach_each_other_only_while_not_partitioned()
    {
        var (a, b, c) = (TheBed.AddHost("a"), TheBed.AddHost("b"), TheBed.AddHost("c"));
        BedProbe.Listen(a, Control);
        BedProbe.Listen(b, Control);
        Assert.Equal("reply b", BedProbe.ConnectUntilReply(a, b, Control));
        Assert.Equal("reply a", BedProbe.ConnectUntilReply(c, a, Control));

        b.Disconnect();
        Assert.False(b.IsConnected);
        Assert.DoesNotContain("reply", BedProbe.Connect(a, b, Control));
        Assert.DoesNotContain("reply", BedProbe.Connect(b, a, Control));
        Assert.Equal("reply a", BedProbe.Connect(c, a, Control)); // only b is cut off

        b.Reconnect();
        Assert.Equal("reply b", BedProbe.ConnectUntilReply(a, b, Control));
        Assert.Equal("reply a", BedProbe.ConnectUntilReply(b, a, Control));
    }

    [RootFact]
    public void A_data_plane_partition_drops_only_the_data_ports_in_both_directions()
    {
        var (a, b) = (TheBed.AddHost("a"), TheBed.AddHost("b"));
        BedProbe.Listen(a, Control, Data);
        BedProbe.Listen(b, Control, Data);
        Assert.Equal("reply b", BedProbe.ConnectUntilReply(a, b, Data));

        b.BlockPorts("data-plane", [PortRange.Single(Data)]);
        Assert.Equal("timeout", BedProbe.Connect(a, b, Data)); // into b: dropped, not refused
        Assert.Equal("timeout", BedProbe.Connect(b, a, Data)); // out of b as well
        Assert.Equal("reply b", BedProbe.Connect(a, b, Control));
        Assert.Equal("reply a", BedProbe.Connect(b, a, Control));

        // A control-plane block on top: both gone; lifting the data-plane block leaves the control plane cut.
        b.BlockPorts("control-plane", [PortRange.Single(Control)]);
        Assert.Equal("timeout", BedProbe.Connect(a, b, Control));
        b.UnblockPorts("data-plane");
        Assert.Equal("reply b", BedProbe.Connect(a, b, Data));
        Assert.Equal("timeout", BedProbe.Connect(b, a, Control));
        b.UnblockPorts("control-plane");
        Assert.Equal("reply a", BedProbe.Connect(b, a, Control));
    }

    [RootFact]
    public void A_bandwidth_cap_shapes_both_ends_of_the_link_and_traffic_still_flows()
    {
        var (a, b) = (TheBed.AddHost("a"), TheBed.AddHost("b"));
        BedProbe.Listen(b, Data);
        b.LimitBandwidth(10_000_000);
        Assert.Contains("tbf", Shell.Run(TheBed.Tools.Tc, "-n", b.Namespace, "qdisc", "show", "dev", "eth0"));
        Assert.Contains("tbf", Shell.Run(TheBed.Tools.Tc, "-n", TheBed.SwitchNamespace, "qdisc", "show", "dev", b.SwitchPort));
        Assert.Equal("reply b", BedProbe.ConnectUntilReply(a, b, Data));
        b.RemoveBandwidthLimit();
        Assert.DoesNotContain("tbf", Shell.Run(TheBed.Tools.Tc, "-n", b.Namespace, "qdisc", "show", "dev", "eth0"));
        Assert.Equal("reply b", BedProbe.ConnectUntilReply(a, b, Data));
    }

    [RootFact]
    public void Every_host_has_its_own_hostname_and_a_private_dev_shm_shared_by_its_own_processes()
    {
        var (a, b) = (TheBed.AddHost("a"), TheBed.AddHost("b"));
        string file = $"gcbed-probe-{Guid.NewGuid():N}";
        Assert.Equal("a", a.Exec("/bin/cat", ["/proc/sys/kernel/hostname"]).Stdout.Trim());
        Assert.Equal("b", b.Exec("/bin/cat", ["/proc/sys/kernel/hostname"]).Stdout.Trim());
        Assert.NotEqual("a", File.ReadAllText("/proc/sys/kernel/hostname").Trim()); // this machine keeps its own

        Assert.True(a.Exec("/bin/touch", [$"/dev/shm/{file}"]).Ok);
        Assert.True(a.Exec("/bin/test", ["-e", $"/dev/shm/{file}"]).Ok);  // another process on a sees it
        Assert.False(b.Exec("/bin/test", ["-e", $"/dev/shm/{file}"]).Ok); // b does not
        Assert.False(File.Exists($"/dev/shm/{file}"));                      // nor does this machine
    }

    [RootFact]
    public void Every_host_has_its_own_address_from_the_benchmarking_range()
    {
        var hosts = Enumerable.Range(0, 3).Select(i => TheBed.AddHost($"h{i}")).ToList();
        Assert.Equal(3, hosts.Select(h => h.Address).Distinct().Count());
        foreach (var h in hosts)
        {
            var bytes = h.Address.GetAddressBytes();
            Assert.True(bytes[0] == 198 && bytes[1] is 18 or 19, $"{h.Address} is outside 198.18.0.0/15");
            Assert.Contains($"inet {h.Address}/15", h.Exec(TheBed.Tools.Ip, ["-4", "addr", "show", "dev", "eth0"]).Stdout);
        }
    }
}
