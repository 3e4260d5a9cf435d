"""Robustness on a Dask cluster against a local process pool: the worked example, one run each.

The same `wb.robustness(model, samples=N, seed=S)` twice: on `wb.process_pool(2)` (two spawned
worker processes on this machine) and on a `distributed.LocalCluster` of two worker processes
(one thread each), reached through `cluster_executor(scheduler address)` exactly as
`workbench robustness --scheduler ADDRESS` reaches a real cluster. Start-up (spawning the
workers and importing the library in them) is timed apart from the draws. The table gives the
wall time of the draws [s], draws per second and the ratio of each time to the process pool's;
last, whether both gave the same draws (they must: same seed, same numbers).

Run from the repository root (10,000 draws take about three minutes on 2 cores):
    .venv/bin/python benchmarks/cluster.py                    # 10,000 draws
    .venv/bin/python benchmarks/cluster.py --samples 200      # a smoke run
Times are wall-clock seconds and depend on what else the machine is doing: the load average is
printed before and after.
"""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workbench as wb  # noqa: E402
from workbench.robustness import cluster_executor  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "mental_health_strategy"
WORKERS = 2


def warm_up(_) -> int:
    """Import the library in a worker (outside the timed draws); its process id."""
    importlib.import_module("workbench.robustness")
    return os.getpid()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def on_process_pool(model: wb.Model, samples: int, seed: int) -> tuple[dict, wb.RobustnessResult]:
    started = time.perf_counter()
    with wb.process_pool(WORKERS) as pool:
        list(pool.map(warm_up, range(WORKERS)))
        startup = time.perf_counter() - started
        began = time.perf_counter()
        result = wb.robustness(model, samples=samples, seed=seed, executor=pool, progress=False)
        seconds = time.perf_counter() - began
    return {"executor": f"wb.process_pool({WORKERS})", "startup_s": startup,
            "seconds": seconds}, result


def on_local_cluster(model: wb.Model, samples: int, seed: int
                     ) -> tuple[dict, wb.RobustnessResult]:
    from distributed import LocalCluster

    started = time.perf_counter()
    with LocalCluster(n_workers=WORKERS, processes=True, threads_per_worker=1,
                      dashboard_address=":0") as cluster:
        with cluster_executor(cluster.scheduler_address) as executor:
            list(executor.map(warm_up, range(WORKERS)))
            startup = time.perf_counter() - started
            began = time.perf_counter()
            result = wb.robustness(model, samples=samples, seed=seed, executor=executor,
                                   progress=False)
            seconds = time.perf_counter() - began
    return {"executor": f"LocalCluster({WORKERS} processes)", "startup_s": startup,
            "seconds": seconds}, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model = wb.load(EXAMPLE)
    import distributed

    print(f"cluster benchmark: worked example ({len(model.actions)} actions), {args.samples} "
          f"draws (seed {args.seed}), one run on each executor")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, distributed "
          f"{distributed.__version__}, load average before {load_average()}", flush=True)
    pool_row, pool_result = on_process_pool(model, args.samples, args.seed)
    print(f"  {pool_row['executor']}: {pool_row['seconds']:.1f} s", flush=True)
    cluster_row, cluster_result = on_local_cluster(model, args.samples, args.seed)
    print(f"  {cluster_row['executor']}: {cluster_row['seconds']:.1f} s", flush=True)
    table = pd.DataFrame([pool_row, cluster_row])
    table["draws_per_s"] = args.samples / table["seconds"]
    table["ratio"] = table["seconds"] / pool_row["seconds"]
    print(table.round({"startup_s": 1, "seconds": 1, "draws_per_s": 1, "ratio": 2})
          .to_string(index=False))
    same = pool_result.draws.equals(cluster_result.draws)
    print(f"same draws on both: {'yes' if same else 'NO'}")
    print(f"load average after {load_average()} (1, 5, 15 min): other work on the machine "
          "slows every number above")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
