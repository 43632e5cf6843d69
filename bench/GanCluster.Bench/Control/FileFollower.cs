namespace GanCluster.Bench.Control;

/// <summary>Reads the complete lines a running process appended to a file since the last call (a half-written last line waits).</summary>
internal sealed class FileFollower(string path)
{
    long _offset;
    string _partial = "";

    public IReadOnlyList<string> NewLines()
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length <= _offset) return [];
        stream.Seek(_offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        string text = _partial + reader.ReadToEnd();
        _offset = stream.Length;
        int last = text.LastIndexOf('\n');
        _partial = last < 0 ? text : text[(last + 1)..];
        return last < 0 ? [] : text[..last].Split('\n');
    }
}
