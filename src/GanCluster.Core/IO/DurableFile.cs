using System.Runtime.InteropServices;

namespace GanCluster.Core.IO;

/// <summary>Crash-safe file writes: temp file, fsync, rename, fsync of the folder.</summary>
public static partial class DurableFile
{
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        // Unique per writer: on a shared volume every pod is PID 1, and two writers must never share a temp file.
        string tmp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp); // no litter next to the file (a no-op when the temp file was never created)
            throw;
        }
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>fsync a folder so that a rename inside it survives a power loss (no-op off Linux/macOS).</summary>
    public static void SyncDirectory(string dir)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = Open(dir, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { _ = Fsync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
