using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json.Nodes;
using GanCluster.Core.Runs;
using SkiaSharp;

namespace GanCluster.Cli.Tests;

/// <summary>
/// TensorBoard event files, read back record by record as TensorBoard reads them: TFRecord framing (length, masked
/// CRC-32C of the length, data, masked CRC-32C of the data), each record an Event protobuf (decoded with the
/// TensorBoard message definitions TorchSharp ships). TensorBoard itself (Python) does not run here.
/// </summary>
public class TensorBoardTests
{
    readonly string _dir = TinyRun.TempDir("gancluster-tensorboard-");

    [Fact]
    public void Train_writes_every_metrics_row_as_scalars_and_every_sample_grid_as_an_image()
    {
        var r = CliProcess.Run(_dir, ["train", "--out", "run", "--set", "steps=4", .. TinyRun.Args, "--set", "tensorboard=true"]);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        string run = Path.Combine(_dir, "run");
        var events = ReadEvents(Assert.Single(Directory.GetFiles(Path.Combine(run, "tensorboard"), "events.out.tfevents.*")));
        Assert.Equal("brain.Event:2", events[0].FileVersion);

        var scalars = events.Where(e => e.Summary != null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v)))
            .Where(x => x.v.ValueCase == Tensorboard.Summary.Types.Value.ValueOneofCase.SimpleValue)
            .ToDictionary(x => (x.v.Tag, x.Step), x => x.v.SimpleValue);
        var rows = JsonlWriter.ReadAll(Path.Combine(run, "metrics.jsonl")).ToList();
        Assert.Equal(4, rows.Count);
        foreach (var row in rows)
        {
            long step = (long)row["step"]!;
            foreach (var key in new[] { "loss_d", "loss_g", "d_real", "d_fake", "lr_g", "lr_d", "images_per_s", "world_size" })
                Assert.Equal((float)(double)row[key]!, scalars[(key, step)]);
        }
        Assert.DoesNotContain(scalars.Keys, k => k.Tag is "step" or "time" or "phase");

        var images = events.Where(e => e.Summary != null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v)))
            .Where(x => x.v.ValueCase == Tensorboard.Summary.Types.Value.ValueOneofCase.Image).ToList();
        Assert.Equal([2L, 4L], images.Select(i => i.Step).Order().ToArray()); // sample_every=2
        foreach (var (step, value) in images)
        {
            Assert.Equal("samples", value.Tag);
            byte[] png = value.Image.EncodedImageString.ToByteArray();
            using var bitmap = SKBitmap.Decode(png);
            using var file = SKBitmap.Decode(Path.Combine(run, "samples", $"step-{step:D6}.png"));
            Assert.Equal((file.Width, file.Height), (bitmap.Width, bitmap.Height));
            Assert.Equal((file.Width, file.Height), (value.Image.Width, value.Image.Height));
        }
    }

    [Fact]
    public void The_crc_is_crc32c()
    {
        Assert.Equal(0xE3069283u, Crc32C("123456789"u8.ToArray())); // the check value of CRC-32C (Castagnoli)
    }

    /// <summary>Every record of a TFRecord file, its framing and checksums verified, decoded as an Event.</summary>
    static List<Tensorboard.Event> ReadEvents(string file)
    {
        byte[] bytes = File.ReadAllBytes(file);
        var events = new List<Tensorboard.Event>();
        int pos = 0;
        while (pos < bytes.Length)
        {
            Assert.True(bytes.Length - pos >= 12, "a truncated record header");
            var header = bytes.AsSpan(pos, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            Assert.Equal(Masked(Crc32C(header)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8, 4)));
            pos += 12;
            Assert.True((ulong)(bytes.Length - pos) >= length + 4, "a truncated record");
            var data = bytes.AsSpan(pos, (int)length);
            Assert.Equal(Masked(Crc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + (int)length, 4)));
            events.Add(Tensorboard.Event.Parser.ParseFrom(bytes, pos, (int)length)); // TorchSharp's generated code predates span parsing
            pos += (int)length + 4;
        }
        return events;
    }

    static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>TFRecord's masking: rotate right by 15, add a constant (so a CRC of data holding CRCs stays useful).</summary>
    static uint Masked(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}
