using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>
/// Reads the ImageNet-pretrained ResNet18 that the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 ships
/// (<c>ResNet18.onnx</c>, a CNTK export: conv + BatchNorm stages, output the 512 pooled features; copied next to the
/// program as <c>models/resnet18/</c>) into a TorchSharp <see cref="ResNet18"/>, and its preprocessing graph
/// (<c>ResNetPreprocess.onnx</c>: RGB → BGR, minus a 224x224 mean image, pixels in 0..255) into a mean-image tensor.
/// <para>
/// The graph is matched structurally, not by its CNTK names (Parameter91, ...): the 7x7 conv is the stem, 1x1 convs are
/// the stage shortcuts in order, 3x3 convs are the blocks' conv1/conv2 in order, grouped into stages by their width
/// (the export has 2, 2, 2 and 3 blocks per stage); each conv's BatchNormalization is the node reading its output. The export pads asymmetrically (7x7/2: 3 before, 2 after; 3x3/2 and the max pool: 1
/// before, 0 after), which on even input sizes is exactly what torchvision's symmetric padding computes (the last
/// window never reaches the extra pad), so inputs are resized to an even size (224). Anything unexpected — a missing
/// BatchNorm, another layout, other shapes — is an error naming the node, never a silent partial load.
/// </para>
/// </summary>
public static class ResNet18Onnx
{
    public const string ModelFile = "ResNet18.onnx";
    public const string PreprocessFile = "ResNetPreprocess.onnx";
    public const int InputSize = 224;

    /// <summary>models/resnet18/FILE next to the program (walking up from its folder, so tests find it too).</summary>
    public static string ShippedPath(string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", "resnet18", fileName);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"the pretrained ResNet18 ({fileName}) is missing from the installation " +
                                        "(expected models/resnet18/ next to the program; it comes from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0)");
    }

    /// <summary>Loads the weights into a new <see cref="ResNet18"/> (eval mode, frozen).</summary>
    public static ResNet18 LoadModel(string path)
    {
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        var stem = convs.Where(c => Kernel(c) == 7).ToList();
        var shortcuts = convs.Where(c => Kernel(c) == 1).ToList();
        var blocks = convs.Where(c => Kernel(c) == 3).ToList();
        long[] widths = [64, 128, 256, 512];
        var perStage = widths.Select(w => blocks.Where(c => Width(initializers, c) == w).ToList()).ToList();
        if (stem.Count != 1 || shortcuts.Count != 3 || perStage.Sum(s => s.Count) != blocks.Count || perStage.Any(s => s.Count == 0 || s.Count % 2 != 0))
            throw Unexpected(path, $"one 7x7 conv, three 1x1 shortcuts and pairs of 3x3 convs of widths 64-512, found {stem.Count}/{shortcuts.Count}/" +
                                   string.Join("+", perStage.Select(s => s.Count)));

        var names = new List<(NodeProto Conv, string Prefix)> { (stem[0], "") };
        for (int stage = 0; stage < 4; stage++)
            for (int i = 0; i < perStage[stage].Count; i++)
                names.Add((perStage[stage][i], $"layer{stage + 1}.{i / 2}.conv{i % 2 + 1}"));
        for (int i = 0; i < 3; i++) names.Add((shortcuts[i], $"layer{i + 2}.0.downsample.0"));

        var model = new ResNet18(perStage.Select(s => s.Count / 2).ToArray());
        try
        {
            var targets = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers())
                .ToDictionary(p => p.Item1, p => p.Item2);
            int loaded = 0;
            using var _ = no_grad();
            foreach (var (conv, prefix) in names)
            {
                var bn = graph.Node.SingleOrDefault(n => n.OpType == "BatchNormalization" && n.Input[0] == conv.Output[0])
                         ?? throw Unexpected(path, $"a BatchNormalization after conv node '{conv.Output[0]}'");
                string convName = prefix.Length == 0 ? "conv1" : prefix;
                string bnName = prefix.Length == 0 ? "bn1" : prefix.EndsWith(".downsample.0", StringComparison.Ordinal)
                    ? prefix[..^1] + "1" : prefix.Replace(".conv", ".bn", StringComparison.Ordinal);
                Copy(path, initializers, conv.Input[1], targets, $"{convName}.weight");
                string[] bnParts = ["weight", "bias", "running_mean", "running_var"];
                for (int k = 0; k < bnParts.Length; k++) Copy(path, initializers, bn.Input[k + 1], targets, $"{bnName}.{bnParts[k]}");
                float epsilon = bn.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
                if (Math.Abs(epsilon - 1e-5f) > 1e-9f) throw Unexpected(path, $"BatchNorm epsilon 1e-5 at '{bn.Output[0]}', found {epsilon}");
                loaded += 5;
            }
            int expected = targets.Keys.Count(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
            if (loaded != expected) throw Unexpected(path, $"{expected} tensors, loaded {loaded}");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The preprocessing graph's mean image, [1, 3, 224, 224] in BGR order, pixel units (0..255).</summary>
    public static Tensor LoadMeanImage(string path)
    {
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph;
        var sub = graph.Node.SingleOrDefault(n => n.OpType == "Sub") ?? throw Unexpected(path, "one Sub node (the mean image)");
        var mean = graph.Initializer.SingleOrDefault(t => t.Name == sub.Input[1]) ?? throw Unexpected(path, $"an initializer '{sub.Input[1]}'");
        if (!mean.Dims.SequenceEqual([1L, 3, InputSize, InputSize])) throw Unexpected(path, $"a mean image of [1, 3, 224, 224], found [{string.Join(", ", mean.Dims)}]");
        return tensor(Floats(mean), [1, 3, InputSize, InputSize]);
    }

    static long Width(Dictionary<string, TensorProto> initializers, NodeProto conv) =>
        initializers.TryGetValue(conv.Input[1], out var w) && w.Dims.Count == 4 ? w.Dims[0] : -1;

    static int Kernel(NodeProto conv) => (int)(conv.Attribute.FirstOrDefault(a => a.Name == "kernel_shape")?.Ints.FirstOrDefault() ?? 0);

    static void Copy(string path, Dictionary<string, TensorProto> initializers, string source, Dictionary<string, Tensor> targets, string target)
    {
        if (!initializers.TryGetValue(source, out var proto)) throw Unexpected(path, $"an initializer '{source}' (for {target})");
        if (!targets.TryGetValue(target, out var t)) throw new InvalidOperationException($"ResNet18 has no tensor '{target}'");
        if (!proto.Dims.SequenceEqual(t.shape))
            throw Unexpected(path, $"'{source}' of shape [{string.Join(", ", t.shape)}] for {target}, found [{string.Join(", ", proto.Dims)}]");
        t.copy_(tensor(Floats(proto), t.shape));
    }

    static float[] Floats(TensorProto t)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float) throw new InvalidDataException($"ONNX tensor '{t.Name}' is not float32 (type {t.DataType})");
        if (t.FloatData.Count > 0) return t.FloatData.ToArray();
        var raw = t.RawData.Span;
        var values = new float[raw.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BitConverter.ToSingle(raw.Slice(i * 4, 4));
        return values;
    }

    static InvalidDataException Unexpected(string path, string expected) =>
        new($"{path}: not the ResNet18 export this loader knows: expected {expected}");
}
