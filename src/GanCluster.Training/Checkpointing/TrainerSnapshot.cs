using System.Security.Cryptography;
using System.Text;
using GanCluster.Core.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GanCluster.Training.Checkpointing;

/// <summary>
/// The whole state of a replica as named byte blobs: weights, optimizer states, state.json and the spec.
/// Taken synchronously between steps (cheap: one copy), written to disk in the background, hashed to prove
/// replicas identical, and restored on resume. The same blobs can be streamed to a peer.
/// </summary>
public sealed class TrainerSnapshot
{
    public const string Generator = SnapshotFiles.Generator;
    public const string GeneratorEma = SnapshotFiles.GeneratorEma;
    public const string Discriminator = SnapshotFiles.Discriminator;
    public const string OptimizerG = SnapshotFiles.OptimizerG;
    public const string OptimizerD = SnapshotFiles.OptimizerD;
    public const string State = SnapshotFiles.State;
    public const string Spec = SnapshotFiles.Spec;

    /// <summary>The metrics row of the snapshot's step, so a new rank 0 can write it if its predecessor could not.</summary>
    public const string LastRow = SnapshotFiles.LastRow;

    /// <summary>The blobs that define training (everything except the informational spec copy).</summary>
    public static readonly string[] Hashed = [Generator, Discriminator, OptimizerG, OptimizerD];

    /// <summary>Blobs only some runs have (a progressive run's generator EMA); hashed and restored when present.</summary>
    public static readonly string[] Optional = [GeneratorEma];

    public TrainerSnapshot(IReadOnlyDictionary<string, byte[]> files) => Files = files;

    public IReadOnlyDictionary<string, byte[]> Files { get; }

    public long Bytes => Files.Values.Sum(b => (long)b.Length);

    public static TrainerSnapshot Capture(nn.Module g, nn.Module d, OptimizerHelper optG, OptimizerHelper optD,
        TrainState state, string specYaml, nn.Module? gEma = null, string? lastRowJson = null)
    {
        var files = new Dictionary<string, byte[]>
        {
            [Generator] = Save(w => g.save(w)),
            [Discriminator] = Save(w => d.save(w)),
            [OptimizerG] = Save(optG.save_state_dict),
            [OptimizerD] = Save(optD.save_state_dict),
            [State] = Encoding.UTF8.GetBytes(state.ToJson()),
            [Spec] = Encoding.UTF8.GetBytes(specYaml),
        };
        if (gEma != null) files[GeneratorEma] = Save(w => gEma.save(w));
        if (lastRowJson != null) files[LastRow] = Encoding.UTF8.GetBytes(lastRowJson);
        return new TrainerSnapshot(files);
    }

    public string? ReadLastRow() => Files.TryGetValue(LastRow, out var b) ? Encoding.UTF8.GetString(b) : null;

