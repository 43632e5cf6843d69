using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Parallel;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;
using GanCluster.Training.Distributed;

namespace GanCluster.Training.Tests.Checkpointing;

/// <summary>
/// Resuming from checkpoints altered after their commit (docs/security.md): each case falls back to the previous
/// checkpoint with a warning and a checkpoint_skipped event, and the run still ends bit-identical to an untouched one.
/// Plus the world fence seen from rank 0, and state received from a peer.
/// </summary>
public class TamperedCheckpointResumeTests
{
    static RunSpec Spec => TinySpecs.Dcgan("steps=6", "checkpoint.every=3");

    static string Train(string runDir, bool resume = false, List<string>? log = null)
    {
        using var trainer = new GanTrainer(new TrainerOptions { Spec = Spec, RunDir = runDir, Resume = resume, Log = log == null ? null : log.Add });
        trainer.Run();
        return trainer.Snapshot().Hash();
    }

    /// <summary>A finished 6-step run (checkpoints at 3 and 6) and its final replica hash.</summary>
    static (string Dir, string Hash) Finished()
    {
        string dir = TinySpecs.TempDir("tamper-");
        return (dir, Train(dir));
    }

    static string Newest(string dir) => Path.Combine(dir, "checkpoints", "step-000006");

    static void RewriteManifest(string checkpoint, Action<JsonObject> edit)
    {
        string path = Path.Combine(checkpoint, CheckpointManifest.FileName);
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    /// <summary>Replaces a file and updates its manifest entry to match: the checksums alone cannot catch it.</summary>
    static void ReplaceConsistently(string checkpoint, string name, byte[] bytes)
    {
        File.WriteAllBytes(Path.Combine(checkpoint, name), bytes);
        RewriteManifest(checkpoint, m =>
        {
            var entry = m["files"]!.AsArray().Single(f => (string)f!["name"]! == name)!.AsObject();
            entry["bytes"] = bytes.Length;
            entry["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        });
    }

    static void AssertResumedFromTheOlderCheckpoint(string dir, string whole, string reason)
    {
        var log = new List<string>();
        string resumed = Train(dir, resume: true, log);
        Assert.Contains(log, l => l.Contains("step-000006 skipped") && l.Contains(reason));
        Assert.Contains(log, l => l.Contains("resuming from") && l.Contains("step-000003"));
        Assert.Equal(whole, resumed);
        var skipped = JsonlWriter.ReadAll(Path.Combine(dir, "events.jsonl")).Where(e => (string)e["kind"]! == EventKind.CheckpointSkipped).ToList();
        Assert.Contains(skipped, e => ((string)e["details"]!["warning"]!).Contains("step-000006"));
    }

    [Fact]
    public void A_manifest_that_lists_no_files_with_a_flipped_weight_byte_is_skipped()
    {
        var (dir, whole) = Finished();
        RewriteManifest(Newest(dir), m => m["files"] = new JsonArray());
        string generator = Path.Combine(Newest(dir), TrainerSnapshot.Generator);
        var bytes = File.ReadAllBytes(generator);
        bytes[^1] ^= 0x55;
        File.WriteAllBytes(generator, bytes);
        AssertResumedFromTheOlderCheckpoint(dir, whole, "does not list");
    }

    [Fact]
    public void A_checkpoint_whose_state_does_not_parse_is_skipped_instead_of_ending_the_resume()
    {
        var (dir, whole) = Finished();
        ReplaceConsistently(Newest(dir), TrainerSnapshot.State, "{ not json"u8.ToArray());
        AssertResumedFromTheOlderCheckpoint(dir, whole, "does not load");
    }

    [Fact]
    public void A_checkpoint_whose_weights_do_not_load_is_skipped_instead_of_ending_the_resume()
    {
        var (dir, whole) = Finished();
        var d = File.ReadAllBytes(Path.Combine(Newest(dir), TrainerSnapshot.Discriminator));
        ReplaceConsistently(Newest(dir), TrainerSnapshot.Discriminator, d[..(d.Length / 2)]); // the generator loads first, then this fails
        AssertResumedFromTheOlderCheckpoint(dir, whole, "does not load");
    }

    [Fact]
    public async Task Each_file_is_read_once_so_the_checked_bytes_are_the_loaded_bytes()
    {
        // generator.bin becomes a pipe that delivers its bytes exactly once: a loader that checks the file and then
        // opens it again to load it waits forever on the second open (and could have loaded other bytes).
        var (dir, whole) = Finished();
        string generator = Path.Combine(Newest(dir), TrainerSnapshot.Generator);
        var bytes = File.ReadAllBytes(generator);
        File.Delete(generator);
        using (var mkfifo = Process.Start("mkfifo", generator)) mkfifo.WaitForExit();
        var feeder = Task.Run(() => File.WriteAllBytes(generator, bytes)); // blocks until a reader opens the pipe
        try
        {
            var resume = Task.Factory.StartNew(() => Train(dir, resume: true), TaskCreationOptions.LongRunning);
            string resumed = await resume.WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(whole, resumed);
            await feeder.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!feeder.IsCompleted) { using var unblock = File.OpenRead(generator); } // let the feeder finish
        }
    }

    [Fact]
    public void A_restore_that_fails_halfway_leaves_the_replica_as_it_was()
    {
        var (dir, _) = Finished();
        using var trainer = new GanTrainer(new TrainerOptions { Spec = Spec, RunDir = TinySpecs.TempDir("tamper-target-") });
        string before = trainer.Snapshot().Hash();
        var files = TrainerSnapshot.ReadFrom(Path.Combine(dir, "checkpoints", "step-000003")).Files.ToDictionary();
        files[TrainerSnapshot.Discriminator] = files[TrainerSnapshot.Discriminator][..100]; // the generator would load, this not
        Assert.ThrowsAny<Exception>(() => trainer.Restore(new TrainerSnapshot(files)));
        Assert.Equal(before, trainer.Snapshot().Hash());
    }

    [Fact]
    public void State_from_a_peer_is_parsed_defensively_and_must_be_the_state_the_world_names()
    {
        var (dir, _) = Finished();
        var snapshot = TrainerSnapshot.ReadFrom(Newest(dir));
        byte[] good = snapshot.ToBytes();
        Assert.Equal(snapshot.Hash(), TrainerSnapshot.FromTransfer(good, snapshot.Hash()).Hash());
        Assert.Throws<InvalidDataException>(() => TrainerSnapshot.FromTransfer(good, new string('0', 64))); // another state

        byte[] negative = (byte[])good.Clone();
        int firstLength = 4 + 1 + System.Text.Encoding.UTF8.GetByteCount(snapshot.Files.Keys.Order(StringComparer.Ordinal).First());
        BitConverter.TryWriteBytes(negative.AsSpan(firstLength), -5); // a length that would have thrown ArgumentOutOfRange
        Assert.Throws<InvalidDataException>(() => TrainerSnapshot.FromBytes(negative));
        Assert.Throws<InvalidDataException>(() => TrainerSnapshot.FromBytes(good[..(good.Length - 10)]));
        Assert.Throws<InvalidDataException>(() => TrainerSnapshot.FromBytes([.. good, 0]));

        var renamed = snapshot.Files.ToDictionary();
        renamed["../../state.json"] = renamed[TrainerSnapshot.State];
        Assert.Throws<InvalidDataException>(() => TrainerSnapshot.FromBytes(new TrainerSnapshot(renamed).ToBytes()));
    }

    [Fact]
    public void Rank_0_of_a_world_writes_nothing_while_the_fence_file_holds_garbage()
    {
        string dir = TinySpecs.TempDir("fence-");
        using var trainer = new GanTrainer(new TrainerOptions { Spec = Spec, RunDir = dir, Mode = new RunMode.ClusterRank(new RecordingEventSink()) });
        trainer.BindWorld(SingleProcessCollective.Instance, epoch: 5);
        File.WriteAllText(Path.Combine(dir, WorldFence.FileName), "garbage"); // used to read as epoch 0: open
        Assert.Throws<WorldFencedException>(() => trainer.Run());
        Assert.Empty(JsonlWriter.ReadAll(new RunLayout(dir).MetricsFile));
        Assert.False(Directory.Exists(new RunLayout(dir).CheckpointsDir) && Directory.GetDirectories(new RunLayout(dir).CheckpointsDir, "step-*").Length > 0);
    }

    [Fact]
    public void A_background_commit_is_checked_against_the_fence_again_when_it_is_published()
    {
        string dir = TinySpecs.TempDir("fence-commit-");
        var (source, _) = Finished();
        var snapshot = TrainerSnapshot.ReadFrom(Newest(source));
        var store = new CheckpointStore(Path.Combine(dir, "checkpoints"), 5);
        var events = new RecordingEventSink();
        var writer = new CheckpointWriter(store, events, FenceGuard.For(dir, epoch: 3));
        WorldFence.Raise(dir, 4); // the coordinator fenced world 3 off while its rank 0 was writing
        writer.Submit(9, "spec", snapshot);
        Assert.Throws<WorldFencedException>(() => writer.Flush());
        Assert.Empty(store.List());
        Assert.Empty(Directory.GetDirectories(store.Dir)); // the staged files are gone too
        Assert.Empty(events.Kinds);
        writer.Dispose();
    }
}
