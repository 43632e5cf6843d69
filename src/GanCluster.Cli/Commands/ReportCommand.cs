using System.CommandLine;
using GanCluster.Cli.Report;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;

namespace GanCluster.Cli.Commands;

/// <summary>
/// `gancluster report RUN_DIR [--out FILE.html]` (or `--run RUN_DIR`): one self-contained HTML page of a run
/// (summary, charts, newest samples, events, run.yaml) from the run directory's files, plus each chart as a PNG in
/// report-plots/ beside the page; prints the page's path. RUN_DIR may be the s3://bucket/prefix of a run with
/// checkpoint.uri there: its uploaded logs are read back (<see cref="RemoteRunDirectory"/>; the page goes to
/// ./report.html unless --out). See docs/monitoring.md.
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var runDir = new Argument<string?>("RUN_DIR") { Description = "the run directory (metrics.jsonl, events.jsonl, run.yaml, samples/), or the s3://bucket/prefix of its checkpoint.uri", Arity = ArgumentArity.ZeroOrOne };
        var run = new Option<string?>("--run") { Description = "the run directory, as an option" };
        var output = new Option<string?>("--out", "-o") { Description = "the HTML file to write (default: RUN_DIR/report.html; for s3://, ./report.html)" };
        var command = new Command("report", "write a self-contained HTML report of a run: summary, charts, samples, events") { runDir, run, output };
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(runDir) ?? parse.GetValue(run)
                ?? throw new SpecException("RUN_DIR", "a run directory (argument or --run)", "nothing", "report");
            using var remote = S3Location.IsS3(dir) ? RemoteRunDirectory.Download(dir) : null;
            var history = RunHistory.Load(remote?.Folder ?? dir, shownAs: remote?.Uri);
            var renderer = new ReportRenderer();
            string html = renderer.Render(history);
            string path = Path.GetFullPath(parse.GetValue(output) ?? Path.Combine(remote == null ? history.Root : ".", "report.html"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string plots = Path.Combine(Path.GetDirectoryName(path)!, "report-plots");
            Directory.CreateDirectory(plots);
            foreach (var (id, png) in renderer.RenderedCharts) File.WriteAllBytes(Path.Combine(plots, id + ".png"), png);
            string temp = path + ".tmp";
            File.WriteAllText(temp, html);
            File.Move(temp, path, overwrite: true);
            Console.Out.WriteLine(path);
            return CliApp.Ok;
        });
        return command;
    }
}
