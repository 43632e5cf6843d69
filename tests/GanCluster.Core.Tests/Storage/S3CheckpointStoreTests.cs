using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;
using GanCluster.Testing;
using S3Location = GanCluster.Core.Storage.S3Location;

namespace GanCluster.Core.Tests.Storage;

/// <summary>
/// The checkpoint store on a real S3-compatible server (s3rver, started here on 127.0.0.1): the same commit, listing,
/// keep-last-K, verification and fallback as on disk, through the same <see cref="CheckpointStore"/>.
/// </summary>
[Collection(S3CollectionDefinition.Name)]
public sealed class S3CheckpointStoreTests : IDisposable
{
    readonly S3TestServer _server = S3TestServer.Start();
    readonly IDisposable _env;

    public S3CheckpointStoreTests() => _env = _server.UseInProcess();

    public void Dispose()
    {
        _env.Dispose();
        _server.Dispose();
    }

    static CheckpointStore Store(string prefix, int keep) =>
        new(new S3CheckpointStorage(RunStorage.CheckpointsOf(S3Location.Parse(S3TestServer.Uri(prefix)))), keep, CheckpointContents.Any);

    static Dictionary<string, byte[]> Files(byte fill) => new()
    {
        ["a.bin"] = Enumerable.Repeat(fill, 1000).ToArray(),
        ["b.json"] = Encoding.UTF8.GetBytes($"{{\"fill\":{fill}}}"),
    };

    [Fact]
    public void Commits_are_listed_newest_first_verified_on_read_and_pruned_to_keep()
    {
        var store = Store("run1", keep: 2);
        for (int step = 10; step <= 40; step += 10) store.Commit(step, "hash", Files((byte)step));

        Assert.Equal([40L, 30L], store.List().Select(c => c.Step));
        Assert.Equal(S3TestServer.Uri("run1/checkpoints/step-000040"), store.List()[0].Path);
        var read = CheckpointStore.Read(store.List()[0].Path, CheckpointContents.Any);
        Assert.Equal(40, read.Step);
        Assert.Equal(Files(40)["a.bin"], read.Files["a.bin"]);
        // Pruned checkpoints leave no object behind; the manifest is the last object of each kept one.
        Assert.Equal(
            ["run1/checkpoints/step-000030/a.bin", "run1/checkpoints/step-000030/b.json", "run1/checkpoints/step-000030/manifest.json",
             "run1/checkpoints/step-000040/a.bin", "run1/checkpoints/step-000040/b.json", "run1/checkpoints/step-000040/manifest.json"],
            _server.Keys("run1"));
    }

    [Fact]
    public void An_upload_without_its_manifest_is_never_a_checkpoint()
    {
        var store = Store("run2", keep: 5);
        store.Commit(10, "hash", Files(1));
        // What an uploader killed before the manifest leaves behind: the files of step 20, no manifest.
        using (var write = store.Storage.Begin(20))
        {
            write.WriteFile("a.bin", Files(2)["a.bin"]);
            write.WriteFile("b.json", Files(2)["b.json"]);
            Assert.Contains("run2/checkpoints/step-000020/a.bin", _server.Keys("run2"));
            Assert.Equal([10L], store.List().Select(c => c.Step));
            Assert.Equal(10, store.FindNewestValid()?.Step);
            Assert.Equal("no manifest.json (incomplete write)", CheckpointStore.Verify(store.PathOf(20), out _, CheckpointContents.Any));
        }
        Assert.DoesNotContain("run2/checkpoints/step-000020/a.bin", _server.Keys("run2")); // an unpublished write is taken back
    }

    [Fact]
    public void A_corrupted_or_truncated_object_is_skipped_for_the_previous_checkpoint()
    {
        var store = Store("run3", keep: 5);
        store.Commit(10, "hash", Files(1));
        store.Commit(20, "hash", Files(2));
        store.Commit(30, "hash", Files(3));
        var corrupt = Files(3)["a.bin"].ToArray();
        corrupt[500] ^= 0xff;
        Put("run3/checkpoints/step-000030/a.bin", corrupt);
        Put("run3/checkpoints/step-000020/a.bin", Files(2)["a.bin"][..999]);

        var warnings = new List<string>();
        var found = store.FindNewestValid(warnings.Add);

        Assert.Equal(10, found?.Step);
        Assert.Equal(["checkpoint step-000030 skipped: a.bin fails its SHA-256 checksum",
            "checkpoint step-000020 skipped: a.bin has 999 bytes, manifest says 1000"], warnings);
    }

    [Fact]
    public void A_publication_refused_after_the_fact_is_taken_back_manifest_first()
    {
        var store = Store("run4", keep: 5);
        store.Commit(10, "hash", Files(1));
        Assert.Throws<FenceMovedException>(() => store.Commit(20, "hash", Files(2), publish: p =>
        {
            p();
            Assert.Contains("run4/checkpoints/step-000020/manifest.json", _server.Keys("run4"));
            throw new FenceMovedException(1, 2);
        }));
        Assert.Equal([10L], store.List().Select(c => c.Step));
        Assert.DoesNotContain(_server.Keys("run4"), k => k.Contains("step-000020"));
    }

    [Fact]
    public void Dropping_after_a_step_removes_the_newer_checkpoints()
    {
        var store = Store("run5", keep: 5);
        foreach (long step in new[] { 10L, 20, 30 }) store.Commit(step, "hash", Files((byte)step));
        Assert.Equal([30L, 20], store.DropAfter(10));
        Assert.Equal([10L], store.List().Select(c => c.Step));
        Assert.All(_server.Keys("run5"), k => Assert.StartsWith("run5/checkpoints/step-000010/", k));
    }

    [Fact]
    public void Wrong_credentials_are_an_input_error_naming_the_field()
    {
        using var wrong = _server.UseInProcess(accessKey: "NOT-A-KEY");
        var e = Assert.Throws<SpecException>(() => RunStorage.Accessible(S3Location.Parse(S3TestServer.Uri("other-run"))));
        var problem = Assert.Single(e.Problems);
        Assert.Equal("checkpoint.uri", problem.Path);
        Assert.Contains("403 InvalidAccessKeyId", problem.Found);
    }

    [Fact]
    public void A_missing_bucket_is_an_input_error()
    {
        var e = Assert.Throws<SpecException>(() => RunStorage.Accessible(S3Location.Parse("s3://no-such-bucket/run")));
        Assert.Contains("404 NoSuchBucket", Assert.Single(e.Problems).Found);
    }

    static void Put(string key, byte[] bytes) => S3Connection.Run(() => S3Connection.Client.PutObjectAsync(new PutObjectRequest
    {
        BucketName = S3TestServer.Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = false,
    }));
}
