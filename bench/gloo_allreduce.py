#!/usr/bin/env python3
"""PyTorch Gloo all-reduce on local processes: the baseline for `gancluster-bench allreduce`.

Usage: gloo_allreduce.py --world-size N --bytes S [--iters K] [--warmup W]
       gloo_allreduce.py --world-size N --bytes S --rank R --master ADDRESS:PORT   (one rank per host, cross-host mode)
Prints one line from rank 0:  GLOO world=N bytes=S iters=K ms_mean=.. ms_median=.. ms_min=..
With --per-iteration also:    GLOO_TIMES ms,ms,...   (each iteration's slowest rank)
"""
import argparse
import os
import socket
import statistics
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def worker(rank, args, master):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://{master}", rank=rank, world_size=args.world_size)
    n = args.bytes // 4
    pristine = torch.rand(n, dtype=torch.float32) * 2 - 1
    data = pristine.clone()
    times = []
    for i in range(args.warmup + args.iters):
        data.copy_(pristine)
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce(data, op=dist.ReduceOp.SUM)
        t1 = time.perf_counter()
        if i >= args.warmup:
            times.append((t1 - t0) * 1000)
    # The slowest rank defines the collective's time: take each iteration's max over ranks.
    t = torch.tensor(times, dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    if rank == 0:
        ms = t.tolist()
        print(f"GLOO world={args.world_size} bytes={args.bytes} iters={args.iters} "
              f"ms_mean={statistics.mean(ms):.2f} ms_median={statistics.median(ms):.2f} ms_min={min(ms):.2f}", flush=True)
        if args.per_iteration:
            print("GLOO_TIMES " + ",".join(f"{x:.3f}" for x in ms), flush=True)
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--world-size", type=int, default=2)
    p.add_argument("--bytes", type=int, default=25_000_000)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--per-iteration", action="store_true")
    p.add_argument("--rank", type=int, help="run only this rank (the others run elsewhere); needs --master")
    p.add_argument("--master", help="ADDRESS:PORT of rank 0's rendezvous (cross-host mode; set GLOO_SOCKET_IFNAME too)")
    args = p.parse_args()
    if args.rank is not None:
        worker(args.rank, args, args.master)
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(worker, args=(args, f"127.0.0.1:{port}"), nprocs=args.world_size, join=True)


if __name__ == "__main__":
    main()
