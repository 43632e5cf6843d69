using GanCluster.Telemetry.Logging;
using GanCluster.Training;
using Spectre.Console;

namespace GanCluster.Cli.Terminal;

/// <summary>
/// Shows training progress: a live bar on a terminal (step/total, img/s, Loss_D, Loss_G, D(x), D(G(z)), ETA),
/// plain log lines every log_every steps otherwise (CI logs, files, pipes).
/// </summary>
public static class TrainingProgress
{
    /// <summary>A live bar only for a person at a terminal: redirected output and JSON logs get log lines.</summary>
    public static bool IsInteractive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && NodeLog.Format == LogFormat.Text;

    /// <summary>Runs <paramref name="train"/> (which reports through the callback it is given) under a progress display.</summary>
    /// <param name="rank">labels the log lines (a trainer's rank), or null.</param>
    public static T Run<T>(long totalSteps, long logEvery, string title, Func<Action<StepReport>, T> train, string? rank = null)
    {
        if (!IsInteractive)
        {
            return train(report =>
            {
                if (report.Stats.Step % logEvery == 0 || report.Stats.Step == report.TotalSteps)
                    NodeLog.Info(Line(report), rank);
            });
        }
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: totalSteps);
                result = train(report =>
                {
                    task.Value = report.Stats.Step;
                    task.Description = Markup.Escape(Line(report));
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    public static string Line(StepReport r)
    {
        var s = r.Stats;
        string eta = r.Eta is { } e ? $" | ETA {e:hh\\:mm\\:ss}" : "";
        string skipped = r.SkippedNonFinite > 0 ? $" | skipped {r.SkippedNonFinite}" : "";
        string stage = r.Progressive && r.Plan is { } p
            ? $" | {p.Resolution}px {p.PhaseName}{(p.Phase == GanCluster.Core.Progressive.PhaseKind.FadeIn ? $" {p.Alpha:F2}" : "")}"
            : "";
        string dSkip = r.Plan is { UpdateD: false } ? " | D skipped" : "";
        return $"step {s.Step}/{r.TotalSteps} | {r.ImagesPerSecond:F0} img/s | Loss_D {s.LossD:F4} Loss_G {s.LossG:F4} | " +
               $"D(x) {s.DReal:F3} D(G(z)) {s.DFake:F3}{stage}{dSkip}{skipped}{eta}";
    }
}
