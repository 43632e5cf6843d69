using System.Globalization;
using System.Text.Json.Nodes;

namespace GanCluster.TestBed.Checking;

/// <summary>Reading the fields the checker needs from events.jsonl and metrics.jsonl rows.</summary>
public static class RunEvents
{
    public static string? Kind(JsonObject e) => (string?)e["kind"];

    /// <summary>An event's time ("time": ISO 8601).</summary>
    public static DateTimeOffset Time(JsonObject e) => DateTimeOffset.Parse((string)e["time"]!, CultureInfo.InvariantCulture);

    /// <summary>A metrics row's time ("time": unix seconds, rank 0's clock).</summary>
    public static DateTimeOffset RowTime(JsonObject row) => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round((double)row["time"]! * 1000));

    public static long Step(JsonObject row) => (long)row["step"]!;

    /// <summary>The host of the trainer an event is about (trainer ids are HOSTNAME:PID/DEVICE).</summary>
    public static string? TrainerHost(JsonObject e) => HostOf((string?)e["details"]?["trainer"]);

    /// <summary>The hosts of a world_formed event's members.</summary>
    public static IReadOnlySet<string> MemberHosts(JsonObject world) =>
        (world["details"]?["members"]?.AsArray() ?? []).Select(m => HostOf((string?)m?["trainer"])).OfType<string>().ToHashSet();

    public static string? HostOf(string? trainerId) => trainerId is { } id && id.IndexOf(':') is int i and > 0 ? id[..i] : null;
}
