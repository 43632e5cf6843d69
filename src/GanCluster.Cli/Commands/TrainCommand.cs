using System.CommandLine;
using GanCluster.Cli.Terminal;
using GanCluster.Core.Spec;
using GanCluster.Training;

namespace GanCluster.Cli.Commands;

/// <summary>`gancluster train`: one process, one rank.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var set = CommonOptions.Set();
        var output = CommonOptions.Out();
        var device = CommonOptions.Device();
        var resume = new Option<bool>("--resume") { Description = "continue the run in --out from its newest valid checkpoint" };
        var force = new Option<bool>("--force") { Description = "with --resume: accept training-defining spec changes" };
        var metrics = new MetricsOptions();
        var command = new Command("train", "train a GAN in this process") { config, set, output, device, resume, force };
        metrics.AddTo(command);
        command.SetAction(parse =>
        {
            var spec = CommonOptions.LoadSpec(parse.GetValue(config), parse.GetValue(set));
            string? outDir = parse.GetValue(output);
            bool isResume = parse.GetValue(resume);
            if (isResume && outDir == null)
                throw new SpecException("--out", "the run directory to resume (with --resume)", "nothing", "input");
            if (!isResume && parse.GetValue(force))
                throw new SpecException("--force", "--resume alongside it", "--force alone", "input");
            outDir ??= CommonOptions.DefaultRunDir(parse.GetValue(config));
            using var signal = new ShutdownSignal();
            using var telemetry = metrics.Start(parse, outDir, "train");
            using var trainer = new GanTrainer(new TrainerOptions
            {
                Spec = spec,
                RunDir = outDir,
                Resume = isResume,
                Force = parse.GetValue(force),
                Device = parse.GetValue(device) ?? "cpu",
                Log = line => Console.Error.WriteLine(line),
            });
            var rankMetrics = telemetry.AddTrainer();
            rankMetrics.SetRank(0, worldSize: 1, epoch: 0); // one process: a world of 1 that never changes
            GanCluster.Cluster.Observability.TrainerTelemetry.Attach(trainer, rankMetrics);
            Console.WriteLine($"run directory: {Path.GetFullPath(outDir)}");
            Console.WriteLine($"data: {trainer.Data.Description}; model: {SpecSchema.FormatScalar(spec.Model.Arch)} {spec.Model.Resolution}px; " +
                                     $"loss: {SpecSchema.FormatScalar(spec.Loss)}; steps: {trainer.State.Step} -> {trainer.TotalSteps}");
            var state = TrainingProgress.Run(trainer.TotalSteps, spec.LogEvery, "training", report =>
            {
                trainer.StepCompleted += report;
                return trainer.Run(signal.Token);
            });
            if (signal.Requested)
            {
                Console.Error.WriteLine($"interrupted at step {state.Step}; checkpoint written. Continue with: " +
                                               $"gancluster train --resume --out {outDir}");
                return CliApp.Interrupted;
            }
            if (trainer.StopReason is { } reason)
            {
                Console.Error.WriteLine($"stopped at step {state.Step} by the collapse response: {reason}");
                return CliApp.RuntimeFailure;
            }
            Console.WriteLine($"done: {state.Step} steps, {state.ImagesSeen} images" +
                                     (state.SkippedNonFinite > 0 ? $", {state.SkippedNonFinite} non-finite updates skipped" : ""));
            return CliApp.Ok;
        });
        return command;
    }
}
