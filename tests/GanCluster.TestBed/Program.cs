// GanCluster.Bed: the multi-host test bed's own program. `nemesis` is `make nemesis`; the probes run on bed hosts.
using GanCluster.TestBed;
using GanCluster.TestBed.Checking;
using GanCluster.TestBed.Network;
using GanCluster.TestBed.Tools;

return args.Length == 0 ? Usage() : args[0] switch
{
    "nemesis" => NemesisCommand.Run(args[1..]),
    "sweep" => Sweep(),
    "check" => Check(args[1..]),
    HoldCommand.Name => HoldCommand.Run(args[1..]),
    TcpProbe.ListenCommand => TcpProbe.Listen(args[1..]),
    TcpProbe.ConnectCommand => TcpProbe.Connect(args[1..]),
    _ => Usage(),
};

static int Sweep()
{
    foreach (var ns in Bed.SweepStale()) Console.WriteLine($"removed {ns}");
    return 0;
}

static int Check(string[] args)
{
    if (args.Length == 0) return Usage();
    long? steps = args.Length >= 3 && args[1] == "--steps" ? long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : null;
    var result = HistoryChecker.Check(RunHistory.Load(args[0], steps));
    foreach (var line in ResultTable.Lines(result)) Console.WriteLine(line);
    return result.Passed ? 0 : 1;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: GanCluster.Bed <command> [options]   (as root)
          nemesis [--seed S] [--faults K] [--steps N] [--trainers T] [--max-fault-seconds D] [--out DIR]
                    coordinator + T trainers on separate hosts, a seeded random fault schedule, the per-fault table
          check RUN_DIR [--steps N]
                    run the checker again on a finished bed run (RUN_DIR/bed holds its history)
          sweep     remove the namespaces of test beds whose owner process is gone
          hold [--hosts N]
                    create a bed of N hosts and keep it until stdin closes (to look around with ip netns exec)
          probe-listen PORT[,PORT...] | probe-connect ADDRESS PORT [TIMEOUT_MS]
                    TCP probes that run on bed hosts
        """);
    return 2;
}
