using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using TorchSharp.Modules;
using static TorchSharp.torch.utils;

namespace GanCluster.Training.TensorBoard;

/// <summary>
/// TensorBoard event files for a run (`tensorboard: true`, or `--tensorboard DIR`): every numeric field of each
/// metrics.jsonl row as a scalar tagged with its metrics.jsonl name (loss_d, loss_g, d_real, lr_g, collapse_score, ...;
/// true/false as 1/0), and each sample grid as an image tagged "samples". It only listens to the trainer's hooks
/// (<see cref="GanTrainer.MetricsRowWritten"/>, <see cref="GanTrainer.SampleWritten"/>), which fire on rank 0, and
/// opens its file at the first of them, so other ranks leave nothing behind. TorchSharp's SummaryWriter writes the
/// records (TFRecord framing with masked CRC-32C, Event/Summary protobufs), one file per process
/// (events.out.tfevents.TICKS.HOST.PID.1), appended as it goes, so a killed process loses nothing written.
/// </summary>
public sealed class TensorBoardSink(string directory) : IDisposable
{
    /// <summary>The tag of sample grids.</summary>
    public const string SamplesTag = "samples";

    // Identifiers and wall-clock time are not curves.
    static readonly HashSet<string> NotScalars = ["step", "time", "epoch"];

    readonly Lock _lock = new();
    SummaryWriter? _writer;

    public string Directory { get; } = directory;

    /// <summary>Listens to <paramref name="trainer"/>'s rows and samples (call once per trainer; the sink outlives worlds).</summary>
    public void Attach(GanTrainer trainer)
    {
        trainer.MetricsRowWritten += row => WriteRow(RunJson.Row(row)); // the row as metrics.jsonl has it
        trainer.SampleWritten += WriteSample;
    }

    public void WriteRow(JsonObject row)
    {
        if (row["step"] is not JsonValue stepValue || !stepValue.TryGetValue(out long step)) return;
        lock (_lock)
        {
            var writer = Writer();
            foreach (var (key, value) in row)
                if (!NotScalars.Contains(key) && Scalar(value) is { } x)
                    writer.add_scalar(key, x, Step(step));
        }
    }

    public void WriteSample(long step, string pngFile)
    {
        lock (_lock) Writer().add_img(SamplesTag, pngFile, Step(step));
    }

    static float? Scalar(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        return v.GetValueKind() switch
        {
            // Rows hold ints, longs and doubles alike: read the number from its JSON text.
            JsonValueKind.Number => (float)double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
            JsonValueKind.True => 1f,
            JsonValueKind.False => 0f,
            _ => null, // null (a non-finite statistic), strings such as phase
        };
    }

    // SummaryWriter takes an int step; runs beyond 2^31 steps are not a concern of TensorBoard users.
    static int Step(long step) => (int)Math.Min(step, int.MaxValue);

    SummaryWriter Writer()
    {
        if (_writer != null) return _writer;
        System.IO.Directory.CreateDirectory(Directory);
        return _writer = tensorboard.SummaryWriter(Directory, "", false);
    }

    public void Dispose()
    {
        lock (_lock) _writer = null; // every record is already on disk: SummaryWriter appends and closes per event
    }
}
