using System.Globalization;
using System.Text.RegularExpressions;

namespace GanCluster.TestBed.Network;

/// <summary>
/// Names of the bed's network namespaces: <c>gcbed-PID-START-BED-NAME</c>, where PID and START (its start time in
/// clock ticks since boot, so a recycled pid is not mistaken for the owner) identify the owning process and BED
/// counts beds within it. Concurrent beds (other engineers' tests) never collide, and a sweep can tell which
/// namespaces belong to an owner that is gone.
/// </summary>
public static partial class BedNames
{
    public const string Prefix = "gcbed-";
    static int _beds;

    /// <summary>A fresh prefix for one bed of this process, e.g. "gcbed-4242-98123-1-".</summary>
    public static string NewBedPrefix() =>
        $"{Prefix}{Environment.ProcessId}-{StartTime(Environment.ProcessId)}-{Interlocked.Increment(ref _beds)}-";

    /// <summary>Whether a namespace named by <see cref="NewBedPrefix"/> belongs to a process that no longer runs.</summary>
    public static bool IsStale(string namespaceName)
    {
        var m = OwnerPattern().Match(namespaceName);
        if (!m.Success) return false; // not ours
        int pid = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return StartTime(pid) != m.Groups[2].Value;
    }

    /// <summary>The process's start time from /proc/PID/stat (field 22), or "gone".</summary>
    static string StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        }
        catch (IOException) { return "gone"; }
        catch (UnauthorizedAccessException) { return "gone"; }
    }

    /// <summary>Hostnames (and so namespace suffixes) are DNS labels: lower-case letters, digits and '-'.</summary>
    public static bool IsValidHostName(string name) => HostNamePattern().IsMatch(name);

    [GeneratedRegex(@"^gcbed-(\d+)-(\d+)-\d+-")]
    private static partial Regex OwnerPattern();

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")]
    private static partial Regex HostNamePattern();
}
