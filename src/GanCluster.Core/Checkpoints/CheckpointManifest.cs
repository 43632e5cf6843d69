using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace GanCluster.Core.Checkpoints;

/// <summary>manifest.json of a checkpoint: what it holds and the checksum of every file.</summary>
public sealed record CheckpointManifest(
    int Format,
    long Step,
    string SpecHash,
    string Created,
    IReadOnlyList<CheckpointFile> Files,
    JsonObject? Info)
{
    public const string FileName = "manifest.json";
    public const int CurrentFormat = 1;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CheckpointManifest FromJson(string json) =>
        JsonSerializer.Deserialize<CheckpointManifest>(json, Json) ?? throw new InvalidDataException("empty manifest");
}
