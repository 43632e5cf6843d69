using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests.Data;

/// <summary>
/// The folder source on real RGB photographs of different sizes and aspect ratios, PNG and JPEG: scikit-image's
/// sample images from Debian's python3-skimage (installed by `make test` through build/scripts/deps.sh).
/// </summary>
public class PhotographFolderTests
{
    const string SkimageData = "/usr/lib/python3/dist-packages/skimage/data";

    // astronaut 512x512, chelsea 451x300, coffee 600x400, motorcycle_left 741x497 (PNG); rocket 427x640,
    // hubble_deep_field 872x1000, retina 1411x1411 (JPEG).
    static readonly string[] Photographs =
        ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg", "hubble_deep_field.jpg", "retina.jpg"];

    static string PhotoFolder()
    {
        Assert.True(Directory.Exists(SkimageData), $"{SkimageData} is missing: install python3-skimage (make test does, via build/scripts/deps.sh)");
        string dir = TinySpecs.TempDir("photos-");
        foreach (var name in Photographs) File.Copy(Path.Combine(SkimageData, name), Path.Combine(dir, name));
        return dir;
    }

    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    [InlineData(1024)]
    public void Every_photograph_is_read_as_rgb_at_the_resolution(int resolution)
    {
        var source = new FolderImageSource(PhotoFolder(), resolution, 3);
        Assert.Equal(Photographs.Length, source.Count);
        Assert.Equal(0, source.ResidentBytes);
        var pixels = new float[source.PixelsPerImage];
        int plane = resolution * resolution;
        for (int i = 0; i < source.Count; i++)
        {
            source.Read(i, pixels);
            Assert.All(pixels, v => Assert.InRange(v, -1f, 1f));
            Assert.True(pixels.Max() - pixels.Min() > 0.5f, $"image {i} at {resolution} px is nearly flat");
            Assert.False(pixels.AsSpan(0, plane).SequenceEqual(pixels.AsSpan(plane, plane)), $"image {i}: red and green planes are equal (not colour)");
        }
        Assert.Equal(0, source.Skipped);
    }

    [Fact]
    public void A_photograph_read_small_matches_its_large_read_box_filtered_down()
    {
        // The same center crop at every resolution, whether the JPEG was decoded scaled (64 px) or whole (1024 px).
        var small = new FolderImageSource(PhotoFolder(), 64, 3);
        var large = new FolderImageSource(PhotoFolder(), 1024, 3);
        for (int i = 0; i < small.Count; i++)
        {
            var a = new float[small.PixelsPerImage];
            var b = new float[large.PixelsPerImage];
            small.Read(i, a);
            large.Read(i, b);
            using var big = tensor(b, [1, 3, 1024, 1024]);
            using var down = nn.functional.avg_pool2d(big, [16, 16], [16, 16]).flatten();
            using var diff = (down - tensor(a)).abs().mean();
            Assert.True(diff.item<float>() < 0.06f, $"{Photographs.Order(StringComparer.Ordinal).ElementAt(i)}: mean |64 px - 1024 px box-filtered| = {diff.item<float>()}");
        }
    }

    [Fact]
    public void A_large_jpeg_is_decoded_at_a_reduced_scale_that_still_covers_the_resolution()
    {
        string retina = Path.Combine(PhotoFolder(), "retina.jpg"); // 1411 x 1411
        using var at64 = ImageOps.DecodeAtLeast(retina, 64)!;
        Assert.InRange(Math.Min(at64.Width, at64.Height), 64, 1411 / 4);
        using var at1024 = ImageOps.DecodeAtLeast(retina, 1024)!;
        Assert.InRange(Math.Min(at1024.Width, at1024.Height), 1024, 1411);
        string astronaut = Path.Combine(PhotoFolder(), "astronaut.png"); // PNG: always whole
        using var png = ImageOps.DecodeAtLeast(astronaut, 64)!;
        Assert.Equal(512, png.Width);
    }
}
