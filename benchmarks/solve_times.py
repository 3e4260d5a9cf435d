"""Build and solve times of the portfolio MILP, against the speed targets of issue 2.

Two tables, both counting only answers proven optimal (status "optimal", relative gap 0):

1. Generated models of 25, 200 and 1000 actions (`workbench.examples.random_model`: 10% of
   actions in synergy pairs, one critical-mass group per 20 actions, 2 requires, 1 excludes,
   2 resources each limited to half of what funding everything would need), several seeds,
   HiGHS and CBC side by side, each model solved several times: build and solve time [s],
   median and min-max over every run of every seed, against the targets (median build + solve
   under 0.3 s at 200 actions, under 2 s at 1000 actions).
2. Dense synergies: 100 actions, a quarter of all pairs with a positive bonus, solved with each
   synergy formulation of `workbench.portfolio.SYNERGY_FORMULATIONS`; every solve has a time
   limit so the script always ends, and a time-out is reported as one, with its gap.

Run from the repository root:
    .venv/bin/python benchmarks/solve_times.py           # full: about 20 minutes on 2 cores
    .venv/bin/python benchmarks/solve_times.py --quick   # smoke run: a few minutes
Times are wall-clock seconds, so they grow when other programs share the machine: the load
average is printed before and after, and a CPU-time column shows the work itself.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.examples import random_model  # noqa: E402
from workbench.portfolio import DENSE_PARTNERS, SYNERGY_FORMULATIONS, optimise  # noqa: E402

SIZES = (25, 200, 1000)
TARGETS = {200: 0.3, 1000: 2.0}  # median build + solve [s], to proven optimality
GENERATOR = dict(synergy_share=0.1, cluster_every=20, n_requires=2, n_excludes=1,
                 n_resources=2, budget_share=0.5)  # the generator's defaults, stated
DENSE_ACTIONS, DENSE_SHARE = 100, 0.25
SOLVERS = ("highs", "cbc")
PROVEN_GAP = 1e-9  # a relative gap at or below this counts as 0
AGREEMENT = 1e-6  # relative difference allowed between optimal values of one model


def environment() -> list[str]:
    """Cores, library versions and load: what a reader needs to weigh the numbers."""
    packages = []
    for name in ("pulp", "highspy", "pandas", "numpy"):
        try:
            packages.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            packages.append(f"{name} (not installed)")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return [f"machine: {platform.machine()}, {os.cpu_count()} cores ({usable} usable by this "
            f"process), {platform.system()} {platform.release()}",
            f"python {platform.python_version()}; " + ", ".join(packages)
            + "; CBC: the one bundled with PuLP",
            load_line()]


def load_line() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average: unknown"
    return f"load average (1, 5, 15 min): {one:.2f}, {five:.2f}, {fifteen:.2f}"


def describe(model) -> dict:
    """Actions, synergy pairs, share of actions in a pair, groups and rules of one model."""
    kinds = model.interactions["kind"]
    pairs = model.interactions[kinds == "synergy"]
    in_pairs = {action for members in pairs["members"] for action in members}
    return {"actions": len(model.actions), "synergy pairs": len(pairs),
            "positive pairs": int((pairs["bonus"] > 0).sum()),
            "actions in pairs": f"{len(in_pairs) / len(model.actions):.0%}",
            "critical-mass groups": int((kinds == "critical_mass").sum()),
            "requires": int((kinds == "requires").sum()),
            "excludes": int((kinds == "excludes").sum()),
            "resources": len(model.resource_names)}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (CBC runs as a child) [s]."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def one_solve(model, solver: str, synergy: str | None, time_limit: float) -> dict:
    """One `optimise` call: build and solve wall-clock time [s] as the library measures them,
    and the CPU time of the whole call [s] (about the wall-clock time on an idle machine)."""
    options = {} if synergy is None else {"synergy": synergy}
    began = cpu_seconds()
    result = optimise(model, solver=solver, time_limit=time_limit, **options)
    return {"status": result.status, "gap": result.gap, "build": result.build_seconds,
            "solve": result.solve_seconds, "cpu": cpu_seconds() - began,
            "objective": result.objective}


def time_sizes(sizes, seeds, runs: int, time_limit: float, progress) -> pd.DataFrame:
    """One row per (size, seed, run, solver); runs interleave solvers so both see the same load."""
    rows = []
    for size in sizes:
        models = {seed: random_model(size, seed, **GENERATOR) for seed in seeds}
        for run in range(runs):
            for seed, model in models.items():
                for solver in SOLVERS:
                    progress(f"{size} actions, seed {seed}, run {run + 1}/{runs}, {solver}")
                    rows.append({"actions": size, "seed": seed, "run": run, "solver": solver,
                                 **one_solve(model, solver, None, time_limit)})
    return pd.DataFrame(rows)


def proven(frame: pd.DataFrame) -> pd.Series:
    return (frame["status"] == "optimal") & (frame["gap"].fillna(0) <= PROVEN_GAP)


def spread(seconds: pd.Series) -> str:
    return f"{seconds.median():.3f} ({seconds.min():.3f}-{seconds.max():.3f})"


def summarise_sizes(frame: pd.DataFrame) -> pd.DataFrame:
    """Per size and solver: medians and ranges over every run of every seed, and the verdict."""
    frame = frame.assign(total=frame["build"] + frame["solve"], proven=proven(frame))
    rows = []
    for (size, solver), group in frame.groupby(["actions", "solver"], sort=False):
        target = TARGETS.get(size)
        median_total = group["total"].median()
        if target is None:
            verdict = "-"
        elif not group["proven"].all():
            verdict = "FAIL (not proven)"
        else:
            verdict = "PASS" if median_total < target else "FAIL"
        rows.append({
            "actions": size, "solver": solver,
            "proven": f"{group['proven'].sum()}/{len(group)}",
            "build median (min-max)": spread(group["build"]),
            "solve median (min-max)": spread(group["solve"]),
            "total median": median_total,
            "worst seed": group.groupby("seed")["total"].median().max(),
            "cpu median": group["cpu"].median(),
            "target": "-" if target is None else f"< {target:g}", "result": verdict})
    return pd.DataFrame(rows)


def ratios(frame: pd.DataFrame, column: str, numerator: str, denominator: str,
           by: str) -> pd.Series:
    """Median solve time of `numerator` over that of `denominator`, per value of `by`."""
    medians = frame.groupby([by, column])["solve"].median().unstack(column)
    return (medians[numerator] / medians[denominator]).rename(f"{numerator}/{denominator}")


def disagreements(frame: pd.DataFrame, key: list[str], label: str) -> list[str]:
    """Proven optima of one model must agree; a time-limited value must not beat them."""
    found = []
    for name, group in frame.groupby(key):
        optimal = group.loc[proven(group), "objective"]
        if optimal.empty:
            continue
        best = optimal.median()
        tolerance = AGREEMENT * max(1.0, abs(best))
        if (optimal - best).abs().max() > tolerance:
            found.append(f"{label} {name}: optimal values differ: {sorted(set(optimal.round(6)))}")
        if (group["objective"] > best + tolerance).any():
            found.append(f"{label} {name}: a time-limited value beats the proven optimum")
    return found


def time_dense(seeds, formulations, solvers, runs: int, time_limit: float,
               progress) -> pd.DataFrame:
    """One row per (seed, run, solver, formulation), formulations interleaved per model."""
    rows = []
    models = {seed: random_model(DENSE_ACTIONS, seed, dense_synergy=DENSE_SHARE) for seed in seeds}
    for run in range(runs):
        for seed, model in models.items():
            for solver in solvers:
                for synergy in formulations:
                    progress(f"dense, seed {seed}, run {run + 1}/{runs}, {solver}, {synergy}")
                    rows.append({"seed": seed, "run": run, "solver": solver, "synergy": synergy,
                                 **one_solve(model, solver, synergy, time_limit)})
    return pd.DataFrame(rows)


def summarise_dense(frame: pd.DataFrame, time_limit: float) -> pd.DataFrame:
    """Per solver and formulation: solve time per seed (median over runs), time-outs shown."""
    frame = frame.assign(proven=proven(frame))
    rows = []
    for (solver, synergy), group in frame.groupby(["solver", "synergy"], sort=False):
        row = {"solver": solver, "synergy": synergy,
               "proven": f"{group['proven'].sum()}/{len(group)}"}
        for seed, runs in group.groupby("seed"):
            cell = f"{runs['solve'].median():.1f}"
            if not runs["proven"].all():
                gaps = runs.loc[~runs["proven"], "gap"]
                gap = f", gap {gaps.max():.2%}" if gaps.notna().any() else ""
                cell = f">{time_limit:g} (time-out{gap})"
            row[f"seed {seed}"] = cell
        row["solve median"] = group["solve"].median()
        row["cpu median"] = group["cpu"].median()
        row["build median"] = group["build"].median()
        rows.append(row)
    return pd.DataFrame(rows)


def dense_ratios(frame: pd.DataFrame, formulations: list[str]) -> pd.DataFrame:
    """plain's median solve time over each other formulation's, per seed. A time-out makes the
    ratio a bound ('>=' when plain timed out, '<=' when the other did); both: no ratio."""
    frame = frame.assign(proven=proven(frame))
    rows = []
    for seed, group in frame.groupby("seed"):
        by = group.groupby("synergy")
        solve, done = by["solve"].median(), by["proven"].all()
        row = {"seed": seed}
        for other in (f for f in formulations if f != "plain"):
            ratio = f"{solve['plain'] / solve[other]:.2f}"
            if not done["plain"] and not done[other]:
                ratio = "both timed out"
            elif not done["plain"]:
                ratio = ">=" + ratio
            elif not done[other]:
                ratio = "<=" + ratio
            row[f"plain/{other}"] = ratio
        rows.append(row)
    return pd.DataFrame(rows)


def show(title: str, table: pd.DataFrame) -> None:
    print(f"\n{title}")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2 runs, 2 seeds, 1 dense seed, time limit 30 s")
    parser.add_argument("--runs", type=int, help="runs per model and solver (default 5)")
    parser.add_argument("--seeds", type=int, help="generated models per size (default 3)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated numbers of actions (default 25,200,1000)")
    parser.add_argument("--time-limit", type=float, help="per solve [s] (default 120)")
    parser.add_argument("--dense-seeds", type=int, help="dense models (default 3)")
    parser.add_argument("--dense-runs", type=int, default=1,
                        help="runs per dense model and formulation (default 1)")
    parser.add_argument("--dense-solvers", default="highs",
                        help="comma-separated solvers for the dense table (default highs)")
    parser.add_argument("--skip-dense", action="store_true", help="only the first table")
    parser.add_argument("--verbose", action="store_true", help="progress on stderr")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    seeds = list(range(args.seeds or (2 if args.quick else 3)))
    dense_seeds = list(range(args.dense_seeds or (1 if args.quick else 3)))
    time_limit = args.time_limit or (30.0 if args.quick else 120.0)
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    dense_solvers = [s.strip() for s in args.dense_solvers.split(",") if s.strip()]

    def progress(text: str) -> None:
        if args.verbose:
            print(f"  ... {text}", file=sys.stderr, flush=True)

    began = time.perf_counter()
    print("Portfolio MILP: build and solve times [s, wall clock] to proven optimality")
    print("\n".join(environment()))
    print(f"runs per model and solver: {runs}; seeds: {seeds}; time limit per solve: "
          f"{time_limit:g} s")
    show("Generated models (seed 0 of each size)",
         pd.DataFrame([describe(random_model(size, 0, **GENERATOR)) for size in sizes]))

    timings = time_sizes(sizes, seeds, runs, time_limit, progress)
    show("Table 1: times over every run of every seed [s]. build: scoring + building the MILP; "
         "solve: the solver call;\ntotal = build + solve; worst seed: the slowest model's median "
         "total; cpu: CPU time of the whole call", summarise_sizes(timings))
    show("HiGHS/CBC: ratio of median solve times (below 1: HiGHS faster)",
         ratios(timings, "solver", "highs", "cbc", "actions").reset_index())
    problems = disagreements(timings, ["actions", "seed"], "actions, seed")

    if not args.skip_dense:
        formulations = [f for f in SYNERGY_FORMULATIONS if f != "auto"]  # auto picks one
        show(f"Dense-synergy models ({DENSE_ACTIONS} actions, {DENSE_SHARE:.0%} of all pairs "
             "with a bonus), seed 0",
             pd.DataFrame([describe(random_model(DENSE_ACTIONS, 0, dense_synergy=DENSE_SHARE))]))
        dense = time_dense(dense_seeds, formulations, dense_solvers, args.dense_runs,
                           time_limit, progress)
        show(f"Table 2: dense-synergy solve time per formulation [s] (the default, "
             f"{optimise.__kwdefaults__['synergy']!r}, picks 'budget' from {DENSE_PARTNERS} "
             "partners per action on; a time-out counts as the time limit in the medians)",
             summarise_dense(dense, time_limit))
        for solver in dense_solvers:
            show(f"{solver}, plain/other: ratio of solve times per seed (above 1: the other is "
                 "faster)", dense_ratios(dense[dense["solver"] == solver], formulations))
        problems += disagreements(dense, ["seed"], "dense model, seed")

    print("\nOptimal values agree across solvers, formulations and runs: "
          + ("yes" if not problems else "NO\n  " + "\n  ".join(problems)))
    print(load_line())
    print(f"whole benchmark: {time.perf_counter() - began:.0f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
