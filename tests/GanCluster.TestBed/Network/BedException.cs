namespace GanCluster.TestBed.Network;

/// <summary>The bed could not do what it was asked (a command failed, a host did not start); the message names the command.</summary>
public sealed class BedException(string message) : Exception(message);
