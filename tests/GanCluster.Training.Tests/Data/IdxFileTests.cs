using System.IO.Compression;
using GanCluster.Core.Data;
using GanCluster.Training.Data;

namespace GanCluster.Training.Tests.Data;

public class IdxFileTests
{
    readonly string _dir = TinySpecs.TempDir("idx-");

    static byte[] Idx(int count, int rows, int cols, Func<int, byte> pixel)
    {
        var bytes = new List<byte> { 0, 0, 0x08, 3 };
        foreach (var d in new[] { count, rows, cols }) bytes.AddRange(BitConverter.GetBytes(d).Reverse());
        for (int i = 0; i < count * rows * cols; i++) bytes.Add(pixel(i));
        return bytes.ToArray();
    }

    [Fact]
    public void Raw_and_gzipped_files_read_the_same()
    {
        var raw = Idx(3, 4, 5, i => (byte)i);
        File.WriteAllBytes(Path.Combine(_dir, "a.idx"), raw);
        using (var gz = new GZipStream(File.Create(Path.Combine(_dir, "a.idx.gz")), CompressionLevel.Fastest)) gz.Write(raw);
        var a = IdxFile.Read(Path.Combine(_dir, "a.idx"));
        var b = IdxFile.Read(Path.Combine(_dir, "a.idx.gz"));
        Assert.Equal(new[] { 3, 4, 5 }, a.Dimensions);
        Assert.Equal(a.Data, b.Data);
        Assert.Equal(59, a.Data[59]);
    }

    [Fact]
    public void The_embedded_mnist_has_10000_labelled_digits_scaled_to_the_run()
    {
        var source = ImageSources.OpenIdx(ImageSources.EmbeddedPath(ImageSources.EmbeddedImagesFile), 32, 1, null,
            ImageSources.EmbeddedPath(ImageSources.EmbeddedLabelsFile));
        Assert.Equal(10_000, source.Count);
        Assert.Equal(10_000, source.Labels!.Length);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), source.Labels.Distinct().Order());
        var pixels = new float[source.PixelsPerImage];
        source.Read(0, pixels);
        Assert.Equal(-1f, pixels.Min(), 3); // black background
        Assert.True(pixels.Max() > 0.9f, "a digit has bright strokes");
    }

    [Fact]
    public void A_truncated_file_is_a_clear_error()
    {
        File.WriteAllBytes(Path.Combine(_dir, "t.idx"), Idx(3, 4, 5, _ => 1)[..30]);
        var e = Assert.Throws<DataException>(() => IdxFile.Read(Path.Combine(_dir, "t.idx")));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_wrong_magic_is_a_clear_error()
    {
        File.WriteAllBytes(Path.Combine(_dir, "m.idx"), [1, 2, 3, 4, 5, 6, 7, 8]);
        var e = Assert.Throws<DataException>(() => IdxFile.Read(Path.Combine(_dir, "m.idx")));
        Assert.Contains("magic", e.Message);
    }

    [Fact]
    public void A_label_file_is_not_an_image_set()
    {
        var labels = new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 5, 6 };
        File.WriteAllBytes(Path.Combine(_dir, "l.idx"), labels);
        var e = Assert.Throws<DataException>(() => ImageSources.OpenIdx(Path.Combine(_dir, "l.idx"), 8, 1, null, null));
        Assert.Contains("3 dimensions", e.Message);
    }
}
