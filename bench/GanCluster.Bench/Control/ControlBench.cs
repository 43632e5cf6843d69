using System.Diagnostics;
using System.Globalization;
using GanCluster.Core.Scaling;

namespace GanCluster.Bench.Control;

/// <summary>
/// `control`: the control plane at N simulated trainers (docs/scaling.md). For each N, one after the other in one run:
/// a coordinator and N `trainer --simulate` ranks on loopback; the time to the first world of N, the coordinator's CPU,
/// RSS and received control messages per second in steady training, one trainer process SIGKILLed (time to the next
/// completed step, time until Akka removed the node), the same process started again (time until a world of N again;
/// its join-to-Up time at the leader, i.e. gossip convergence over N nodes), and a burst of kills a fraction of a second
/// apart (how many worlds formed: one is the goal). Then how each grows with N (log-log least-squares exponent).
/// </summary>
public static class ControlBench
{
    sealed record Sizes(int Ranks, int Nodes);

    sealed class Row
    {
        public required int Ranks;
        public required int Nodes;
        public double FirstWorldS = double.NaN, LastJoinToWorldS = double.NaN, JoinUpS = double.NaN;
        public double CoordinatorCpuPct = double.NaN, CoordinatorRssMb = double.NaN, TrainerRssMb = double.NaN;
        public double MessagesPerS = double.NaN, StepsPerS = double.NaN, ExpectedMessagesPerS = double.NaN;
        public double KillToAbortS = double.NaN, AbortToWorldS = double.NaN, WorldToStepS = double.NaN;
        public double KillToStepS = double.NaN, KillToRemovedS = double.NaN, RejoinS = double.NaN, RejoinUpS = double.NaN;
        public double BurstToStepS = double.NaN, SpacedToStepS = double.NaN;
        public int BurstWorlds = -1, SpacedWorlds = -1, BurstKills;
        public string Notes = "";
    }

    public static int Run(string[] args)
    {
        var sizes = Option(args, "--sizes", "8,32,64").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        int perNode = Option(args, "--ranks-per-node", 1), stepMs = Option(args, "--step-ms", 100), gradientKib = Option(args, "--gradient-kib", 64);
        int progressEvery = Option(args, "--progress-every", 10), window = Option(args, "--window", 10), burst = Option(args, "--burst", 3);
        int burstGapMs = Option(args, "--burst-gap-ms", 500), settle = Option(args, "--settle", 15);
        string cli = Path.GetFullPath(Option(args, "--cli", "./gancluster"));
        if (!File.Exists(cli)) { Console.Error.WriteLine($"control: --cli: expected the gancluster launcher, found nothing at {cli}"); return 2; }
        if (sizes.Any(n => n % perNode != 0 || n / perNode < 2 * burst + 2))
        {
            Console.Error.WriteLine($"control: --sizes: each a multiple of --ranks-per-node ({perNode}) with at least {2 * burst + 2} trainer processes, found {string.Join(',', sizes)}");
            return 2;
        }
        Console.WriteLine($"control bench: sizes {string.Join(',', sizes)} ranks, {perNode} rank(s) per trainer process, fake step {stepMs} ms, " +
                          $"{gradientKib} KiB of gradients, progress_every {progressEvery}, {Environment.ProcessorCount} cores, load {Load()}");
        var rows = new List<Row>();
        foreach (int n in sizes)
        {
            var row = new Row { Ranks = n, Nodes = n / perNode };
            rows.Add(row);
            double need = row.Nodes * 160 + 2000;
            if (ProcStat.AvailableMb() < need)
            {
                row.Notes = $"skipped: {ProcStat.AvailableMb():F0} MB available, ~{need:F0} MB needed";
                Console.WriteLine($"N={n}: {row.Notes}");
                continue;
            }
            string dir = Directory.CreateTempSubdirectory($"bench-control-{n}-").FullName;
            try
            {
                Measure(new SimulatedCluster(cli, dir, n, perNode, stepMs, gradientKib, progressEvery), row, window, burst, burstGapMs, settle, progressEvery).GetAwaiter().GetResult();
                if (args.Contains("--keep")) row.Notes += $"run folder {dir}";
                else Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException or HttpRequestException)
            {
                row.Notes = $"stopped: {e.Message} (logs kept in {dir})";
            }
            Console.WriteLine($"N={n}: {Describe(row)}");
        }
        Print(rows, burstGapMs, progressEvery);
        return 0;
    }

