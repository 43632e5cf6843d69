namespace GanCluster.Training.Memory;

/// <summary>The memory this process may use: the machine's, or its container's limit (cgroup), as the .NET runtime sees it.</summary>
public static class MachineMemory
{
    public static long LimitBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>MemAvailable from /proc/meminfo (free now, counting reclaimable caches); null where there is none.</summary>
    public static long? AvailableBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
