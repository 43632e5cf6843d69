using System.Security.Cryptography;
using GanCluster.Cli.Commands;
using GanCluster.Cluster.Hosting;

namespace GanCluster.Cli.Local;

/// <summary>
/// `gancluster local`: a coordinator and N trainer processes on loopback, as Kubernetes would run them, with
/// their output prefixed ([coord], [t0], ...). A signal is passed on to every child (each stops cleanly: the
/// current step finishes and rank 0 checkpoints); whatever has not exited a minute later is killed.
/// </summary>
public sealed class LocalRun(LocalRunOptions options)
{
    readonly List<ChildProcess> _children = [];
    readonly Lock _console = new();

    public IReadOnlyList<ChildProcess> Children => _children;

    public async Task<int> RunAsync(CancellationToken signal)
    {
        int port = options.CoordinatorPort ?? FreePorts.Next();
        string token = options.Token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var env = new Dictionary<string, string> { [TrainerCommand.TokenVariable] = token };
        string seed = NodeOptions.Address("127.0.0.1", port);

        var coordinatorArgs = new List<string> { "coordinator", "--out", options.RunDir, "--port", port.ToString(), "--workers", options.Workers.ToString() };
        coordinatorArgs.AddRange(options.SpecArgs);
        if (options.Resume) coordinatorArgs.Add("--resume");
        if (options.Force) coordinatorArgs.Add("--force");
        var coordinator = ChildProcess.Start("coord", coordinatorArgs, env, Print);
        _children.Add(coordinator);
        for (int i = 0; i < options.Workers; i++)
        {
            var trainerArgs = new List<string> { "trainer", "--out", options.RunDir, "--seed-nodes", seed, "--devices", "cpu" };
            trainerArgs.AddRange(options.SpecArgs);
            if (options.ThreadsPerTrainer is { } threads) trainerArgs.AddRange(["--set", $"threads={threads}"]);
            _children.Add(ChildProcess.Start($"t{i}", trainerArgs, env, Print));
        }

        using var stopOnSignal = signal.Register(() =>
        {
            Print("local", "stopping every process (each finishes its step; rank 0 checkpoints)...");
            foreach (var c in _children) c.Terminate();
            _ = Task.Delay(TimeSpan.FromSeconds(60)).ContinueWith(_ => { foreach (var c in _children) c.KillNow(); });
        });
        await coordinator.WaitAsync();
        // The coordinator ends the run; trainers follow within seconds. Stragglers are asked, then made, to stop.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await Task.WhenAll(_children.Select(c => c.WaitAsync(grace.Token))); }
        catch (OperationCanceledException)
        {
            foreach (var c in _children.Where(c => !c.HasExited)) { Print("local", $"{c.Name} did not exit; stopping it"); c.Terminate(); }
            await Task.Delay(TimeSpan.FromSeconds(10));
            foreach (var c in _children) c.KillNow();
        }
        return signal.IsCancellationRequested ? 130 : coordinator.ExitCode;
    }

    void Print(string name, string line)
    {
        lock (_console) options.Output($"[{name}] {line}");
    }
}

public sealed class LocalRunOptions
{
    public required string RunDir { get; init; }

    public required int Workers { get; init; }

    /// <summary>--config/--set arguments passed to every child, so they all resolve the same spec.</summary>
    public required IReadOnlyList<string> SpecArgs { get; init; }

    public bool Resume { get; init; }

    public bool Force { get; init; }

    public int? ThreadsPerTrainer { get; init; }

    public int? CoordinatorPort { get; init; }

    public string? Token { get; init; }

    public Action<string> Output { get; init; } = Console.WriteLine;
}
