"""Partial funding and funding levels at scale: a 1,000-action model against the same model with
whole actions only, both solved to proven optimality (issue 11).

The model is `workbench.examples.random_tables(1000, seed)` with a fifth of the actions
scalable (`min_share` between 0.1 and 0.9) and about a tenth of them as versions of schemes of
2 or 3 (`option_of`, about 40 schemes, some named in interactions). The whole-actions model is
the same tables with `min_share` and `option_of` dropped. Each is built and solved `--runs`
times with HiGHS; the table gives the median and range of build + solve [s], and the ratio of
the medians measured in this one run.

Run from the repository root:
    .venv/bin/python benchmarks/real_models.py            # 3 seeds x 5 runs: a few minutes
    .venv/bin/python benchmarks/real_models.py --runs 3 --seeds 1
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench import from_tables, optimise  # noqa: E402
from workbench.examples import random_tables  # noqa: E402

ACTIONS = 1000
SCALABLE = 0.2  # share of actions that may be funded in part
SCHEMES = 40  # schemes of 2-3 versions: about a tenth of the actions


def models(seed: int):
    """(forms, whole): the model with partial funding and schemes, and the same without."""
    tables = random_tables(ACTIONS, seed, scalable=SCALABLE, schemes=SCHEMES)
    forms = from_tables(tables, source=f"forms({seed})")
    plain = {name: table.copy() for name, table in tables.items()}
    plain["actions"] = plain["actions"].drop(columns=["min_share", "option_of"])
    schemes = set(forms.schemes)
    plain["interactions"] = plain["interactions"][~plain["interactions"]["actions"].str.split(
        ";").map(lambda ids: bool(schemes & set(ids)))]
    if "constraints" in plain:
        plain["constraints"] = plain["constraints"][~plain["constraints"]["target"].isin(schemes)]
    return forms, from_tables(plain, source=f"whole({seed})")


def timed(model) -> tuple[float, str, int, int]:
    """(build + solve seconds, status, actions funded, of which in part)."""
    began = time.perf_counter()
    result = optimise(model)
    seconds = time.perf_counter() - began
    if result.status != "optimal" or result.gap > 1e-9:
        raise SystemExit(f"{model.source}: not proven optimal ({result.status}, gap {result.gap})")
    partial = sum(q < 1 for q in result.shares.values())
    return seconds, result.status, len(result.selected), partial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="solves per model (default 5)")
    parser.add_argument("--seeds", type=int, default=3, help="generated models (default 3)")
    args = parser.parse_args()
    print(f"cores {os.cpu_count()}, load before {os.getloadavg()[0]:.2f}; {ACTIONS} actions, "
          f"{SCALABLE:.0%} scalable, {SCHEMES} schemes of 2-3 versions; HiGHS, gap 0")
    rows = []
    for seed in range(args.seeds):
        forms, whole = models(seed)
        times = {"forms": [], "whole": []}
        funded = {}
        for _ in range(args.runs):  # interleaved, so both see the same load
            for name, model in (("forms", forms), ("whole", whole)):
                seconds, _, count, partial = timed(model)
                times[name].append(seconds)
                funded[name] = f"{count} ({partial})"
        for name, model in (("forms", forms), ("whole", whole)):
            rows.append({"seed": seed, "model": name, "actions": len(model.actions),
                         "schemes": len(model.schemes),
                         "median [s]": statistics.median(times[name]),
                         "min [s]": min(times[name]), "max [s]": max(times[name]),
                         "funded (in part)": funded[name]})
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    medians = table.groupby("model")["median [s]"].median()
    print(f"median over seeds: with the forms {medians['forms']:.3f} s, whole actions only "
          f"{medians['whole']:.3f} s, ratio {medians['forms'] / medians['whole']:.2f}; "
          f"load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
