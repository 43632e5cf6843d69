using System.CommandLine;
using GanCluster.Cli.Chaos;
using GanCluster.Cli.Terminal;
using GanCluster.Core.Spec;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Commands;

/// <summary>`gancluster chaos`: a local run broken on purpose, and the checks that it survived (make chaos).</summary>
public static class ChaosCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var set = CommonOptions.Set();
        var output = CommonOptions.Out();
        var workers = new Option<int>("--workers", "-n") { Description = "trainer processes", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "seed of the failure schedule", DefaultValueFactory = _ => 7 };
        var kills = new Option<int>("--kills") { Description = "trainer SIGKILLs (every second one at a checkpoint step, on rank 0)", DefaultValueFactory = _ => 2 };
        var pauses = new Option<int>("--pauses") { Description = "trainer SIGSTOP ... SIGCONT pauses", DefaultValueFactory = _ => 1 };
        var coordinatorKills = new Option<int>("--coordinator-kills") { Description = "coordinator SIGKILLs", DefaultValueFactory = _ => 1 };
        var pauseSeconds = new Option<double>("--pause-seconds") { Description = "how long a paused trainer stays stopped", DefaultValueFactory = _ => 12 };
        var verbose = new Option<bool>("--verbose") { Description = "show the cluster's output (always in RUN_DIR/chaos/local.log)" };
        var command = new Command("chaos", "run `local` with injected failures and check that nothing committed was lost")
            { config, set, output, workers, seed, kills, pauses, coordinatorKills, pauseSeconds, verbose };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(workers);
            if (n < 2) throw new SpecException("--workers", "at least 2 trainers (a failure needs survivors)", n.ToString(), "input");
            string? configFile = parse.GetValue(config);
            var sets = parse.GetValue(set) ?? [];
            var spec = CommonOptions.LoadSpec(configFile, [.. sets, $"cluster.workers={n}"]);
            long steps = spec.Steps ?? throw new SpecException("steps", "a number of steps for a chaos run", "null", "input");
            string outDir = Path.GetFullPath(parse.GetValue(output) ?? CommonOptions.DefaultRunDir("chaos"));
            var specArgs = new List<string>();
            if (configFile != null) specArgs.AddRange(["--config", Path.GetFullPath(configFile)]);
            foreach (var s in sets) specArgs.AddRange(["--set", s]);
            var plan = ChaosPlan.Create(parse.GetValue(seed), steps, n, parse.GetValue(kills), parse.GetValue(pauses), parse.GetValue(coordinatorKills));
            var run = new ChaosRun(new ChaosOptions
            {
                RunDir = outDir, Workers = n, SpecArgs = specArgs, Plan = plan, CheckpointEvery = spec.Checkpoint.Every,
                PauseSeconds = parse.GetValue(pauseSeconds), Verbose = parse.GetValue(verbose),
            });
            using var signal = new ShutdownSignal();
            var outcome = run.RunAsync(signal.Token).GetAwaiter().GetResult();
            NodeLog.Info($"chaos: final step {outcome.FinalStep}/{steps}");
            NodeLog.Info($"chaos: trainer failure -> next completed step: {Summary(outcome.TrainerRecoverySeconds)} (targets: p50 <= 5 s, max <= 15 s)");
            NodeLog.Info($"chaos: coordinator failure -> coordinator back: {Summary(outcome.CoordinatorRecoverySeconds)} (target <= 30 s)");
            foreach (var f in outcome.Failures) NodeLog.Info($"chaos: FAILED: {f}");
            NodeLog.Info(outcome.Passed ? "chaos: PASSED (every step once, replicas identical, every failure recovered)" : "chaos: FAILED");
            return outcome.Passed ? CliApp.Ok : CliApp.RuntimeFailure;
        });
        return command;
    }

    static string Summary(IReadOnlyList<double> seconds)
    {
        if (seconds.Count == 0) return "none measured";
        var sorted = seconds.Order().ToList();
        double p50 = sorted[(sorted.Count - 1) / 2];
        return $"p50 {p50:F1} s, max {sorted[^1]:F1} s over {sorted.Count}";
    }
}
