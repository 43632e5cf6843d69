namespace GanCluster.Kubernetes.Tests;

/// <summary>A temporary folder, empty or a copy of a source folder, deleted on Dispose.</summary>
public sealed class TempCopy : IDisposable
{
    public TempCopy(string? source)
    {
        Dir = Directory.CreateTempSubdirectory("gancluster-k8s-").FullName;
        if (source == null) return;
        foreach (var dir in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(Dir, Path.GetRelativePath(source, dir)));
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(Dir, Path.GetRelativePath(source, file)));
    }

    public string Dir { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
