#!/usr/bin/env python3
"""Reference throughput of Dask distributed on no-op tasks (the "dmfsweep >= 10x Dask" baseline).

Starts a LocalCluster with 1 and then 2 worker processes (processes=True, threads_per_worker=1),
submits N no-op tasks with client.map over range(N), gathers them, and prints tasks/s. Each
configuration is warmed up with a small batch first, then timed over `--repeat` rounds (best and
median reported). Python only, for benchmarking: never used by dmfsweep at run time.

    "$(bash Benchmarks/python-env.sh)" Benchmarks/dask_noop.py --tasks 10000
"""

import argparse
import logging
import os
import platform
import statistics
import sys
import time


def noop(i):
    """The task: returns its argument, like dmfsweep's no-op task kind returns its key."""
    return i


def measure(workers: int, tasks: int, repeat: int, warmup: int):
    from dask.distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=workers,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    ) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        # Warm-up: imports, connections, first serialisation of the function.
        client.gather(client.map(noop, range(warmup), pure=False))
        rates = []
        for _ in range(repeat):
            start = time.perf_counter()
            futures = client.map(noop, range(tasks), pure=False)
            results = client.gather(futures)
            elapsed = time.perf_counter() - start
            assert results == list(range(tasks)), "lost or reordered results"
            del futures
            rates.append(tasks / elapsed)
        return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10000, help="no-op tasks per round (default 10000)")
    parser.add_argument("--repeat", type=int, default=2, help="timed rounds per configuration (default 2)")
    parser.add_argument("--warmup", type=int, default=500, help="untimed warm-up tasks (default 500)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)")
    args = parser.parse_args()

    import dask
    import distributed

    print(
        f"dask {dask.__version__}, distributed {distributed.__version__}, python {platform.python_version()}, "
        f"{os.cpu_count()} cpus; LocalCluster(processes=True, threads_per_worker=1), client.map + gather"
    )
    for workers in args.workers:
        rates = measure(workers, args.tasks, args.repeat, args.warmup)
        print(
            f"dask noop: workers={workers} tasks={args.tasks} rounds={len(rates)} "
            f"best={max(rates):,.0f} tasks/s median={statistics.median(rates):,.0f} tasks/s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
