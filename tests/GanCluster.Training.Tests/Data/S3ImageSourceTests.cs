using PutObjectRequest = Amazon.S3.Model.PutObjectRequest;
using GanCluster.Core.Storage;
using GanCluster.Testing;
using GanCluster.Training.Data;

namespace GanCluster.Training.Tests.Data;

/// <summary>
/// <see cref="S3ImageSource"/> against a real S3-compatible server (s3rver, started here): objects are downloaded only
/// when read, and its local cache never holds more than its bound, even when the dataset is larger.
/// </summary>
public sealed class S3ImageSourceTests : IDisposable
{
    const int Images = 24;

    readonly string _cacheDir = Path.Combine(Directory.CreateTempSubdirectory("gancluster-s3-cache-").FullName, "cache");
    readonly S3TestServer _server = S3TestServer.Start(logRequests: true);

    public void Dispose()
    {
        _server.Dispose();
        try { Directory.Delete(Path.GetDirectoryName(_cacheDir)!, recursive: true); } catch (IOException) { }
    }

    /// <summary>Uploads <see cref="Images"/> noise PNGs of 40x40 (no two alike) under set/; returns the largest object's size.</summary>
    long UploadImages()
    {
        using var client = S3Connection.Create(name => _server.Environment().GetValueOrDefault(name));
        var rng = new Random(7);
        long largest = 0;
        for (int i = 0; i < Images; i++)
        {
            var chw = new byte[3 * 40 * 40];
            rng.NextBytes(chw);
            byte[] png = ImageOps.EncodePng(chw, 3, 40, 40);
            largest = Math.Max(largest, png.Length);
            S3Connection.Run(() => client.PutObjectAsync(new PutObjectRequest
                { BucketName = S3TestServer.Bucket, Key = $"set/img-{i:D2}.png", InputStream = new MemoryStream(png), UseChunkEncoding = false }));
        }
        return largest;
    }

    long FolderBytes() => Directory.EnumerateFiles(_cacheDir).Sum(f => new FileInfo(f).Length);

    [Fact]
    public void The_cache_stays_within_its_bound_when_the_dataset_is_larger()
    {
        long capacity = 5 * UploadImages(); // room for about 5 of the 24 images
        using var env = _server.UseInProcess();
        using var source = new S3ImageSource(S3Location.Parse(S3TestServer.Uri("set")), 16, 1, null, new DiskObjectCache(_cacheDir, capacity));
        Assert.Equal(Images, source.Count);
        Assert.Empty(_server.ObjectGets("set")); // listed, nothing downloaded yet

        var first = new byte[Images][];
        for (int i = 0; i < Images; i++)
        {
            first[i] = source.ReadBytes(i).ToArray();
            Assert.True(FolderBytes() <= capacity, $"after image {i}: {FolderBytes()} bytes cached, bound {capacity}");
            Assert.True(source.Cache.Bytes <= capacity);
        }
        Assert.Equal(Images, _server.ObjectGets("set").Count);
        Assert.InRange(Directory.GetFiles(_cacheDir).Length, 1, 5);

        // The newest are kept: reading them again downloads nothing.
        Assert.Equal(first[Images - 1], source.ReadBytes(Images - 1).ToArray());
        Assert.Equal(Images, _server.ObjectGets("set").Count);

        // The evicted ones come back from the bucket (several readers at once, as the batch loader's workers read).
        Parallel.For(0, Images, new ParallelOptions { MaxDegreeOfParallelism = 3 }, i => Assert.Equal(first[i], source.ReadBytes(i).ToArray()));
        Assert.True(FolderBytes() <= capacity, $"{FolderBytes()} bytes cached, bound {capacity}");
        Assert.True(_server.ObjectGets("set").Count > Images);
        Assert.Equal(_server.ObjectGets("set").Count, source.Cache.Downloads);

        source.Dispose();
        Assert.False(Directory.Exists(_cacheDir)); // the process's cache goes with the source
    }

    [Fact]
    public void A_prefix_is_a_folder_not_the_start_of_a_name()
    {
        UploadImages();
        using var env = _server.UseInProcess();
        var e = Assert.Throws<GanCluster.Core.Data.DataException>(() =>
            new S3ImageSource(S3Location.Parse(S3TestServer.Uri("se")), 16, 1, null, new DiskObjectCache(_cacheDir, 1 << 20)));
        Assert.Equal($"data.path: expected PNG/JPEG images under '{S3TestServer.Uri("se")}', found no objects", e.Message);
        Assert.False(Directory.Exists(_cacheDir));
    }
}