    /// <summary>All blobs in one buffer (name, length, bytes; repeated), for streaming to a peer.</summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Files.Count);
            foreach (var (name, bytes) in Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                w.Write(name);
                w.Write(bytes.Length);
                w.Write(bytes);
            }
        }
        return ms.ToArray();
    }

    /// <summary>
    /// Parses a buffer written by <see cref="ToBytes"/> (a peer's state, received over the data plane). Anything but
    /// the files of a checkpoint (<see cref="CheckpointContents.Replica"/>), each once, with every required one, is
    /// refused (InvalidDataException), as are lengths past the buffer's end and trailing bytes.
    /// </summary>
    public static TrainerSnapshot FromBytes(byte[] buffer)
    {
        var contents = CheckpointContents.Replica;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var r = new BinaryReader(new MemoryStream(buffer, writable: false), Encoding.UTF8);
            int count = r.ReadInt32();
            if (count < 0 || count > contents.Required.Count + (contents.Optional?.Count ?? 0))
                throw new InvalidDataException($"transferred state claims {count} files");
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                if (contents.Refusal(name) is { } problem) throw new InvalidDataException($"transferred state: {problem}");
                int length = r.ReadInt32();
                if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
                    throw new InvalidDataException($"transferred state: {name} claims {length} bytes");
                if (!files.TryAdd(name, r.ReadBytes(length))) throw new InvalidDataException($"transferred state holds {name} twice");
            }
            if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidDataException("transferred state has trailing bytes");
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("transferred state is truncated", e);
        }
        foreach (var required in contents.Required.Order(StringComparer.Ordinal))
            if (!files.ContainsKey(required)) throw new InvalidDataException($"transferred state lacks {required}");
        return new TrainerSnapshot(files);
    }

    /// <summary>
    /// A peer's state as received: parsed from the very bytes the transfer checked, and, when the world names the
    /// source's state hash, refused (InvalidDataException) unless it is exactly that state.
    /// </summary>
    public static TrainerSnapshot FromTransfer(byte[] buffer, string? expectedHash)
    {
        var snapshot = FromBytes(buffer);
        if (expectedHash != null && !string.Equals(snapshot.Hash(), expectedHash, StringComparison.Ordinal))
            throw new InvalidDataException($"transferred state has hash {snapshot.Hash()[..12]}, the world expects {expectedHash[..Math.Min(12, expectedHash.Length)]}");
        return snapshot;
    }

    public TrainState ReadState() => TrainState.FromJson(Encoding.UTF8.GetString(Files[State]));

    public string ReadSpecYaml() => Encoding.UTF8.GetString(Files[Spec]);

    /// <summary>
    /// Loads the snapshot into the modules and optimizers. All or nothing: state.json is parsed first, and when any
    /// blob fails to load, what was loaded is put back as it was before the call, then the error propagates, so a
    /// caller can fall back to an older checkpoint from an intact replica.
    /// </summary>
    public void Restore(nn.Module g, nn.Module d, OptimizerHelper optG, OptimizerHelper optD, nn.Module? gEma = null)
    {
        ReadState().ReadPlan(); // throws before anything changed when state.json is not a state
        if (gEma != null && !Files.ContainsKey(GeneratorEma)) throw new InvalidDataException($"the checkpoint has no {GeneratorEma}");
        var before = Capture(g, d, optG, optD, new TrainState(), "", gEma);
        try
        {
            Load(this, g, d, optG, optD, gEma);
        }
        catch
        {
            Load(before, g, d, optG, optD, gEma);
            throw;
        }
    }

    static void Load(TrainerSnapshot s, nn.Module g, nn.Module d, OptimizerHelper optG, OptimizerHelper optD, nn.Module? gEma)
    {
        if (gEma != null) ModuleState.LoadInPlace(gEma, s.Files[GeneratorEma]);
        ModuleState.LoadInPlace(g, s.Files[Generator]);
        ModuleState.LoadInPlace(d, s.Files[Discriminator]);
        Load(s.Files[OptimizerG], optG.load_state_dict);
        Load(s.Files[OptimizerD], optD.load_state_dict);
    }

    /// <summary>SHA-256 over weights, buffers and optimizer states: equal hashes mean bit-identical replicas.</summary>
    public string Hash() => Hash(this.Files);

    public static string Hash(IReadOnlyDictionary<string, byte[]> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in Hashed) sha.AppendData(files[name]);
        foreach (var name in Optional)
            if (files.TryGetValue(name, out var bytes)) sha.AppendData(bytes);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>A checkpoint folder, read once and verified (<see cref="CheckpointStore.Read"/>): throws InvalidCheckpointException.</summary>
    public static TrainerSnapshot ReadFrom(string checkpointDir) => FromVerified(CheckpointStore.Read(checkpointDir));

    /// <summary>The state held by a verified checkpoint: exactly the bytes that were checked.</summary>
    public static TrainerSnapshot FromVerified(VerifiedCheckpoint checkpoint) => new(checkpoint.Files);

    static byte[] Save(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) write(w);
        return ms.ToArray();
    }

    static void Load(byte[] bytes, Action<BinaryReader> read)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        read(r);
    }
}