    static async Task Measure(SimulatedCluster cluster, Row row, int window, int burst, int burstGapMs, int settle, int progressEvery)
    {
        using var _ = cluster;
        var record = cluster.Record;
        cluster.StartCoordinator();
        // The coordinator first: under load its journal replay can take long (and past 30 s the singleton stops: docs/scaling.md).
        await Until(record, () => record.CoordinatorReady || record.CoordinatorFailure != null, TimeSpan.FromSeconds(180), "coordinator ready");
        if (record.CoordinatorFailure is { } failure) throw new InvalidOperationException($"the coordinator did not start: {failure}");
        for (int i = 0; i < cluster.Nodes; i++) cluster.StartTrainer(i);
        var spawned = DateTimeOffset.UtcNow;
        await Until(record, () => WorldOf(record, cluster.Ranks, spawned).Any(), TimeSpan.FromSeconds(120 + cluster.Nodes * 6), $"a first world of {cluster.Ranks}");
        var world = WorldOf(record, cluster.Ranks, spawned).First();
        row.FirstWorldS = (world.Time - spawned).TotalSeconds;
        row.LastJoinToWorldS = (world.Time - record.Of("member_joined", spawned).Max(j => j.Time)).TotalSeconds;
        var joins = record.Cluster.Where(c => c.What == "joining").ToList();
        var ups = record.Cluster.Where(c => c.What == "up").ToDictionary(c => c.Node, c => c.Time);
        if (joins.Count > 0) row.JoinUpS = joins.Where(j => ups.ContainsKey(j.Node)).Select(j => (ups[j.Node] - j.Time).TotalSeconds).DefaultIfEmpty(double.NaN).Max();

        // Steady training: the coordinator's load over a window.
        await Until(record, () => record.Progress.Count(p => p.Time > world.Time) >= 2, TimeSpan.FromSeconds(120), "steady progress");
        double cpu0 = ProcStat.CpuSeconds(cluster.CoordinatorPid), msgs0 = await cluster.ControlMessagesAsync();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(window));
        double cpu1 = ProcStat.CpuSeconds(cluster.CoordinatorPid), msgs1 = await cluster.ControlMessagesAsync();
        double seconds = clock.Elapsed.TotalSeconds;
        record.Poll();
        row.CoordinatorCpuPct = 100 * (cpu1 - cpu0) / seconds;
        row.MessagesPerS = (msgs1 - msgs0) / seconds;
        row.CoordinatorRssMb = ProcStat.RssMb(cluster.CoordinatorPid);
        row.TrainerRssMb = cluster.TrainerPids.Select(ProcStat.RssMb).DefaultIfEmpty(0).Average();
        var recent = record.Progress.Where(p => p.Time > world.Time).ToList();
        row.StepsPerS = recent.Count >= 2 ? (recent[^1].Step - recent[0].Step) / (recent[^1].Time - recent[0].Time).TotalSeconds : double.NaN;
        // Each rank: a progress report every progress_every steps and a heartbeat every 2 s (ClusterTimings.TrainerHeartbeat).
        row.ExpectedMessagesPerS = cluster.Ranks * (row.StepsPerS / progressEvery + 0.5);

