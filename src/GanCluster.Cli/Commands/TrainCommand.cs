using System.CommandLine;
using GanCluster.Cli.Terminal;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Telemetry.Logging;
using GanCluster.Training;
using GanCluster.Training.TensorBoard;

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
        var tensorboard = CommonOptions.TensorBoard();
        var metrics = new MetricsOptions();
        var command = new Command("train", "train a GAN in this process") { config, set, output, device, resume, force, tensorboard };
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
            string deviceName = CommonOptions.Devices(parse, device, list: false)[0];
            outDir ??= CommonOptions.DefaultRunDir(parse.GetValue(config));
            using var signal = new ShutdownSignal();
            using var telemetry = metrics.Start(parse, outDir, "train");
            const string rank = "0"; // one process: a world of 1 that never changes
            using var trainer = new GanTrainer(new TrainerOptions
            {
                Spec = spec,
                RunDir = outDir,
                Resume = isResume,
                Force = parse.GetValue(force),
                Device = deviceName,
                Log = line => NodeLog.Line(line, rank),
            });
            var rankMetrics = telemetry.AddTrainer();
            rankMetrics.SetRank(0, worldSize: 1, epoch: 0);
            GanCluster.Cluster.Observability.TrainerTelemetry.Attach(trainer, rankMetrics);
            using var board = CommonOptions.TensorBoardDir(parse, tensorboard, spec, outDir) is { } boardDir ? new TensorBoardSink(boardDir) : null;
            board?.Attach(trainer);
            NodeLog.Info($"run directory: {Path.GetFullPath(outDir)}", rank);
            NodeLog.Info($"data: {trainer.Data.Description}; model: {SpecSchema.FormatScalar(spec.Model.Arch)} {spec.Model.Resolution}px; " +
                         $"loss: {SpecSchema.FormatScalar(spec.Loss)}; steps: {trainer.State.Step} -> {trainer.TotalSteps}", rank);
            if (board != null) NodeLog.Info($"tensorboard: {board.Directory}", rank);
            var state = TrainingProgress.Run(trainer.TotalSteps, spec.LogEvery, "training", report =>
            {
                trainer.StepCompleted += report;
                return trainer.Run(signal.Token);
            }, rank);
            if (signal.Requested)
            {
                NodeLog.Warning($"interrupted at step {state.Step}; checkpoint written. Continue with: gancluster train --resume --out {outDir}", rank);
                return signal.ExitCode;
            }
            if (trainer.StopReason is { } reason)
            {
                NodeLog.Warning($"stopped at step {state.Step} by the collapse response: {reason}", rank);
                return ExitCodes.CollapseStopped;
            }
            NodeLog.Info($"done: {state.Step} steps, {state.ImagesSeen} images" +
                         (state.SkippedNonFinite > 0 ? $", {state.SkippedNonFinite} non-finite updates skipped" : ""), rank);
            return ExitCodes.Ok;
        });
        return command;
    }
}
