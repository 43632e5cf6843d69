// gancluster-bench: one subcommand per benchmark. Add new ones to the switch (e.g. `step`).
using GanCluster.Bench;

return args.Length == 0 ? Usage() : args[0] switch
{
    "allreduce" => AllReduceBench.Run(args[1..]),
    AllReduceHostsBench.Command => AllReduceHostsBench.Run(args[1..]),
    HostTcpBound.Command => HostTcpBound.Run(args[1..]),
    "step" => StepBench.Run(args[1..]),
    "scale" => ScaleBench.Run(args[1..]),
    DataBench.Command => DataBench.Run(args[1..]),
    "control" => GanCluster.Bench.Control.ControlBench.Run(args[1..]),
    AllReduceWorker.Command => AllReduceWorker.Run(args[1..]),
    ScheduleHostsBench.Command => ScheduleHostsBench.Run(args[1..]),
    ScheduleWorker.Command => ScheduleWorker.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: GanCluster.Bench <benchmark> [options]
          allreduce [--bytes N] [--iters K] [--worlds 2,3] [--chunk B] [--rounds R] [--no-gloo] [--quick]
                    ring all-reduce between local processes vs PyTorch Gloo and raw loopback TCP
          allreduce-hosts [--bytes N] [--iters K] [--worlds 2,3] [--links uncapped,10000,1000] [--chunk B] [--no-gloo] [--quick]
                    the same between hosts of the multi-host test bed (root), links capped in Mbit/s by tc tbf
          allreduce-schedule [--layouts 2x2,2x4,4x2,4x4] [--sizes 4096,4194304] [--links uncapped,1000] [--iters K] [--chunk B]
                    flat ring vs hierarchical schedule on test-bed hosts of several ranks each (root), ratio and model ratio
          step [--rounds R] [--steps N] [--memory-steps M] [--threads T]
                    the trainer's step vs a bare TorchSharp loop (ms/step, ratio), and RSS after 50 vs M steps
          scale [--rounds R] [--steps N] [--cli ./gancluster]
                    images/s of `local --workers 1` vs `--workers 2` (one torch thread each), share outside compute
          data --folder DIR [--resolution R] [--workers W] [--batch B] [--batches K] [--prefetch P]
                    images/s of the trainer's data pipeline on a folder of PNG/JPEG files (bench/data.sh: vs DataLoader)
          control [--sizes 8,32,64] [--ranks-per-node K] [--step-ms MS] [--gradient-kib K] [--progress-every P] [--burst B] [--keep] [--cli ./gancluster]
                    the control plane at N simulated trainers: first world, recovery, rejoin, coordinator load, bursts
        """);
    return 2;
}
