namespace GanCluster.Core.Runs;

/// <summary>
/// The exit codes of every `gancluster` command: the one table behind the README's, the `--help` epilogue, the node
/// lifetimes and the `local` launcher's restart rule. Supervisors (Kubernetes, `local`) read them, so each means one
/// thing everywhere.
/// </summary>
public static class ExitCodes
{
    /// <summary>The command finished its work (a run reached its last step).</summary>
    public const int Ok = 0;

    /// <summary>A runtime failure; the message says where (GANCLUSTER_DEBUG=1 adds the stack trace).</summary>
    public const int Failure = 1;

    /// <summary>Bad input: one line per problem naming the field, what was expected and what was found.</summary>
    public const int BadInput = 2;

    /// <summary>This node was removed from the cluster (downed, fenced out, or no coordinator for too long): start it again.</summary>
    public const int RejoinRequested = 3;

    /// <summary>The collapse response stopped the run on purpose (collapse_stopped in events.jsonl): not a crash, do not retry.</summary>
    public const int CollapseStopped = 4;

    /// <summary>SIGINT (Ctrl-C): the current step finished and a checkpoint was written (128 + 2).</summary>
    public const int Interrupted = 130;

    /// <summary>SIGTERM (a supervisor stopping the process): the current step finished and a checkpoint was written (128 + 15).</summary>
    public const int Terminated = 143;

    /// <summary>Every code with its meaning, in order (README and `--help` print this table).</summary>
    public static IReadOnlyList<(int Code, string Meaning)> Table { get; } =
    [
        (Ok, "done"),
        (Failure, "runtime failure (the message says where; GANCLUSTER_DEBUG=1 adds the stack trace)"),
        (BadInput, "bad input (one line per problem: field, expected, found)"),
        (RejoinRequested, "this node left the cluster and asks to be started again (rejoin)"),
        (CollapseStopped, "stopped on purpose by the collapse response"),
        (Interrupted, "SIGINT: stopped after the current step, checkpoint written"),
        (Terminated, "SIGTERM: stopped after the current step, checkpoint written"),
    ];

    /// <summary>The shell convention for a process stopped by signal number <paramref name="signal"/>.</summary>
    public static int ForSignal(int signal) => 128 + signal;

    /// <summary>
    /// The run is over whatever a supervisor does: done, failed, refused, or stopped by the collapse response. A
    /// supervisor must not restart a node that exited so (the `local` launcher, a Kubernetes pod failure policy).
    /// </summary>
    public static bool EndsRun(int code) => code is Ok or Failure or BadInput or CollapseStopped;

    /// <summary>The node decided to exit (the run is over, or a signal asked it to stop): not a crash to recover from.</summary>
    public static bool IsDecision(int code) => EndsRun(code) || code is Interrupted or Terminated;
}
