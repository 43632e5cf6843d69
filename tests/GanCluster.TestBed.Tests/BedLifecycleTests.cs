using System.Diagnostics;
using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;
using GanCluster.TestBed.Tools;

namespace GanCluster.TestBed.Tests;

/// <summary>The bed's promises about its own lifetime: nothing left behind, and supervisors that behave as a kubelet. Root only.</summary>
public sealed class BedLifecycleTests
{
    [RootFact]
    public void Dispose_removes_every_namespace_and_process_even_when_the_test_throws()
    {
        string prefix = "";
        int pid = 0;
        void UseTheBedAndFail()
        {
            using var bed = Bed.Create();
            prefix = bed.Prefix;
            var host = bed.AddHost("a");
            bed.AddHost("b");
            var sleeper = host.Start(new ProcessSpec { Name = "sleep", Command = "/bin/sleep", Args = ["600"] });
            pid = WaitForPid(sleeper);
            Assert.Equal(3, bed.OwnNamespaces().Count); // the switch and two hosts
            throw new InvalidOperationException("the test failed here");
        }
        var thrown = Assert.Throws<InvalidOperationException>(UseTheBedAndFail);
        Assert.Equal("the test failed here", thrown.Message);
        Assert.DoesNotContain(Namespaces(), n => n.StartsWith(prefix, StringComparison.Ordinal));
        Assert.False(File.Exists($"/proc/{pid}/stat") && !IsZombie(pid), $"process {pid} outlived its bed");
    }

    [RootFact]
    public void A_sweep_removes_what_a_killed_owner_left_behind()
    {
        var psi = new ProcessStartInfo(Dotnet, [Path.Combine(AppContext.BaseDirectory, "GanCluster.TestBed.dll"), HoldCommand.Name, "--hosts", "2"])
            { RedirectStandardOutput = true, RedirectStandardInput = true };
        using var owner = Process.Start(psi)!;
        string prefix = "";
        while (owner.StandardOutput.ReadLine() is { } line)
            if (line.StartsWith("ready ", StringComparison.Ordinal)) { prefix = line[6..]; break; }
        Assert.NotEqual("", prefix);
        Assert.Equal(3, Namespaces().Count(n => n.StartsWith(prefix, StringComparison.Ordinal)));

        owner.Kill(); // SIGKILL: no Dispose, no exit handler
        owner.WaitForExit();
        var swept = Bed.SweepStale();
        Assert.Equal(3, swept.Count(n => n.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.DoesNotContain(Namespaces(), n => n.StartsWith(prefix, StringComparison.Ordinal));
    }

    [RootFact]
    public void A_live_owners_bed_is_never_swept()
    {
        using var bed = Bed.Create();
        bed.AddHost("a");
        Assert.DoesNotContain(Bed.SweepStale(), n => n.StartsWith(bed.Prefix, StringComparison.Ordinal));
        Assert.Equal(2, bed.OwnNamespaces().Count);
    }

    [RootFact]
    public void The_supervisor_restarts_a_process_that_fails_or_is_killed_and_records_every_start_and_exit()
    {
        using var bed = Bed.Create();
        var host = bed.AddHost("a");
        var failing = host.Start(new ProcessSpec
        {
            Name = "failing", Command = "/bin/sh", Args = ["-c", "exit 3"], MaxRestarts = 2, InitialBackoff = TimeSpan.FromMilliseconds(50),
        });
        var once = host.Start(new ProcessSpec { Name = "once", Command = "/bin/sh", Args = ["-c", "exit 0"] });
        var killed = host.Start(new ProcessSpec { Name = "killed", Command = "/bin/sleep", Args = ["600"], InitialBackoff = TimeSpan.FromMilliseconds(50) });
        Assert.True(failing.Finished.Wait(TimeSpan.FromSeconds(30)));
        Assert.True(once.Finished.Wait(TimeSpan.FromSeconds(30)));
        int first = WaitForPid(killed);
        Assert.True(killed.Signal(PosixSignal.Kill));
        Assert.True(SpinWait.SpinUntil(() => killed.Incarnations == 2 && killed.Pid is { } p && p != first, TimeSpan.FromSeconds(30)));

        var records = bed.Supervisors.Records;
        Assert.Equal([3, 3, 3], records.Where(r => r.Process == "failing" && r.Event == ProcessEventKind.Exit).Select(r => r.ExitCode!.Value));
        Assert.Equal(3, failing.Incarnations); // 1 + MaxRestarts
        Assert.Equal(1, once.Incarnations);    // exit 0 is done, not a failure
        Assert.Contains(records, r => r.Process == "killed" && r.Event == ProcessEventKind.Exit && r.ExitCode == 137);
        Assert.Equal(2, records.Count(r => r.Process == "killed" && r.Event == ProcessEventKind.Start));
        Assert.Equal(records.Count, SupervisorLog.Read(bed.Supervisors.Path).Count); // the file says the same
    }

    static int WaitForPid(BedProcess process)
    {
        Assert.True(SpinWait.SpinUntil(() => process.Pid != null, TimeSpan.FromSeconds(30)));
        return process.Pid!.Value;
    }

    static bool IsZombie(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z'); }
        catch (IOException) { return true; }
    }

    static IReadOnlyList<string> Namespaces() => Bed.ListNamespaces(Shell.Which("ip")!);

    static string Dotnet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : Shell.Which("dotnet")!;
}
