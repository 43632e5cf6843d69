using GanCluster.Telemetry.Logging;
using GanCluster.Training.Style;
using Spectre.Console;

namespace GanCluster.Cli.Terminal;

/// <summary>
/// Style transfer progress, as <see cref="TrainingProgress"/> shows training: a live bar on a terminal
/// (step/total, steps/s, the three weighted losses, ETA), plain log lines every log_every steps otherwise.
/// </summary>
public static class StyleProgress
{
    public static T Run<T>(int totalSteps, int logEvery, Func<Action<StyleStepReport>, T> optimise)
    {
        if (!TrainingProgress.IsInteractive)
        {
            return optimise(report =>
            {
                if (report.Step == 1 || report.Step % logEvery == 0 || report.Step == report.TotalSteps)
                    NodeLog.Info(Line(report));
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
                var task = ctx.AddTask("style", maxValue: totalSteps);
                result = optimise(report =>
                {
                    task.Value = report.Step;
                    task.Description = Markup.Escape(Line(report));
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    public static string Line(StyleStepReport r)
    {
        var l = r.Losses;
        double rate = r.StepsPerSecond;
        string eta = rate > 0 ? $" | ETA {TimeSpan.FromSeconds((r.TotalSteps - r.Step) / rate):hh\\:mm\\:ss}" : "";
        return $"step {r.Step}/{r.TotalSteps} | {rate:F2} steps/s | content {l.Content:G4} style {l.Style:G4} tv {l.TotalVariation:G4} | total {l.Total:G4}{eta}";
    }
}
