using System.Runtime.InteropServices;
using GanCluster.Core.Runs;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Terminal;

/// <summary>
/// Ctrl-C (SIGINT) / SIGTERM request a clean stop: finish the step, checkpoint, exit 130 or 143 (<see cref="ExitCode"/>);
/// a second signal kills at once.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    readonly CancellationTokenSource _cts = new();
    readonly List<PosixSignalRegistration> _registrations = [];
    int _exitCode = ExitCodes.Interrupted;

    public ShutdownSignal()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
    }

    public CancellationToken Token => _cts.Token;

    public bool Requested => _cts.IsCancellationRequested;

    /// <summary>The exit code for the first signal received: 130 for SIGINT, 143 for SIGTERM (128 + the signal's number).</summary>
    public int ExitCode => Volatile.Read(ref _exitCode);

    void OnSignal(PosixSignalContext context)
    {
        if (_cts.IsCancellationRequested) return; // second signal: let the runtime terminate the process
        context.Cancel = true;
        Volatile.Write(ref _exitCode, context.Signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted);
        NodeLog.Warning("stopping after the current step (signal again to abort)...");
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
