namespace GanCluster.Core.Data;

/// <summary>The dataset cannot be used (missing, empty, wrong format). A user error: exit code 2.</summary>
public sealed class DataException(string message) : Exception(message);
