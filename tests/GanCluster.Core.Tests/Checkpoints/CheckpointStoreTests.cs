using GanCluster.Core.Checkpoints;

namespace GanCluster.Core.Tests.Checkpoints;

public class CheckpointStoreTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("ckpt-").FullName;

    static Dictionary<string, byte[]> Files(byte fill) => new() { ["a.bin"] = [fill, fill, 1], ["b.json"] = "{}"u8.ToArray() };

    [Fact]
    public void A_commit_verifies_and_lists_its_files_with_checksums()
    {
        var store = new CheckpointStore(_dir, 3, CheckpointContents.Any);
        string path = store.Commit(10, "hash", Files(1));
        Assert.Null(CheckpointStore.Verify(path, out var manifest, CheckpointContents.Any));
        Assert.Equal(10, manifest!.Step);
        Assert.Equal(["a.bin", "b.json"], manifest.Files.Select(f => f.Name));
        Assert.Equal(64, manifest.Files[0].Sha256.Length);
        Assert.Empty(Directory.GetDirectories(_dir, ".staging-*"));
    }

    [Fact]
    public void Only_the_newest_k_are_kept()
    {
        var store = new CheckpointStore(_dir, 2, CheckpointContents.Any);
        foreach (var step in new long[] { 5, 10, 15, 20 }) store.Commit(step, "h", Files((byte)step));
        Assert.Equal([20L, 15L], store.List().Select(c => c.Step));
    }

    [Fact]
    public void A_corrupted_newest_checkpoint_is_skipped_with_a_warning()
    {
        var store = new CheckpointStore(_dir, 5, CheckpointContents.Any);
        store.Commit(10, "h", Files(1));
        string newest = store.Commit(20, "h", Files(2));
        var bytes = File.ReadAllBytes(Path.Combine(newest, "a.bin"));
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(newest, "a.bin"), bytes);
        var warnings = new List<string>();
        var found = store.FindNewestValid(warnings.Add);
        Assert.Equal(10, found!.Value.Step);
        Assert.Contains("step-000020", Assert.Single(warnings));
        Assert.Contains("checksum", warnings[0]);
    }

    [Fact]
    public void A_checkpoint_without_manifest_is_incomplete()
    {
        var store = new CheckpointStore(_dir, 5, CheckpointContents.Any);
        store.Commit(10, "h", Files(1));
        Directory.CreateDirectory(Path.Combine(_dir, "step-000030"));
        File.WriteAllBytes(Path.Combine(_dir, "step-000030", "a.bin"), [1]);
        var warnings = new List<string>();
        Assert.Equal(10, store.FindNewestValid(warnings.Add)!.Value.Step);
        Assert.Contains("incomplete", Assert.Single(warnings));
    }

    [Fact]
    public void A_truncated_file_is_detected_by_size()
    {
        var store = new CheckpointStore(_dir, 5, CheckpointContents.Any);
        string path = store.Commit(10, "h", Files(1));
        File.WriteAllBytes(Path.Combine(path, "a.bin"), [1]);
        Assert.Contains("bytes", CheckpointStore.Verify(path, out _, CheckpointContents.Any));
    }

    [Fact]
    public void Recommitting_a_step_replaces_it()
    {
        var store = new CheckpointStore(_dir, 5, CheckpointContents.Any);
        store.Commit(10, "h", Files(1));
        string path = store.Commit(10, "h", Files(9));
        Assert.Equal(9, File.ReadAllBytes(Path.Combine(path, "a.bin"))[0]);
        Assert.Single(store.List());
    }
}
