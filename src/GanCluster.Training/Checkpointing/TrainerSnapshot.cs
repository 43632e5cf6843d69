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

    public static TrainerSnapshot FromBytes(byte[] buffer)
    {
        using var r = new BinaryReader(new MemoryStream(buffer), Encoding.UTF8);
        int count = r.ReadInt32();
        var files = new Dictionary<string, byte[]>();
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            files[name] = r.ReadBytes(r.ReadInt32());
        }
        foreach (var required in new[] { Generator, Discriminator, OptimizerG, OptimizerD, State, Spec })
            if (!files.ContainsKey(required)) throw new InvalidDataException($"transferred state lacks {required}");
        return new TrainerSnapshot(files);
    }

    public TrainState ReadState() => TrainState.FromJson(Encoding.UTF8.GetString(Files[State]));

    public string ReadSpecYaml() => Encoding.UTF8.GetString(Files[Spec]);

    public void Restore(nn.Module g, nn.Module d, OptimizerHelper optG, OptimizerHelper optD, nn.Module? gEma = null)
    {
        if (gEma != null)
        {
            if (!Files.TryGetValue(GeneratorEma, out var ema)) throw new InvalidDataException($"the checkpoint has no {GeneratorEma}");
            ModuleState.LoadInPlace(gEma, ema);
        }
        ModuleState.LoadInPlace(g, Files[Generator]);
        ModuleState.LoadInPlace(d, Files[Discriminator]);
        Load(Files[OptimizerG], optG.load_state_dict);
        Load(Files[OptimizerD], optD.load_state_dict);
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

    public static TrainerSnapshot ReadFrom(string checkpointDir)
    {
        var files = new Dictionary<string, byte[]>();
        foreach (var name in new[] { Generator, Discriminator, OptimizerG, OptimizerD, State, Spec })
        {
            string path = Path.Combine(checkpointDir, name);
            if (!File.Exists(path)) throw new InvalidDataException($"checkpoint {checkpointDir} has no {name}");
            files[name] = File.ReadAllBytes(path);
        }
        foreach (var name in Optional.Append(LastRow))
        {
            string path = Path.Combine(checkpointDir, name);
            if (File.Exists(path)) files[name] = File.ReadAllBytes(path);
        }
        return new TrainerSnapshot(files);
    }

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
