using GanCluster.Core.Checkpoints;
using GanCluster.Core.IO;
using GanCluster.Core.Spec;
using GanCluster.Core.Storage;

namespace GanCluster.Core.Runs;

/// <summary>Opening a run directory for writing: the one place that decides whether earlier files may go.</summary>
public static class RunDirectory
{
    /// <summary>
    /// Creates the folders and writes run.yaml. A fresh (not resumed) run may reuse a folder whose earlier run
    /// never committed a checkpoint (its logs and samples go); a folder with committed checkpoints is refused,
    /// before anything is written, so nothing committed is lost.
    /// </summary>
    public static void Prepare(RunLayout layout, string specYaml, bool resume, CheckpointSpec checkpoint)
    {
        layout.Create();
        if (!resume)
        {
            var committed = CheckpointStore.ForRun(layout, checkpoint).List();
            if (committed.Count > 0)
                throw new SpecException("--out", "a new run directory, or --resume to continue this one",
                    $"'{RunStorage.Remote(checkpoint)?.ToString() ?? layout.Root}' holding checkpoints up to {RunLayout.StepName(committed[0].Step)}", "input");
            RunStorage.Fence(layout, checkpoint).Clear(); // an earlier run's fence (its epochs start over)
            if (RunStorage.Remote(checkpoint) is { } remote) RunLogUpload.DeleteAll(RunStorage.LogsOf(remote)); // and its uploaded logs
            foreach (var file in new[] { layout.MetricsFile, layout.EventsFile, Path.Combine(layout.Root, WorldFence.FileName) })
                if (File.Exists(file)) File.Delete(file);
            foreach (var png in Directory.GetFiles(layout.SamplesDir, "*step-*.png")) File.Delete(png);
        }
        DurableFile.WriteAllText(layout.SpecFile, specYaml);
    }
}
