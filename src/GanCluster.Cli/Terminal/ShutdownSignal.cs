using System.Runtime.InteropServices;

namespace GanCluster.Cli.Terminal;

/// <summary>
/// Ctrl-C / SIGTERM request a clean stop (finish the step, checkpoint, exit 130); a second signal kills at once.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    readonly CancellationTokenSource _cts = new();
    readonly List<PosixSignalRegistration> _registrations = [];

    public ShutdownSignal()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
    }

    public CancellationToken Token => _cts.Token;

    public bool Requested => _cts.IsCancellationRequested;

    void OnSignal(PosixSignalContext context)
    {
        if (_cts.IsCancellationRequested) return; // second signal: let the runtime terminate the process
        context.Cancel = true;
        Console.Error.WriteLine("stopping after the current step (signal again to abort)...");
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
