// gancluster-bench: one subcommand per benchmark. Add new ones to the switch (e.g. `step`).
using GanCluster.Bench;

return args.Length == 0 ? Usage() : args[0] switch
{
    "allreduce" => AllReduceBench.Run(args[1..]),
    AllReduceWorker.Command => AllReduceWorker.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: GanCluster.Bench <benchmark> [options]
          allreduce [--bytes N] [--iters K] [--worlds 2,3] [--chunk B] [--rounds R] [--no-gloo] [--quick]
                    ring all-reduce between local processes vs PyTorch Gloo and raw loopback TCP
        """);
    return 2;
}
