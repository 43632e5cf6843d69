using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GanCluster.Core.Runs;

namespace GanCluster.Cli.Tests;

/// <summary>
/// Logs a cluster can read: `--log-format json` (or $GANCLUSTER_LOG_FORMAT=json) makes every line a command prints a
/// JSON object with timestamp, level, node, rank (trainers) and message, Akka's own log included; the default text
/// lines carry a timestamp and a level.
/// </summary>
public partial class LogFormatTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-logs-");

    static List<JsonObject> JsonLines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
    {
        JsonObject? node = null;
        try { node = JsonNode.Parse(line) as JsonObject; }
        catch (System.Text.Json.JsonException) { }
        Assert.True(node != null, $"not a JSON object: {line}\nin:\n{output}");
        Assert.True(DateTimeOffset.TryParse((string?)node["timestamp"], out _), line);
        Assert.Contains((string?)node["level"], new[] { "debug", "info", "warning", "error" });
        Assert.False(string.IsNullOrEmpty((string?)node["node"]), line);
        Assert.NotNull((string?)node["message"]);
        return node;
    }).ToList();

    [Fact]
    public void Train_prints_one_json_object_per_line_with_the_rank()
    {
        var r = CliProcess.Run(_dir, ["train", "--log-format", "json", "--out", "run", "--set", "steps=2", .. TinyRun.Args]);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        var lines = JsonLines(r.Stdout).Concat(JsonLines(r.Stderr)).ToList();
        Assert.Contains(lines, l => ((string)l["message"]!).StartsWith("step 2/2", StringComparison.Ordinal) && (int)l["rank"]! == 0);
        Assert.Contains(lines, l => ((string)l["message"]!).StartsWith("done: 2 steps", StringComparison.Ordinal));
    }

    [Fact]
    public void The_environment_variable_sets_the_format_and_bad_input_is_an_error_record()
    {
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(2), ["sample", "--checkpoint", "nowhere", "--out", "x.png"],
            new Dictionary<string, string> { ["GANCLUSTER_LOG_FORMAT"] = "json", ["GANCLUSTER_NODE_NAME"] = "node-7" });
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
        var line = Assert.Single(JsonLines(r.Stderr));
        Assert.Equal("error", (string)line["level"]!);
        Assert.Equal("node-7", (string)line["node"]!);
        Assert.Contains("--checkpoint", (string)line["message"]!);
    }

    [Fact]
    public void Text_lines_carry_a_timestamp_and_bad_input_stays_one_plain_line()
    {
        var r = CliProcess.Run(_dir, ["train", "--out", "run", "--set", "steps=1", .. TinyRun.Args]);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(TextLine(), l));
        var bad = CliProcess.Run(_dir, "train", "--set", "steps=lots");
        Assert.Equal("run spec: steps: expected an integer, found 'lots'", bad.Stderr.Trim());
    }

    [Fact]
    public void An_unknown_log_format_is_bad_input()
    {
        var r = CliProcess.Run(_dir, "spec", "show", "--log-format", "yaml");
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
        Assert.Equal("input: --log-format: expected text or json, found 'yaml'", r.Stderr.Trim());
    }

    /// <summary>
    /// A coordinator node in JSON: Akka's own log (here at INFO) comes out as JSON records too, with its source; SIGTERM
    /// stops the node with 143.
    /// </summary>
    [Fact]
    public void A_node_routes_akkas_log_into_the_json_lines_and_exits_143_on_sigterm()
    {
        using var node = new RunningCli(_dir, ["coordinator", "--out", "run", "--port", FreePort().ToString(), .. TinyRun.Args],
            new Dictionary<string, string> { ["GANCLUSTER_LOG_FORMAT"] = "json", ["GANCLUSTER_AKKA_LOGLEVEL"] = "INFO", ["GANCLUSTER_RUN_TOKEN"] = "t" });
        Assert.True(node.WaitFor("trainer(s) wanted", TimeSpan.FromMinutes(2)), node.ToString());
        node.Signal(RunningCli.SigTerm);
        Assert.Equal(ExitCodes.Terminated, node.WaitForExit(TimeSpan.FromMinutes(2)));
        var lines = JsonLines(node.Stdout).Concat(JsonLines(node.Stderr)).ToList();
        Assert.Contains(lines, l => ((string)l["message"]!).Contains("Started up successfully") && l["source"] != null);
        Assert.Contains(lines, l => ((string)l["message"]!).Contains("trainer(s) wanted")); // the coordinator's own line
    }

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (INF|WRN|ERR) ")]
    private static partial Regex TextLine();
}
