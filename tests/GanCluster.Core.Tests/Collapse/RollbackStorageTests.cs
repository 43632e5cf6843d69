using GanCluster.Core.Checkpoints;
using GanCluster.Core.Runs;

namespace GanCluster.Core.Tests.Collapse;

public class RollbackStorageTests
{
    readonly string _dir = Directory.CreateTempSubdirectory("gancluster-rollback-").FullName;

    [Fact]
    public void Rewinding_a_jsonl_file_archives_the_dropped_lines_and_keeps_writing()
    {
        string path = Path.Combine(_dir, "metrics.jsonl");
        string archive = Path.Combine(_dir, "rollbacks", "1", "metrics.jsonl");
        using (var w = new JsonlWriter(path))
        {
            for (int s = 1; s <= 5; s++) w.Write(new() { ["step"] = s });
            Assert.Equal(3, w.Rewind(2, archive));
            w.Write(new() { ["step"] = 3 });
        }
        Assert.Equal([1L, 2L, 3L], JsonlWriter.ReadAll(path).Select(o => o["step"]!.GetValue<long>()));
        Assert.Equal([3L, 4L, 5L], JsonlWriter.ReadAll(archive).Select(o => o["step"]!.GetValue<long>()));
    }

    [Fact]
    public void Dropping_checkpoints_after_a_step_leaves_the_older_ones_valid()
    {
        var store = new CheckpointStore(Path.Combine(_dir, "checkpoints"), keep: 10, CheckpointContents.Any);
        foreach (long s in new long[] { 2, 4, 6, 8 })
            store.Commit(s, "hash", new Dictionary<string, byte[]> { ["w.bin"] = [1, 2, (byte)s] });
        Assert.Equal([6L, 8L], store.DropAfter(4).Order());
        Assert.Equal([4L, 2L], store.List().Select(c => c.Step));
        Assert.Equal(4, store.FindNewestValid()!.Value.Step);
        Assert.Empty(Directory.GetDirectories(store.Dir, ".staging-*"));
    }
}
