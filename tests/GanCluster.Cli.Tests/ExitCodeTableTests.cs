using System.Text.Json.Nodes;
using GanCluster.Core.Runs;

namespace GanCluster.Cli.Tests;

/// <summary>
/// Every exit code of the table (README "Exit codes", the `--help` epilogue) on real processes: 0, 1, 2, 4, 130 and
/// 143 here; 3 (rejoin requested) in GanCluster.Cluster.Tests, where a trainer node loses its coordinator.
/// </summary>
public class ExitCodeTableTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-exit-");

    [Fact]
    public void Help_ends_with_the_exit_code_table()
    {
        var r = CliProcess.Run(_dir, "train", "--help");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        foreach (var (code, meaning) in ExitCodes.Table) Assert.Contains($"{code,-5}{meaning}", r.Stdout);
        var sample = CliProcess.Run(_dir, "sample", "--help"); // --checkpoint is required, yet --help shows help
        Assert.True(sample.ExitCode == ExitCodes.Ok, sample.ToString());
        Assert.Contains("Exit codes:", sample.Stdout);
    }

    [Fact]
    public void A_runtime_failure_exits_1_with_context_and_no_stack_trace()
    {
        File.WriteAllText(Path.Combine(_dir, "blocker"), "a file where the run directory's parent should be");
        var r = CliProcess.Run(_dir, ["train", "--out", "blocker/run", "--set", "steps=1", .. TinyRun.Args]);
        Assert.True(r.ExitCode == ExitCodes.Failure, r.ToString());
        Assert.Matches(@"ERR error: \w+Exception: .*blocker", r.Stderr); // what failed, and where
        Assert.Contains("GANCLUSTER_DEBUG=1", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void A_run_stopped_by_the_collapse_response_exits_4()
    {
        // Any score counts as collapse (raise_threshold 0.001) from the first evaluation on; with no rollback allowed,
        // the first decision is to stop.
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(5),
        [
            "train", "--out", "run", .. TinyRun.Args, "--set", "steps=20", "--set", "sample_every=0",
            "--set", "checkpoint.every=2", "--set", "collapse.every=2", "--set", "collapse.sample_size=32",
            "--set", "collapse.real_sample_size=64", "--set", "collapse.warmup_steps=0", "--set", "collapse.raise_after=1",
            "--set", "collapse.raise_threshold=0.001", "--set", "collapse.clear_threshold=0",
            "--set", "collapse.response.enabled=true", "--set", "collapse.response.window=1", "--set", "collapse.response.max_rollbacks=0",
        ]);
        Assert.True(r.ExitCode == ExitCodes.CollapseStopped, r.ToString());
        Assert.Contains("by the collapse response", r.Stderr);
        var last = JsonlWriter.ReadAll(Path.Combine(_dir, "run", "events.jsonl")).Last();
        Assert.Equal(EventKind.CollapseStopped, (string)last["kind"]!);
    }

    [Theory]
    [InlineData(RunningCli.SigInt, ExitCodes.Interrupted)]
    [InlineData(RunningCli.SigTerm, ExitCodes.Terminated)]
    public void A_signal_stops_training_after_the_step_with_its_own_exit_code(int signal, int expected)
    {
        using var train = new RunningCli(_dir, ["train", "--out", "run", .. TinyRun.Args, "--set", "steps=100000", "--set", "sample_every=0"]);
        Assert.True(train.WaitFor("step 2/", TimeSpan.FromMinutes(3)), train.ToString());
        train.Signal(signal);
        Assert.Equal(expected, train.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.Contains("checkpoint written", train.Stderr);
        var last = JsonlWriter.ReadAll(Path.Combine(_dir, "run", "events.jsonl")).Last();
        Assert.Equal(EventKind.RunInterrupted, (string)last["kind"]!);
        Assert.True(Directory.EnumerateDirectories(Path.Combine(_dir, "run", "checkpoints")).Any());
    }
}
