using System.Diagnostics;
using GanCluster.Core.Data;
using GanCluster.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Collapse;

/// <summary>
/// Trains <see cref="MnistClassifier"/> on the embedded MNIST-10k: images [0, HeldOutStart) for training (with random
/// shifts of up to 2 pixels), [HeldOutStart, count) held out for the reported accuracy. Adam with a cosine
/// learning-rate decay over the epochs, cross-entropy.
/// </summary>
public static class ClassifierTraining
{
    /// <summary>The first held-out image of the 10,000 (the last 2,000 are never trained on).</summary>
    public const int HeldOutStart = 8000;

    public sealed record Options
    {
        public int Epochs { get; init; } = 15;
        public int BatchSize { get; init; } = 64;
        public double LearningRate { get; init; } = 1e-3;
        public long Seed { get; init; } = 1;
        /// <summary>Train on at most this many images (tests); null: all before <see cref="HeldOutStart"/>.</summary>
        public int? TrainLimit { get; init; }
        /// <summary>Evaluate on at most this many held-out images; null: all.</summary>
        public int? HeldOutLimit { get; init; }
        public int MaxShift { get; init; } = 2;
    }

    public sealed record Report(double Accuracy, int Correct, int HeldOut, int Trained, int Epochs, double Seconds, double FinalLoss);

    /// <summary>The embedded MNIST at the classifier's resolution, with labels.</summary>
    public static InMemoryImageSource OpenEmbedded() =>
        ImageSources.OpenIdx(ImageSources.EmbeddedPath(ImageSources.EmbeddedImagesFile), MnistClassifier.InputResolution, 1, null,
            ImageSources.EmbeddedPath(ImageSources.EmbeddedLabelsFile));

    public static (MnistClassifier Model, Report Report) Train(InMemoryImageSource data, Options options, Action<string>? log = null)
    {
        var labels = data.Labels ?? throw new DataException($"{data.Description}: the classifier needs labels");
        if (data.Resolution != MnistClassifier.InputResolution || data.Channels != 1)
            throw new ArgumentException("the classifier trains on 1-channel 32x32 images");
        int trainCount = Math.Min(options.TrainLimit ?? HeldOutStart, Math.Min(HeldOutStart, data.Count));
        var heldOut = HeldOut(data.Count, options.HeldOutLimit);
        if (trainCount < options.BatchSize || heldOut.Count == 0)
            throw new DataException($"{data.Description}: too few images to train and hold out ({data.Count})");
        var clock = Stopwatch.StartNew();
        random.manual_seed(options.Seed);
        var model = new MnistClassifier();
        using var optimizer = optim.Adam(model.parameters(), options.LearningRate);
        var rng = new SplitMix64((ulong)options.Seed); // specified PRNG: the same order and shifts on any .NET
        int n = data.PixelsPerImage, side = data.Resolution;
        var order = Enumerable.Range(0, trainCount).ToArray();
        double lastLoss = double.NaN;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            double lr = options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / options.Epochs));
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            model.train();
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start + options.BatchSize <= trainCount; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var pixels = new float[options.BatchSize * n];
                var targets = new long[options.BatchSize];
                for (int i = 0; i < options.BatchSize; i++)
                {
                    int index = order[start + i];
                    int dx = rng.NextInt(2 * options.MaxShift + 1) - options.MaxShift, dy = rng.NextInt(2 * options.MaxShift + 1) - options.MaxShift;
                    Shifted(data, index, pixels.AsSpan(i * n, n), side, dx, dy);
                    targets[i] = labels[index];
                }
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(tensor(pixels, [options.BatchSize, 1, side, side])), tensor(targets));
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                batches++;
            }
            lastLoss = lossSum / Math.Max(1, batches);
            var (correct, total) = Evaluate(model, data, heldOut);
            log?.Invoke($"epoch {epoch}/{options.Epochs}: loss {lastLoss:F4}, held-out accuracy {100.0 * correct / total:F2}%");
        }
        var (c, t) = Evaluate(model, data, heldOut);
        model.eval();
        return (model, new Report((double)c / t, c, t, trainCount, options.Epochs, clock.Elapsed.TotalSeconds, lastLoss));
    }

    /// <summary>The held-out indices of a set of <paramref name="count"/> images.</summary>
    public static IReadOnlyList<int> HeldOut(int count, int? limit = null)
    {
        int end = limit is { } l ? Math.Min(count, HeldOutStart + l) : count;
        return Enumerable.Range(HeldOutStart, Math.Max(0, end - HeldOutStart)).ToList();
    }

    /// <summary>Correct predictions of <paramref name="model"/> on the given images (eval mode, batches of 250).</summary>
    public static (int Correct, int Total) Evaluate(MnistClassifier model, InMemoryImageSource data, IReadOnlyList<int> indices)
    {
        var labels = data.Labels ?? throw new DataException($"{data.Description}: no labels to evaluate against");
        bool wasTraining = model.training;
        model.eval();
        int correct = 0, n = data.PixelsPerImage;
        using (no_grad())
        {
            for (int start = 0; start < indices.Count; start += 250)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(250, indices.Count - start);
                var pixels = new float[count * n];
                for (int i = 0; i < count; i++) data.Read(indices[start + i], pixels.AsSpan(i * n, n));
                var predicted = model.forward(tensor(pixels, [count, 1, data.Resolution, data.Resolution])).argmax(1).data<long>().ToArray();
                for (int i = 0; i < count; i++)
                    if (predicted[i] == labels[indices[start + i]]) correct++;
            }
        }
        if (wasTraining) model.train();
        return (correct, indices.Count);
    }

    /// <summary>Image <paramref name="index"/> translated by (dx, dy) pixels, background (-1) shifted in.</summary>
    static void Shifted(ImageSource data, int index, Span<float> destination, int side, int dx, int dy)
    {
        Span<float> source = stackalloc float[side * side];
        data.Read(index, source);
        for (int y = 0; y < side; y++)
        {
            int sy = y - dy;
            for (int x = 0; x < side; x++)
            {
                int sx = x - dx;
                destination[y * side + x] = sy >= 0 && sy < side && sx >= 0 && sx < side ? source[sy * side + sx] : -1f;
            }
        }
    }
}
