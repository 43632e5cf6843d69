using System.Collections.Frozen;

namespace GanCluster.Core.Checkpoints;

/// <summary>
/// Which files a checkpoint folder may hold (names: <see cref="SnapshotFiles"/>): those every checkpoint must list in
/// its manifest, and those it may.
/// A loader reads exactly the files the manifest lists, so the manifest, the checksums and the loaded state cannot
/// drift apart (docs/security.md); a name outside these sets, or one that is not a plain file name, is refused.
/// </summary>
public sealed record CheckpointContents(FrozenSet<string> Required, FrozenSet<string>? Optional)
{
    /// <summary>A trainer's replica: weights, optimizer states, state.json and the spec; the generator EMA and the last metrics row when present.</summary>
    public static readonly CheckpointContents Replica = new(
        new[] { SnapshotFiles.Generator, SnapshotFiles.Discriminator, SnapshotFiles.OptimizerG, SnapshotFiles.OptimizerD, SnapshotFiles.State,
            SnapshotFiles.Spec }.ToFrozenSet(StringComparer.Ordinal),
        new[] { SnapshotFiles.GeneratorEma, SnapshotFiles.LastRow }.ToFrozenSet(StringComparer.Ordinal));

    /// <summary>Any plain file names, none required (for stores of other things, and tests of the store itself).</summary>
    public static readonly CheckpointContents Any = new(FrozenSet<string>.Empty, null);

    /// <summary>Why <paramref name="name"/> may not be a file of such a checkpoint; null when it may.</summary>
    public string? Refusal(string name)
    {
        if (!IsPlainFileName(name)) return $"'{Printable(name)}' is not a plain file name inside the checkpoint folder";
        if (Optional != null && !Required.Contains(name) && !Optional.Contains(name)) return $"'{name}' is not a file a checkpoint holds";
        return null;
    }

    /// <summary>A name that stays inside its folder: no separators, no "." or "..", not the manifest, no control characters.</summary>
    public static bool IsPlainFileName(string name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 255 && name is not ("." or "..") && name != CheckpointManifest.FileName
        && name.IndexOfAny(['/', '\\']) < 0 && !name.Any(char.IsControl);

    static string Printable(string name) => new(name.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
