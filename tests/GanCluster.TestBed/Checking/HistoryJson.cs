using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanCluster.TestBed.Checking;

/// <summary>How the bed's own logs (supervisor, faults, observed history) are written: snake_case JSON lines.</summary>
public static class HistoryJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static IReadOnlyList<T> ReadLines<T>(string path) =>
        !File.Exists(path) ? [] :
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<T>(l, Options)!).ToList();
}
