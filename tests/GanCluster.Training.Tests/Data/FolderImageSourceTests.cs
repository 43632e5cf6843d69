using GanCluster.Core.Data;
using GanCluster.Training.Data;
using SkiaSharp;

namespace GanCluster.Training.Tests.Data;

public class FolderImageSourceTests
{
    readonly string _dir = TinySpecs.TempDir("folder-");

    static void WritePng(string path, int w, int h, SKColor color)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bmp = new SKBitmap(w, h);
        bmp.Erase(color);
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void Images_are_found_recursively_resized_and_normalised()
    {
        WritePng(Path.Combine(_dir, "a.png"), 40, 20, SKColors.White);
        WritePng(Path.Combine(_dir, "sub", "b.png"), 10, 30, SKColors.Red);
        var rgb = new FolderImageSource(_dir, 8, 3);
        Assert.Equal(2, rgb.Count);
        var pixels = new float[rgb.PixelsPerImage];
        rgb.Read(1, pixels); // sorted: a.png, sub/b.png
        Assert.Equal(1f, pixels[0], 2);                 // red channel
        Assert.Equal(-1f, pixels[64], 2);               // green channel
        var gray = new FolderImageSource(_dir, 8, 1);
        var g = new float[gray.PixelsPerImage];
        gray.Read(0, g);
        Assert.All(g, v => Assert.Equal(1f, v, 2));     // white
    }

    [Fact]
    public void Corrupt_files_are_skipped_and_counted()
    {
        WritePng(Path.Combine(_dir, "good.png"), 8, 8, SKColors.Gray);
        File.WriteAllBytes(Path.Combine(_dir, "garbage.png"), [1, 2, 3, 4, 5]);
        var truncated = File.ReadAllBytes(Path.Combine(_dir, "good.png"));
        File.WriteAllBytes(Path.Combine(_dir, "half.png"), truncated[..(truncated.Length / 2)]);
        var source = new FolderImageSource(_dir, 8, 1);
        var pixels = new float[source.PixelsPerImage];
        for (int i = 0; i < source.Count; i++) source.Read(i, pixels); // every read yields an image
        Assert.True(source.Skipped >= 1, "garbage.png must be skipped");
        Assert.Contains(source.Warnings, w => w.Contains("garbage.png"));
    }

    [Fact]
    public void An_empty_or_missing_folder_is_a_clear_error()
    {
        var empty = Assert.Throws<DataException>(() => new FolderImageSource(_dir, 8, 1));
        Assert.Contains("found none", empty.Message);
        var missing = Assert.Throws<DataException>(() => new FolderImageSource(Path.Combine(_dir, "nope"), 8, 1));
        Assert.Contains("no folder", missing.Message);
    }
}