        // One trainer process killed (the middle one: not the oldest trainer).
        int victim = cluster.Nodes - 1; // the bursts below take processes 1..2·burst
        var killed = DateTimeOffset.UtcNow;
        cluster.KillTrainer(victim);
        await Until(record, () => record.Of("recovered", killed).Any(), TimeSpan.FromSeconds(120), "recovery after a kill");
        row.KillToStepS = (record.Of("recovered", killed).First().Time - killed).TotalSeconds;
        // Where the time goes: detection (the abort), the coordinator's decision (the next world), the ring and first step.
        var aborted = record.Of("world_aborted", killed).First().Time;
        var formed = record.Of("world_formed", aborted).First().Time;
        (row.KillToAbortS, row.AbortToWorldS, row.WorldToStepS) =
            ((aborted - killed).TotalSeconds, (formed - aborted).TotalSeconds, (record.Of("recovered", killed).First().Time - formed).TotalSeconds);
        await Until(record, () => record.Cluster.Any(c => c.What == "removed" && c.Time > killed), TimeSpan.FromSeconds(60), "Akka removing the killed node");
        row.KillToRemovedS = (record.Cluster.First(c => c.What == "removed" && c.Time > killed).Time - killed).TotalSeconds;

        // The same trainer started again: back in a world of N.
        var restarted = DateTimeOffset.UtcNow;
        cluster.StartTrainer(victim);
        await Until(record, () => WorldOf(record, cluster.Ranks, restarted).Any(), TimeSpan.FromSeconds(180), "the restarted trainer back in a world of N");
        var back = WorldOf(record, cluster.Ranks, restarted).First();
        row.RejoinS = (back.Time - restarted).TotalSeconds;
        var join = record.Cluster.FirstOrDefault(c => c.What == "joining" && c.Time >= restarted);
        var up = join.Node == null ? default : record.Cluster.FirstOrDefault(c => c.What == "up" && c.Node == join.Node);
        row.RejoinUpS = up.Node == null ? double.NaN : (up.Time - join.Time).TotalSeconds;
        await Until(record, () => record.Of("recovered", back.Time).Any(), TimeSpan.FromSeconds(120), "training after the rejoin");
        if (join.Node != null)
        {
            // Joining -> Up needs gossip convergence over every node; the bursts below would block it, so wait here.
            try { await Until(record, () => record.Cluster.Any(c => c.What == "up" && c.Node == join.Node), TimeSpan.FromSeconds(30), "Up"); }
            catch (TimeoutException) { }
            up = record.Cluster.FirstOrDefault(c => c.What == "up" && c.Node == join.Node);
            row.RejoinUpS = up.Node == null ? double.NaN : (up.Time - join.Time).TotalSeconds;
        }

