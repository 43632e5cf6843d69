using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;

namespace GanCluster.Core.Tests.Checkpoints;

/// <summary>
/// Checkpoints altered after their commit, as a broken disk, a careless hand or a hostile writer would leave them: the
/// manifest must list exactly the files a replica loads, every name must stay inside the folder, and the bytes
/// checked are the bytes returned (docs/security.md).
/// </summary>
public class TamperedCheckpointTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("ckpt-tamper-").FullName;

    static Dictionary<string, byte[]> Replica(byte fill) => CheckpointContents.Replica.Required
        .ToDictionary(name => name, name => new byte[] { fill, (byte)name.Length, 7 });

    static void RewriteManifest(string checkpoint, Func<JsonObject, JsonObject> edit)
    {
        string path = Path.Combine(checkpoint, CheckpointManifest.FileName);
        File.WriteAllText(path, edit(JsonNode.Parse(File.ReadAllText(path))!.AsObject()).ToJsonString());
    }

    static JsonObject Entry(string name, byte[] bytes) => new()
    {
        ["name"] = name, ["bytes"] = bytes.Length, ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)),
    };

    [Fact]
    public void A_manifest_that_lists_no_files_does_not_make_a_checkpoint_valid()
    {
        var store = new CheckpointStore(_dir, 5);
        store.Commit(10, "h", Replica(1));
        string newest = store.Commit(20, "h", Replica(2));
        RewriteManifest(newest, m => { m["files"] = new JsonArray(); return m; });
        File.WriteAllBytes(Path.Combine(newest, SnapshotFiles.Generator), [0xFF]); // and a weight file changed behind its back

        Assert.Contains("does not list", CheckpointStore.Verify(newest, out _));
        var warnings = new List<string>();
        Assert.Equal(10, store.FindNewestValid(warnings.Add)!.Value.Step);
        Assert.Contains("step-000020", Assert.Single(warnings));
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("/tmp/outside.bin")]
    [InlineData("sub/generator.bin")]
    [InlineData("..")]
    [InlineData("manifest.json")]
    public void A_manifest_name_outside_the_folder_is_refused(string name)
    {
        var store = new CheckpointStore(_dir, 5, CheckpointContents.Any);
        string checkpoint = store.Commit(10, "h", new Dictionary<string, byte[]> { ["a.bin"] = [1, 2] });
        byte[] outside = [9, 9, 9];
        File.WriteAllBytes(Path.Combine(_dir, "outside.bin"), outside); // it exists, and its checksum matches
        RewriteManifest(checkpoint, m => { m["files"]!.AsArray().Add(Entry(name, outside)); return m; });

        Assert.Contains("not a plain file name", CheckpointStore.Verify(checkpoint, out _, CheckpointContents.Any));
    }

    [Fact]
    public void A_name_a_replica_does_not_hold_and_a_name_listed_twice_are_refused()
    {
        var store = new CheckpointStore(_dir, 5);
        string checkpoint = store.Commit(10, "h", Replica(1));
        byte[] extra = [4];
        File.WriteAllBytes(Path.Combine(checkpoint, "extra.bin"), extra);
        RewriteManifest(checkpoint, m => { m["files"]!.AsArray().Add(Entry("extra.bin", extra)); return m; });
        Assert.Contains("not a file a checkpoint holds", CheckpointStore.Verify(checkpoint, out _));

        string other = store.Commit(20, "h", Replica(2));
        var g = File.ReadAllBytes(Path.Combine(other, SnapshotFiles.Generator));
        RewriteManifest(other, m => { m["files"]!.AsArray().Add(Entry(SnapshotFiles.Generator, g)); return m; });
        Assert.Contains("twice", CheckpointStore.Verify(other, out _));
    }

    [Fact]
    public void A_file_replaced_by_a_symbolic_link_is_refused_even_with_a_matching_checksum()
    {
        var store = new CheckpointStore(_dir, 5);
        string checkpoint = store.Commit(10, "h", Replica(1));
        string generator = Path.Combine(checkpoint, SnapshotFiles.Generator);
        string elsewhere = Path.Combine(_dir, "elsewhere.bin");
        File.Move(generator, elsewhere);
        File.CreateSymbolicLink(generator, elsewhere);
        Assert.Contains("symbolic link", CheckpointStore.Verify(checkpoint, out _));
    }

    [Fact]
    public void A_manifest_for_another_step_is_refused()
    {
        var store = new CheckpointStore(_dir, 5);
        string checkpoint = store.Commit(10, "h", Replica(1));
        RewriteManifest(checkpoint, m => { m["step"] = 99; return m; });
        Assert.Contains("step 99", CheckpointStore.Verify(checkpoint, out _));
    }

    [Fact]
    public void The_bytes_returned_are_the_bytes_checked()
    {
        var store = new CheckpointStore(_dir, 5);
        string checkpoint = store.Commit(10, "h", Replica(1));
        var read = CheckpointStore.Read(checkpoint);
        File.WriteAllBytes(Path.Combine(checkpoint, SnapshotFiles.Generator), [0, 0, 0]); // changed after the read
        Assert.Equal(Replica(1)[SnapshotFiles.Generator], read.Files[SnapshotFiles.Generator]);
        Assert.Equal(CheckpointContents.Replica.Required.Order(), read.Files.Keys.Order());
    }

    [Fact]
    public void A_checkpoint_that_reads_but_does_not_load_is_skipped_for_the_previous_one()
    {
        var store = new CheckpointStore(_dir, 5);
        store.Commit(10, "h", Replica(1));
        store.Commit(20, "h", Replica(2));
        var warnings = new List<string>();
        var found = store.FindNewestLoadable(c => c.Step == 20 ? throw new EndOfStreamException("truncated tensor") : c.Step, warnings.Add);
        Assert.Equal(10, found!.Value.Loaded);
        Assert.Contains("does not load", Assert.Single(warnings));
        // A user error is not the checkpoint's fault: it is not skipped.
        Assert.Throws<GanCluster.Core.Spec.SpecException>(() =>
            store.FindNewestLoadable<long>(_ => throw new GanCluster.Core.Spec.SpecException("optim.lr_g", "0.001", "0.002")));
    }
}
