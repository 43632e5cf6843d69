using System.Collections;
using GanCluster.Core.Spec;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace GanCluster.Training.Style;

/// <summary>
/// Reads a name → tensor dictionary written by PyTorch: <c>torch.save(model.state_dict(), f)</c> (the zip
/// format of PyTorch ≥ 1.6) or a <c>.safetensors</c> file, through TorchSharp.PyBridge. The format is told
/// by the file's first bytes, not its name. Anything else is a user error (exit 2) naming the file.
/// </summary>
public static class StateDictFile
{
    public static Dictionary<string, Tensor> Read(string path, string option = "--weights")
    {
        if (!File.Exists(path))
            throw new SpecException(option, "a weights file", $"'{path}' (no such file)", "input");
        var format = Sniff(path);
        try
        {
            return format switch
            {
                Format.TorchZip => FromPickle(path),
                Format.Safetensors => Safetensors.LoadStateDict(path),
                _ => throw new SpecException(option, "a PyTorch state_dict (torch.save, zip format) or a .safetensors file",
                    $"'{path}' (neither format)", "input"),
            };
        }
        catch (Exception e) when (e is not SpecException)
        {
            // PyBridge reports a full pickled model, the legacy format or a damaged file with various exceptions.
            throw new SpecException(option, format == Format.TorchZip ? "a readable PyTorch state_dict" : "a readable .safetensors file",
                $"'{path}' ({e.Message.ReplaceLineEndings(" ")})", "input");
        }
    }

    enum Format { Unknown, TorchZip, Safetensors }

    static Format Sniff(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return Format.TorchZip;
        // safetensors: 8-byte little-endian header length, then a JSON object.
        if (read == 9 && head[8] == '{' && BitConverter.ToUInt64(head[..8]) + 8 <= (ulong)stream.Length) return Format.Safetensors;
        return Format.Unknown;
    }

    static Dictionary<string, Tensor> FromPickle(string path)
    {
        var table = PyTorchUnpickler.UnpickleStateDict(path);
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
        {
            string key = entry.Key?.ToString() ?? "";
            if (entry.Value is Tensor t) result[key] = t;
            else if (entry.Value is IDictionary)
                throw new SpecException("--weights", "a state_dict (name → tensor), e.g. torch.save(model.state_dict(), f)",
                    $"'{path}' (a dictionary of dictionaries: '{key}' holds one; save that one)", "input");
        }
        return result;
    }
}
