using System.CommandLine;
using GanCluster.Cli.Report;

namespace GanCluster.Cli.Commands;

/// <summary>
/// `gancluster report --run RUN_DIR [--out FILE.html]`: one self-contained HTML page of a run (summary, charts,
/// newest samples, events, run.yaml) from the run directory's files; prints the page's path. See docs/monitoring.md.
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "the run directory (metrics.jsonl, events.jsonl, run.yaml, samples/)", Required = true };
        var output = new Option<string?>("--out", "-o") { Description = "the HTML file to write (default: RUN_DIR/report.html)" };
        var command = new Command("report", "write a self-contained HTML report of a run: summary, charts, samples, events") { run, output };
        command.SetAction(parse =>
        {
            var history = RunHistory.Load(parse.GetValue(run)!);
            string html = new ReportRenderer().Render(history);
            string path = Path.GetFullPath(parse.GetValue(output) ?? Path.Combine(history.Root, "report.html"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temp = path + ".tmp";
            File.WriteAllText(temp, html);
            File.Move(temp, path, overwrite: true);
            Console.Out.WriteLine(path);
            return CliApp.Ok;
        });
        return command;
    }
}
