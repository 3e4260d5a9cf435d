"""Re-plan from year 2 against planning from scratch: 3-year, 200-action random models.

For each seed, a random three-year model of 200 actions (`workbench.examples.random_tables`,
with stop costs for every resource) and a progress.csv for year 1: about a third of the actions
that may start in year 1 started then, with `spent` near their planned amount. Timed, median of
--runs runs each, in one run of this script:
- `from scratch`: `wb.optimise` of the whole three-year plan (no progress);
- `replan from year 2`: `wb.replan(model, from_year=2)` (building the remaining years' model
  and solving it).
The table gives each median [s], the ratio re-plan / from scratch, the running actions at the
review, and both values [value points: the plan's units for `from scratch`, the remaining
years' own units for the re-plan].

Run from the repository root (about a minute on 2 cores at load 2 to 5):
    .venv/bin/python benchmarks/replan.py                 # seeds 0 1 2, 5 runs each
    .venv/bin/python benchmarks/replan.py --runs 1 --seeds 0   # a smoke run
Times are wall-clock seconds and depend on what else the machine is doing: the load average is
printed before and after.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workbench as wb  # noqa: E402
from workbench.examples import random_tables  # noqa: E402
from workbench.replan import history  # noqa: E402
from workbench.portfolio.schedule import Amounts, action_timing, active_years  # noqa: E402

ACTIONS, HORIZON, FROM_YEAR = 200, 3, 2


def review_model(seed: int) -> wb.Model:
    """A random 3-year model of ACTIONS actions with stop costs and year-1 progress."""
    rng = np.random.default_rng(seed)
    tables = random_tables(ACTIONS, seed, horizon=HORIZON)
    actions = tables["actions"]
    for resource in ("cost", "staff_fte"):
        actions[f"{resource}_stop"] = (rng.integers(0, 30, ACTIONS)
                                       * (1000 if resource == "cost" else 1))
    model = wb.from_tables(tables)
    amounts, duration = Amounts.of(model), action_timing(model, HORIZON)["duration"]
    rows = []
    taken: set[str] = set()
    for rule in model.interactions[model.interactions["kind"] == "excludes"].itertuples():
        taken |= set(rule.members[1:])  # keep the facts within the excludes rules
    for action in model.actions.index:
        if model.actions.at[action, "earliest_start"] > 1 or action in taken or \
                rng.random() > 1 / 3:
            continue
        planned = amounts.in_year("cost", action, 1, 1, active_years(1, int(duration[action]),
                                                                     HORIZON))
        rows.append({"action": action, "year": 1, "status": "started",
                     "spent": round(planned * rng.uniform(0.8, 1.2)),
                     "indicator_value": int(rng.integers(0, 100))})
    tables["progress"] = pd.DataFrame(rows)
    return wb.from_tables(tables)


def median_seconds(call, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = []
    for seed in args.seeds:
        model = review_model(seed)
        scratch_s, scratch = median_seconds(lambda: wb.optimise(model), args.runs)
        again_s, again = median_seconds(lambda: wb.replan(model, from_year=FROM_YEAR),
                                        args.runs)
        rows.append({"seed": seed, "running at review": len(history(model, FROM_YEAR).running),
                     "from scratch [s]": round(scratch_s, 3),
                     "replan from year 2 [s]": round(again_s, 3),
                     "ratio": round(again_s / scratch_s, 2),
                     "value from scratch [points]": round(scratch.objective, 1),
                     "value re-plan [points, years 2-3]": round(again.value, 1),
                     "re-plan status": again.result.status})
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
