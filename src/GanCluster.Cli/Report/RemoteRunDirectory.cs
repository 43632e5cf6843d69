using GanCluster.Core.Spec;
using GanCluster.Core.Storage;

namespace GanCluster.Cli.Report;

/// <summary>
/// `gancluster report s3://bucket/prefix`: the run directory rebuilt from the logs a run uploaded beside its
/// checkpoints (PREFIX/run/: metrics.jsonl, events.jsonl, run.yaml, samples/), in a temporary folder removed on
/// dispose. Wrong credentials, an unreachable endpoint or a prefix without uploaded logs are one line and exit 2.
/// </summary>
public sealed class RemoteRunDirectory : IDisposable
{
    const string Field = "RUN_DIR";

    RemoteRunDirectory(string uri, string folder) => (Uri, Folder) = (uri, folder);

    /// <summary>The run's s3:// prefix, as the report names it.</summary>
    public string Uri { get; }

    /// <summary>The local copy: a run directory.</summary>
    public string Folder { get; }

    public static RemoteRunDirectory Download(string uri)
    {
        var run = S3Location.TryParse(uri, out string? problem)
            ?? throw new SpecException(Field, problem!, $"'{uri}'", RunHistory.Source);
        var logs = RunStorage.LogsOf(RunStorage.Accessible(run, Field));
        string folder = Directory.CreateTempSubdirectory("gancluster-report-").FullName;
        var remote = new RemoteRunDirectory(run.ToString(), folder);
        try
        {
            if (RunLogDownload.To(logs, folder) == 0 || !File.Exists(Path.Combine(folder, RunLogNames.Metrics)))
                throw new SpecException(Field, $"an s3:// run prefix whose logs were uploaded ({logs}/{RunLogNames.Metrics})", $"'{run}' (no run logs there)", RunHistory.Source);
            return remote;
        }
        catch
        {
            remote.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
