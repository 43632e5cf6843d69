using GanCluster.Cli.Local;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// A coordinator whose journal cannot be replayed (here: coordinator.db is not an SQLite file; under heavy load the
/// same path is a replay that times out) must end with exit 1 and say why, so its supervisor starts a new one. Before
/// the fix the persistent singleton stopped after the recovery timeout and the process ran on with no coordinator:
/// no world could ever form (found by `make bench-control` under load, docs/scaling.md).
/// </summary>
public class UnreadableJournalTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-journal-");

    [Fact]
    public void A_coordinator_that_cannot_replay_its_journal_exits_with_a_failure()
    {
        string run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(run);
        var garbage = new byte[64 * 1024];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(Path.Combine(run, "coordinator.db"), garbage);
        int port = FreePorts.Next();
        var token = new Dictionary<string, string> { ["GANCLUSTER_RUN_TOKEN"] = "t" };
        // Bounded: recovery times out after 30 s; a coordinator that never exits fails the test by TimeoutException.
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(4), ["coordinator", "--out", "run", "--port", port.ToString(), .. TinyRun.Args], token);
        Assert.True(r.ExitCode == ExitCodes.Failure, r.ToString());
        Assert.Contains("journal could not be replayed", r.Stdout + r.Stderr);
    }
}
