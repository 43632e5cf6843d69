using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Checkpointing;

/// <summary>
/// Loads a module's parameters and buffers (TorchSharp's save format) into the existing tensors, on whatever
/// device they live. Module.load moves a GPU module to the CPU and back, which replaces the parameter
/// objects and cuts them off from the optimizer and the gradient buckets; this never replaces a tensor.
/// </summary>
public static class ModuleState
{
    public static void LoadInPlace(nn.Module module, BinaryReader reader)
    {
        var state = module.state_dict();
        long entries = ReadLeb128(reader);
        if (entries != state.Count)
            throw new InvalidDataException($"state has {entries} tensors, the {module.GetName()} module has {state.Count}");
        for (long i = 0; i < entries; i++)
        {
            string key = reader.ReadString();
            if (!state.TryGetValue(key, out var tensor))
                throw new InvalidDataException($"state names '{key}', which the {module.GetName()} module does not have");
            tensor.Load(reader);
        }
    }

    public static void LoadInPlace(nn.Module module, byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        LoadInPlace(module, reader);
    }

    /// <summary>The unsigned LEB128 count TorchSharp writes first (its codec is internal).</summary>
    static long ReadLeb128(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
    }
}
