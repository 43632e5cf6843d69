using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;

namespace GanCluster.Core.Collapse;

/// <summary>
/// The "collapse" object a checkpoint manifest's info carries: the flag state when the checkpoint was taken (so a
/// rollback can pick one taken while the flag was clear) and the response state.
/// </summary>
public static class CollapseCheckpointInfo
{
    public const string Key = "collapse";

    public static JsonObject ToJson(CollapseFlagState flag, CollapseResponseState response) => new()
    {
        ["suspected"] = flag.Suspected,
        ["flag"] = flag.ToJson(),
        ["response"] = response.ToJson(),
    };

    /// <summary>The checkpoint as a rollback candidate; one without collapse info is never "clear".</summary>
    public static CollapseCheckpoint Candidate(CheckpointManifest manifest) =>
        new(manifest.Step, manifest.Info?[Key]?["suspected"]?.GetValue<bool>() == false, Flag(manifest).LastScore);

    public static CollapseFlagState Flag(CheckpointManifest manifest) => CollapseFlagState.FromJson(manifest.Info?[Key]?["flag"]);

    public static CollapseResponseState Response(CheckpointManifest manifest) => CollapseResponseState.FromJson(manifest.Info?[Key]?["response"]);
}
