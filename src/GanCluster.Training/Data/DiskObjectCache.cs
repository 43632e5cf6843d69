using System.Security.Cryptography;
using System.Text;

namespace GanCluster.Training.Data;

/// <summary>
/// Downloaded objects kept on local disk, at most <see cref="CapacityBytes"/> of them: the least recently used are
/// deleted to make room. An object that does not fit (larger than the free room left once nothing else can go) is
/// handed out without being kept, so the folder never holds more than the bound. Safe from several threads; two
/// threads asking for the same missing object share one download. The folder is this cache's own: it is emptied
/// when the cache is disposed or the process ends.
/// </summary>
public sealed class DiskObjectCache : IDisposable
{
    readonly Lock _gate = new();
    readonly Dictionary<string, LinkedListNode<Entry>> _entries = [];
    readonly LinkedList<Entry> _recent = new(); // most recently used first
    readonly Dictionary<string, Task<byte[]?>> _loading = [];
    long _bytes;
    bool _disposed;

    sealed record Entry(string Key, string File, long Size);

    public DiskObjectCache(string folder, long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1);
        Folder = folder;
        CapacityBytes = capacityBytes;
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    public string Folder { get; }

    public long CapacityBytes { get; }

    /// <summary>Bytes of objects kept now (never more than <see cref="CapacityBytes"/>).</summary>
    public long Bytes
    {
        get { lock (_gate) return _bytes; }
    }

    /// <summary>Objects downloaded (misses), for logs and tests.</summary>
    public int Downloads { get; private set; }

    /// <summary>
    /// The bytes of <paramref name="key"/>: from the disk when kept, else from <paramref name="download"/> (null: the
    /// object is gone), then kept if it fits.
    /// </summary>
    public byte[]? Get(string key, Func<byte[]?> download)
    {
        Task<byte[]?> load;
        bool mine = false;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                if (TryReadKept(node.Value) is { } kept) return kept;
            }
            if (!_loading.TryGetValue(key, out load!))
            {
                load = new Task<byte[]?>(() => Download(key, download));
                _loading[key] = load;
                mine = true;
            }
        }
        if (mine) load.RunSynchronously();
        return load.GetAwaiter().GetResult();
    }

    /// <summary>A kept object's bytes; null (and forgotten) when its file went missing. Called under the lock, so eviction cannot race it.</summary>
    byte[]? TryReadKept(Entry entry)
    {
        try { return File.ReadAllBytes(entry.File); }
        catch (IOException)
        {
            Forget(_entries[entry.Key]);
            return null;
        }
    }

    byte[]? Download(string key, Func<byte[]?> download)
    {
        try
        {
            var bytes = download();
            lock (_gate) Downloads++;
            if (bytes != null) Keep(key, bytes);
            return bytes;
        }
        finally
        {
            lock (_gate) _loading.Remove(key);
        }
    }

    void Keep(string key, byte[] bytes)
    {
        string file = Path.Combine(Folder, FileName(key));
        lock (_gate)
        {
            if (_disposed || _entries.ContainsKey(key) || bytes.Length > CapacityBytes) return;
            while (_bytes + bytes.Length > CapacityBytes && _recent.Last is { } oldest) Forget(oldest);
            // Written under the lock: a half-written file is never read, and the bound holds at every moment.
            File.WriteAllBytes(file, bytes);
            _entries[key] = _recent.AddFirst(new Entry(key, file, bytes.Length));
            _bytes += bytes.Length;
        }
    }

    void Forget(LinkedListNode<Entry> node)
    {
        _recent.Remove(node);
        _entries.Remove(node.Value.Key);
        _bytes -= node.Value.Size;
        try { File.Delete(node.Value.File); }
        catch (IOException) { }
    }

    /// <summary>A fixed-length name for any key (keys may hold characters or lengths a file name cannot).</summary>
    static string FileName(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    void OnExit(object? sender, EventArgs e) => Dispose();

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _entries.Clear();
            _recent.Clear();
            _bytes = 0;
        }
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
