using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace GanCluster.Collective.Tests;

/// <summary>
/// Hostile clients against a real rank's listener (a TestWorker process) while its world trains: hundreds of
/// connections that trickle a byte now and then (slow-loris), and a flood of connections that send garbage. The
/// rank's thread count must stay bounded and its all-reduces must go on to the end (docs/security.md).
/// </summary>
public class HostilePeerTests(ITestOutputHelper output)
{
    const string Token = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
    const int SlowClients = 600;

    /// <summary>Threads of a process (Linux: /proc/PID/status).</summary>
    static int Threads(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("Threads:", StringComparison.Ordinal)) return int.Parse(line[8..].Trim());
        throw new InvalidOperationException("no Threads line");
    }

    /// <summary>Keeps <paramref name="count"/> connections to <paramref name="port"/> alive by sending one byte on each every
    /// couple of seconds, reconnecting those the listener drops, and floods garbage hellos meanwhile; until cancelled.</summary>
    static Task Attack(int port, int count, CancellationToken stop) => Task.Factory.StartNew(() =>
    {
        var target = new IPEndPoint(IPAddress.Loopback, port);
        var slow = new Socket?[count];
        var garbage = new byte[64];
        long round = 0;
        while (!stop.IsCancellationRequested)
        {
            for (int i = 0; i < count && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    slow[i] ??= Connect(target);
                    slow[i]!.Send("G"u8); // a hello's first byte, one at a time
                }
                catch (SocketException)
                {
                    slow[i]?.Dispose();
                    slow[i] = null; // dropped by the listener: come back
                }
                if (i % 20 == 0)
                {
                    try
                    {
                        using var g = Connect(target);
                        Random.Shared.NextBytes(garbage);
                        g.Send(garbage);
                    }
                    catch (SocketException) { }
                }
            }
            round++;
            stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
        }
        foreach (var s in slow) s?.Dispose();
    }, TaskCreationOptions.LongRunning);

    static Socket Connect(IPEndPoint target)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        s.Connect(target);
        return s;
    }

    [Fact]
    public void Slow_and_garbage_clients_neither_pile_up_threads_nor_stop_the_world()
    {
        using var stop = new CancellationTokenSource();
        Task? attack = null;
        int baseline = 0;
        int maxThreads = 0;
        WorkerWorld? world = null;
        try
        {
            world = new WorkerWorld(2, _ => ["--token", Token, "--epoch", "1", "--mode", "steps", "--ops", "150", "--pause-ms", "100",
                "--connect-timeout-ms", "60000", "--shm", "false"], ports =>
            {
                // Rank 0 is bound and idle: its own threads are the baseline. Then the attack starts, before the world forms.
                attack = Attack(ports[0], SlowClients, stop.Token);
            });
            baseline = Threads(world.Pid(0));
            var watch = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try { maxThreads = Math.Max(maxThreads, Threads(world.Pid(0))); }
                    catch (IOException) { return; } // exited
                    Thread.Sleep(200);
                }
            });
            int exit0 = world.WaitForExit(0), exit1 = world.WaitForExit(1);
            output.WriteLine($"rank 0 threads: {baseline} idle, at most {maxThreads} under {SlowClients} slow clients and a garbage flood");
            output.WriteLine(world.Stdout(0));
            Assert.True(exit0 == 0, world.Describe(0));
            Assert.True(exit1 == 0, world.Describe(1));
            Assert.Contains("STEPS 150", world.Stdout(0));
            // Today's bound: one accept thread, a handful of runtime threads; a thread per hostile connection would be hundreds.
            Assert.True(maxThreads < baseline + 64, $"rank 0 went from {baseline} to {maxThreads} threads");
            Assert.Matches(@"Overloaded=[1-9]", world.Stdout(0)); // the cap made room for newcomers
            Assert.Matches(@"BadMagic=[1-9]", world.Stdout(0));  // the garbage was refused
        }
        finally
        {
            stop.Cancel();
            attack?.Wait(TimeSpan.FromSeconds(30));
            world?.Dispose();
        }
    }
}