        // Bursts: several trainer processes killed at once (a host or rack failing), then several a fraction of a second apart.
        row.BurstKills = burst;
        (row.BurstWorlds, row.BurstToStepS) = await Burst(cluster, Enumerable.Range(1, burst), 0, settle);
        (row.SpacedWorlds, row.SpacedToStepS) = await Burst(cluster, Enumerable.Range(1 + burst, burst), burstGapMs, settle);
    }

    /// <summary>Kills the trainer processes <paramref name="victims"/> <paramref name="gapMs"/> apart; returns the worlds formed from the first kill until <paramref name="settle"/> s after the recovery, and the time from the first kill to the last recovery.</summary>
    static async Task<(int Worlds, double ToStepS)> Burst(SimulatedCluster cluster, IEnumerable<int> victims, int gapMs, int settle)
    {
        var record = cluster.Record;
        var first = DateTimeOffset.UtcNow;
        foreach (var (victim, k) in victims.Select((v, k) => (v, k)))
        {
            if (k > 0 && gapMs > 0) await Task.Delay(gapMs);
            cluster.KillTrainer(victim);
        }
        var last = DateTimeOffset.UtcNow;
        await Until(record, () => record.Of("recovered", last).Any(), TimeSpan.FromSeconds(120), "recovery after the burst");
        await Task.Delay(TimeSpan.FromSeconds(settle)); // late detections (Akka's unreachable, removal) could re-form the world again
        record.Poll();
        return (record.Of("world_formed", first).Count(), (record.Of("recovered", first).Max(r => r.Time) - first).TotalSeconds);
    }

    static int Size(System.Text.Json.Nodes.JsonObject details) => (int)details["world_size"]!;

    static IEnumerable<(DateTimeOffset Time, System.Text.Json.Nodes.JsonObject Details)> WorldOf(RunRecord record, int ranks, DateTimeOffset after) =>
        record.Of("world_formed", after).Where(w => Size(w.Details) == ranks);

    static async Task Until(RunRecord record, Func<bool> found, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            record.Poll();
            if (found()) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"no {what} within {limit.TotalSeconds:F0} s");
    }

    static string Describe(Row r) => r.Notes.Length > 0 && double.IsNaN(r.FirstWorldS) ? r.Notes
        : $"first world {r.FirstWorldS:F1} s, kill -> step {r.KillToStepS:F2} s, rejoin {r.RejoinS:F1} s, {r.BurstKills} kills at once: {r.BurstWorlds} world(s), spaced: {r.SpacedWorlds} {r.Notes}";

    static void Print(List<Row> rows, int gap, int progressEvery)
    {
        Console.WriteLine();
        Console.WriteLine($"| N ranks | trainer processes | first world (s) | last registration -> world (s) | join -> Up at the leader (s) | kill -> next step (s): abort + next world + ring and first step | kill -> Akka removed (s) | restart -> world of N (s) | restarted node join -> Up (s) | simultaneous kills: kills / worlds formed / first kill -> step (s) | kills {gap} ms apart: kills / worlds / first kill -> step (s) | coordinator CPU (%) | coordinator RSS (MB) | trainer process RSS (MB) | control msgs/s at coordinator | N x (steps/s / progress_every + 1/2 s) | steps/s |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            Console.WriteLine($"| {r.Ranks} | {r.Nodes} | {F(r.FirstWorldS)} | {F(r.LastJoinToWorldS)} | {F(r.JoinUpS)} | {F(r.KillToStepS)}: {F(r.KillToAbortS)} + {F(r.AbortToWorldS)} + {F(r.WorldToStepS)} | {F(r.KillToRemovedS)} | {F(r.RejoinS)} | {F(r.RejoinUpS)} | " +
                              $"{r.BurstKills} / {r.BurstWorlds} / {F(r.BurstToStepS)} | {r.BurstKills} / {r.SpacedWorlds} / {F(r.SpacedToStepS)} | {F(r.CoordinatorCpuPct)} | {F(r.CoordinatorRssMb)} | {F(r.TrainerRssMb)} | {F(r.MessagesPerS)} | {F(r.ExpectedMessagesPerS)} | {F(r.StepsPerS)} |" +
                              (r.Notes.Length > 0 ? $" {r.Notes}" : ""));
        Console.WriteLine();
        Console.WriteLine("growth with N (y ~ c N^k, log-log least squares over the sizes measured):");
        void Fit(string name, Func<Row, double> value)
        {
            var fit = PowerLawFit.Of(rows.Select(r => ((double)r.Ranks, value(r))).ToList());
            Console.WriteLine($"  {name,-40} k = {(double.IsNaN(fit.Exponent) ? "-" : fit.Exponent.ToString("F2", CultureInfo.InvariantCulture))} ({fit.Points} sizes)");
        }
        Fit("first world", r => r.FirstWorldS);
        Fit("last registration -> world", r => r.LastJoinToWorldS);
        Fit("kill -> next step", r => r.KillToStepS);
        Fit("  of which world formed -> first step", r => r.WorldToStepS);
        Fit("kill -> Akka removed", r => r.KillToRemovedS);
        Fit("restart -> world of N", r => r.RejoinS);
        Fit("restarted node join -> Up", r => r.RejoinUpS);
        Fit("coordinator CPU", r => r.CoordinatorCpuPct);
        Fit("coordinator RSS", r => r.CoordinatorRssMb);
        Fit("control msgs/s", r => r.MessagesPerS);
        Fit("control msgs/s per (N x steps/s)", r => r.MessagesPerS / (r.Ranks * r.StepsPerS));
        Console.WriteLine($"goals: kill -> next step < 2 s at every N; msgs/s within N x (steps/s / {progressEvery} + 0.5) (progress reports + heartbeats); one world per burst");
    }

    static string F(double v) => double.IsNaN(v) ? "-" : v.ToString(v >= 100 ? "F0" : "F2", CultureInfo.InvariantCulture);

    static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int v) ? v : fallback;
    }

    static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
