using System.Reflection;

namespace GanCluster.Cluster;

/// <summary>The software version every node reports; a coordinator refuses trainers of another build.</summary>
public static class SoftwareInfo
{
    public static string Version { get; } =
        typeof(SoftwareInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(SoftwareInfo).Assembly.GetName().Version?.ToString() ?? "unknown";
}
