"""The command line: parse, call the library, print.

Exit 0 on success, 1 when no portfolio satisfies the constraints, 2 on bad input (one line per
problem on stderr, no traceback), 3 when the solver is missing or fails.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from contextlib import nullcontext

import numpy as np
import pandas as pd

from . import __version__
from .errors import ModelError, Problem, SolverError, WorkbenchError
from .io import load
from .options import SOLVERS, Options, run_options
from .plan import action_plan
from .plan_workbook import write_plan
from .portfolio import optimise
from .portfolio.rules import whole_horizon_limits
from .scoring import score
from .tables import SHARE_COLUMN, VALUE_COLUMN, funding_used, limits_used, selected_actions
from .units import format_amount, resource_label, resource_name, resource_unit

EXIT_OK, EXIT_INFEASIBLE, EXIT_BAD_INPUT, EXIT_SOLVER, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _limit_pairs(pairs: list[str] | None) -> dict[str, str]:
    """--limit RES=AMOUNT as {resource: amount text}; `run_options` checks names and numbers."""
    limits = {}
    for pair in pairs or []:
        name, sep, amount = pair.partition("=")
        if not sep:
            raise ModelError(Problem("--limit", None, None, f"{pair!r}: expected "
                                     "RESOURCE=AMOUNT, e.g. cost=500000"))
        limits[name] = amount
    return limits


def _run(args, model) -> tuple:
    """The model and the checked options of a command: its --scenario, then --limit,
    --horizon, --solver and --time-limit on top (the command line's names in messages)."""
    options = Options()
    if getattr(args, "scenario", None):  # the scenario's settings; explicit flags override
        from .scenarios import apply_scenario

        model, options = apply_scenario(model, args.scenario)
    given = {"horizon": getattr(args, "horizon", None),
             "solver": getattr(args, "solver", None),
             "time_limit": getattr(args, "time_limit", None)}
    flags = {"horizon": "--horizon", "solver": "--solver", "time_limit": "--time-limit"}
    given = {name: value for name, value in given.items() if value is not None}
    pairs = _limit_pairs(getattr(args, "limit", None))
    try:
        return model, run_options(model, options, limits={**options.limits, **pairs}, **given)
    except ModelError as error:
        typed = {f"limits[{name!r}]": f"--limit: '{name}={amount}'"  # as the user typed them
                 for name, amount in pairs.items()}
        typed.update({name: f"{flags[name]} {value}" for name, value in given.items()})
        raise ModelError([Problem(typed.get(p.file, p.file), p.row, p.column,
                                  p.message.removeprefix(f"{given.get(p.file)!r}: "))
                          for p in error.problems]) from None


def _json_ready(data):
    """Plain JSON values: NaN and inf become null, numpy scalars numbers, other objects text."""
    if isinstance(data, dict):
        return {key if isinstance(key, str) else str(_json_ready(key)): _json_ready(value)
                for key, value in data.items()}
    if isinstance(data, (list, tuple, set, frozenset, np.ndarray)):
        return [_json_ready(value) for value in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float):
        return data if np.isfinite(data) else None
    if data is None or isinstance(data, (str, int)):  # bool is an int
        return data
    if data is pd.NA or data is pd.NaT:
        return None
    return str(data)


def _print_json(data) -> None:
    """Always valid JSON (allow_nan=False): no NaN or Infinity, which JSON readers refuse."""
    print(json.dumps(_json_ready(data), indent=2, allow_nan=False))


def _format_portfolio(model, result, options: Options, args=None) -> str:
    """The result for people: value, the limits in force and what is used of each, the
    funding split by stream, one row per funded action (what it uses over the horizon, set-up
    included, and its value) with a total row that adds up to the headline, and the next
    command to run. Amounts carry the units of resources.csv."""
    lines = [f"status: {result.status} (solver {result.solver}, "
             f"{result.solve_seconds * 1000:.0f} ms)"]
    if not result.fits:
        return "\n".join(lines)
    value = result.value
    lines.append(f"value: {value['total']:,.1f} value points = {value['standalone']:,.1f} "
                 f"standalone + {value['synergy']:,.1f} synergy + "
                 f"{value['critical_mass']:,.1f} critical mass")
    lines.extend(f"warning: {w}" for w in result.warnings)
    lines += ["limits in force (used of limit):", *_limit_lines(model, result, options)]
    streams = funding_used(result, model)
    if len(streams):
        lines.append("funding by stream (the optimiser's split; used of limit):")
        for row in streams.itertuples():
            year = f" in year {row.year}" if row.year else ""
            lines.append(f"  {row.stream}{year}: {format_amount(model, row.resource, row.used)}"
                         f" of {format_amount(model, row.resource, row.limit)}")
            if row.description:
                lines.append(f"      {row.description}")
    lines += [f"selected ({len(result.selected)} actions; amounts over {_years(result.horizon)}, "
              "set-up included):", _action_table(model, result, options),
              f"value column: each action's own value; synergy ({value['synergy']:,.1f}) and "
              f"critical mass ({value['critical_mass']:,.1f}) come on top: "
              f"{value['total']:,.1f} value points"]
    if args is not None:
        lines += _next_commands(model, args)
    return "\n".join(lines)


def _units_and_use(model, result, options: Options) -> dict:
    """Fields `optimise --json` adds to the result: each resource's name and unit, the limits
    in force with what is used, and the funding split by stream (empty when nothing fits)."""
    resources = {r: {"name": resource_name(model, r), "unit": resource_unit(model, r)}
                 for r in model.resource_names}
    if not result.fits:
        return {"resources": resources, "limits_in_force": [], "funding_by_stream": []}
    return {"resources": resources,
            "limits_in_force": limits_used(result, model, options.limits).round(6)
            .to_dict(orient="records"),
            "funding_by_stream": funding_used(result, model).round(6).to_dict(orient="records")}


def _years(n: int) -> str:
    return f"{n} year{'s' * (n != 1)}"


def _limit_lines(model, result, options: Options) -> list[str]:
    """One line per limit in force ('  Money: £652,000 of £680,000 (96%)'), saying where the
    run replaced the model's limit; resources without a limit show what is used."""
    table = limits_used(result, model, options.limits)
    model_limits = whole_horizon_limits(model)
    lines = []
    for row in table.itertuples():
        year = f" in year {row.year}" if row.year else ""
        share = f" ({row.share:.0f}%)" if row.share == row.share else ""
        line = (f"  {row.name}{year}: {format_amount(model, row.resource, row.used)} of "
                f"{format_amount(model, row.resource, row.limit)}{share}")
        if not row.year and row.resource in options.limits:
            before = model_limits.get(row.resource)
            line += ("; this run's limit" if before is None else
                     f"; this run's limit, the model's is "
                     f"{format_amount(model, row.resource, before)}")
        lines.append(line)
    limited = set(table.loc[table["year"] == 0, "resource"])
    for resource in model.resource_names:
        if resource not in limited:
            lines.append(f"  {resource_name(model, resource)}: "
                         f"{format_amount(model, resource, result.cost[resource])} "
                         "(no limit over the whole horizon)")
    return lines


def _action_table(model, result, options: Options) -> str:
    """The funded actions as text, amounts with units, and a total row."""
    table = selected_actions(result, model, options)
    labels = {resource_label(model, r): r for r in model.resource_names}
    shown = table.astype(object).reset_index()
    for label, resource in labels.items():
        shown[label] = [format_amount(model, resource, amount) for amount in table[label]]
    shown[VALUE_COLUMN] = [f"{v:,.1f}" for v in table[VALUE_COLUMN]]
    if "start year" in shown:
        shown["start year"] = [str(int(year)) for year in table["start year"]]
    if SHARE_COLUMN in shown:
        shown[SHARE_COLUMN] = [f"{share:.0f}%" for share in table[SHARE_COLUMN]]
    total = {column: "" for column in shown.columns}
    total["name"] = "total"
    for label, resource in labels.items():
        total[label] = format_amount(model, resource, result.cost[resource])
    total[VALUE_COLUMN] = f"{result.value['standalone']:,.1f}"
    shown.loc[len(shown)] = total
    return _aligned(shown, left=("action", "name", "theme", "lead"))


def _aligned(table: pd.DataFrame, left: tuple[str, ...] = ()) -> str:
    """A table as text: the `left` columns (names, themes) aligned left, numbers right."""
    cells = [[str(c) for c in table.columns],
             *([("" if v is None else str(v)) for v in row] for row in table.itertuples(False))]
    widths = [max(len(row[k]) for row in cells) for k in range(len(table.columns))]
    flush = [column in left for column in table.columns]
    return "\n".join("  ".join(cell.ljust(w) if f else cell.rjust(w)
                               for cell, w, f in zip(row, widths, flush)).rstrip()
                     for row in cells)


def _next_commands(model, args) -> list[str]:
    """What to run next, with this run's model, scenario and limits."""
    where = shlex.quote(str(args.model))
    named = getattr(args, "scenario", None)
    scenario = f" --scenario {shlex.quote(named)}" if named else ""
    pairs = _limit_pairs(getattr(args, "limit", None))
    flags = "".join(f" --limit {shlex.quote(f'{name}={amount}')}"
                    for name, amount in pairs.items())
    first = model.resource_names[0]
    others = "".join(f" --limit {shlex.quote(f'{name}={amount}')}"
                     for name, amount in pairs.items() if name != first)
    return ["next:",
            f"  workbench plan {where}{scenario}{flags} --out plan.xlsx",
            "      the action plan as a workbook for the action group",
            f"  workbench frontier {where}{scenario}{others}",
            f"      what more or less {resource_name(model, first)} would buy"]


def cmd_validate(args) -> int:
    model = load(args.model)
    summary = {"model": args.model, "actions": len(model.actions),
               "criteria": len(model.criteria), "scores": len(model.scores),
               "interactions": len(model.interactions), "resources": model.resource_names,
               "funding_streams": int(model.funding["stream"].nunique()),
               "horizon_years": model.horizon}
    if args.json:
        _print_json({"valid": True, **summary})
    else:
        print(f"{args.model}: valid. " + ", ".join(f"{k} {v}" for k, v in summary.items()
                                                   if k != "model"))
    return EXIT_OK


def cmd_score(args) -> int:
    table = score(load(args.model))
    if args.json:
        _print_json(table.round(6).reset_index().to_dict(orient="records"))
    else:
        print("Value points (0..100) by criterion, total value and the spread between stakeholders")
        print(table.round(1).to_string())
    return EXIT_OK


def _no_portfolio(result, after: str = "") -> int:
    """Say on stderr that no portfolio fits, and why; the exit code for it."""
    print(f"workbench: no portfolio satisfies every constraint ({result.status}){after}",
          file=sys.stderr)
    for reason in result.reasons:
        print(f"  - {reason}", file=sys.stderr)
    return EXIT_INFEASIBLE


def cmd_optimise(args) -> int:
    model, options = _run(args, load(args.model))
    result = optimise(model, options)
    if args.json:
        _print_json({**result.to_dict(), **_units_and_use(model, result, options)})
    else:
        print(_format_portfolio(model, result, options, args))
    return EXIT_OK if result.found else _no_portfolio(result)


def cmd_plan(args) -> int:
    model, options = _run(args, load(args.model))
    result = optimise(model, options)
    if not result.found:
        return _no_portfolio(result, "; no plan written")
    plan = action_plan(result, model)
    path = write_plan(result, model, args.out, options=options, scenario=args.scenario,
                      overwrite=args.overwrite)
    if args.json:
        _print_json({"out": str(path), "status": result.status,
                     "plan": plan.to_dict(orient="records")})
    else:
        what = ("with a total row and a summary sheet (value, limits, funding streams, "
                "scenario, the model's SHA-256)" if path.suffix.lower() == ".xlsx" else "")
        print(f"action plan of {len(plan)} actions over {_years(result.horizon)} written to "
              f"{path}" + (f", {what}" if what else ""))
        print(f"value: {result.value['total']:,.1f} value points; "
              + "; ".join(f"{resource_name(model, r)} {format_amount(model, r, used)}"
                          for r, used in result.cost.items()))
    return EXIT_OK


def cmd_replan(args) -> int:
    """Re-plan years --from-year..T from progress.csv; with the accountability view."""
    from .replan import replan
    from .review import accountability, review_findings, write_review

    model, options = _run(args, load(args.model))
    try:
        replanned = replan(model, options, from_year=args.from_year)
    except ModelError as error:  # the command line's name for the argument
        raise ModelError([Problem("--from-year" if p.file == "from_year" else p.file, p.row,
                                  p.column, p.message) for p in error.problems]) from None
    plan = optimise(model, options, explain=False)  # the plan as agreed, for spend and timing
    table = accountability(model, replanned, plan if plan.found else None)
    path = None
    if args.out and replanned.found:
        path = write_review(model, replanned, table, args.out, overwrite=args.overwrite)
    if args.json:
        _print_json({**replanned.to_dict(), "accountability": table.to_dict(orient="records"),
                     "out": str(path) if path else None})
    else:
        print(str(review_findings(model, table, replanned)).replace("**", ""))
        print()
        shown = replanned.decisions[["action", "lead", "before", "decision", "years"]]
        print(_aligned(shown.rename(columns={"years": "runs in (plan years)"}),
                       left=("action", "lead", "before", "decision")))
        if path:
            print(f"\nreview written to {path}")
    if not replanned.found:
        return _no_portfolio(replanned.result, "; no review written" if args.out else "")
    return EXIT_OK


def cmd_frontier(args) -> int:
    from .frontier import frontier

    model, options = _run(args, load(args.model))
    resource = args.resource or model.resource_names[0]
    table = frontier(model, None, resource, args.points, options, resolution=args.resolution)
    current = whole_horizon_limits(model, options.limits).get(resource)
    if args.json:
        levels = table.round(6).astype(object).where(table.notna(), None)  # NaN is not JSON
        _print_json({"resource": resource, "points": args.points,
                     "name": resource_name(model, resource),
                     "unit": resource_unit(model, resource), "current_limit": current,
                     "levels": levels.to_dict(orient="records")})
    else:
        print(_frontier_text(model, table, resource, current, args))
    if table["value"].isna().all():
        print("workbench: no budget level has a portfolio that satisfies every constraint",
              file=sys.stderr)
        return EXIT_INFEASIBLE
    return EXIT_OK


def _frontier_text(model, table: pd.DataFrame, resource: str, current: float | None,
                   args) -> str:
    """The frontier for people: budgets with units, the level the current limit buys marked
    '>', and the levels without a portfolio left out with one note."""
    how = (f"an even grid of {args.points} levels" if args.points
           else "every budget where the best portfolio changes")
    lines = [f"frontier of {resource_label(model, resource)}: best value [value points] at "
             f"{how}; * = a critical-mass cluster becomes affordable"]
    found = table[table["value"].notna()].reset_index(drop=True)
    if found.empty:
        return "\n".join(lines)
    missing = len(table) - len(found)
    if missing:
        lines.append(f"{missing} level{'s' * (missing != 1)} below "
                     f"{format_amount(model, resource, found['budget'].iloc[0])} "
                     f"{'have' if missing != 1 else 'has'} no portfolio that satisfies every "
                     "constraint: not shown")
    marked = None
    if current is None:
        lines.append(f"{resource_name(model, resource)} has no limit over the whole horizon "
                     "in force, so no level is marked")
    else:
        within = found.index[found["budget"] <= current * (1 + 1e-9)]
        if len(within):
            marked = within[-1]
            limit = format_amount(model, resource, current)
            exact = not args.points and args.resolution is None  # every step is a level
            lines.append(f"> = what the current limit of {limit} buys" if exact else
                         f"> = the last level within the current limit of {limit} (the limit "
                         "buys at least this)")
        else:
            lines.append(f"the current limit of {format_amount(model, resource, current)} "
                         "is below every level shown")
    shown = pd.DataFrame({
        "": [">" if k == marked else "" for k in found.index],
        "budget": [format_amount(model, resource, b) for b in found["budget"]],
        "value": [f"{v:,.1f}" for v in found["value"]],
        "standalone": [f"{v:,.1f}" for v in found["standalone"]],
        "synergy": [f"{v:,.1f}" for v in found["synergy"]],
        "critical mass": [f"{v:,.1f}" for v in found["critical_mass"]],
        "actions": found["n_selected"].astype(int).astype(str),
        "jump": found["jump"].map({True: "*", False: ""}),
        "clusters": found["jump_clusters"].fillna(""),
        "added": found["added"].fillna(""), "dropped": found["dropped"].fillna(""),
        "status": found["status"],
    })
    lines.append(_aligned(shown, left=("", "jump", "clusters", "added", "dropped", "status")))
    return "\n".join(lines)


def cmd_app(args) -> int:
    from .app import serve

    return serve(args.model, port=args.port, host=args.host, expose=args.expose,
                 scenario=args.scenario, announce=lambda line: print(line, flush=True))


def cmd_report(args) -> int:
    from .report import make_report

    report = make_report(args.model, args.out, scenario=args.scenario, seed=args.seed,
                         samples=args.samples, notebooks=args.notebooks,
                         show_code=args.show_code)
    if args.json:
        _print_json({"index": str(report.index), "pages": [str(p) for p in report.pages],
                     "notebooks": [str(n) for n in report.notebooks],
                     "provenance": report.provenance})
    else:
        print(f"report of {len(report.pages)} notebooks written to {report.index}")
    return EXIT_OK


def cmd_robustness(args) -> int:
    from .robustness import cluster_executor, robustness

    model, options = _run(args, load(args.model))
    if args.workers < 1:
        raise ModelError(Problem("--workers", None, None,
                                 f"{args.workers}: at least 1 worker is needed"))
    if args.scheduler and args.workers > 1:
        raise ModelError(Problem("--scheduler", None, None, "give either --scheduler (the "
                                 "cluster's workers) or --workers, not both"))
    cluster = cluster_executor(args.scheduler) if args.scheduler else nullcontext()
    with cluster as executor:
        result = robustness(model, samples=args.samples, seed=args.seed,
                            cost_spread=args.cost_spread, weight_concentration=args.concentration,
                            progress=not args.json, options=options, executor=executor,
                            workers=args.workers if args.workers > 1 else None)
    if args.json:
        _print_json(result.to_dict())
    else:
        summary = result.value_summary()
        print(f"{args.samples} draws (seed {args.seed}); {result.infeasible_draws} without a "
              f"feasible portfolio. Optimal value [value points]: median {summary['median']:.1f}, "
              f"5% to 95%: {summary['p5']:.1f} to {summary['p95']:.1f}")
        print("core index: share of draws whose optimum funds the action "
              "(core >= 0.9, exterior <= 0.1); * = in the optimum under the agreed values")
        core = result.core.assign(in_baseline=result.core["in_baseline"].map({True: "*", False: ""}))
        print(core[["name", "core_index", "status", "in_baseline"]].round(3).to_string())
        print("most frequent portfolios (changes from the agreed optimum):")
        print(result.portfolios.head(5)[["draws", "share", "mean_value", "added", "dropped"]]
              .round(3).to_string())
    return EXIT_OK if result.infeasible_draws < args.samples else EXIT_INFEASIBLE


def cmd_init(args) -> int:
    from .starter import init_model

    path = init_model(args.path, xlsx=args.xlsx)
    what = "workbook" if path.suffix.lower() == ".xlsx" else "folder"
    guide = ("its first sheet, 'read me', explains every column" if what == "workbook"
             else "read_me.csv explains every column")
    print(f"starter model written to {path} (a {what}; {guide}).\n"
          "Replace the example rows with your own in a spreadsheet, then:\n"
          f"  workbench validate {path}\n  workbench optimise {path}\n  workbench app {path}")
    return EXIT_OK


def cmd_convert(args) -> int:
    from .convert import convert

    done = convert(args.source, args.target, overwrite=args.overwrite)
    what = "workbook" if done.target.suffix.lower() == ".xlsx" else "folder"
    print(f"{args.source} converted to the {what} {done.target}: {len(done.tables)} tables "
          f"({', '.join(done.tables)}), every cell as it was")
    if done.left_out:
        print(f"not copied (not tables of a model): {', '.join(done.left_out)}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, handler, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("model", help="model folder of CSV files, or an .xlsx workbook")
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        sub.set_defaults(handler=handler)
        return sub

    command("validate", cmd_validate, "check a model and list every problem found")
    command("score", cmd_score, "value of each action in value points, by criterion")
    opt = command("optimise", cmd_optimise, "choose the portfolio of most value within the limits")
    opt.add_argument("--limit", action="append", metavar="RES=AMOUNT",
                     help="replace a resource's limit, e.g. --limit cost=500000 (repeatable)")
    opt.add_argument("--solver", choices=SOLVERS, default="highs")
    opt.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                     help="stop after this long and return the best portfolio found")
    opt.add_argument("--scenario", default=None, metavar="NAME",
                     help="apply a scenario of the model's scenarios.csv (as the dashboard does)")
    plan = command("plan", cmd_plan, "write the optimised portfolio as an action plan "
                   "(.csv or .xlsx) for the action group")
    plan.add_argument("--out", required=True, metavar="FILE",
                      help="plan.csv or plan.xlsx (formulas in text cells are escaped)")
    plan.add_argument("--limit", action="append", metavar="RES=AMOUNT",
                      help="replace a resource's limit, e.g. --limit cost=500000 (repeatable)")
    plan.add_argument("--horizon", type=int, default=None, metavar="YEARS",
                      help="plan over this many years (default: the model's horizon_years)")
    plan.add_argument("--scenario", default=None, metavar="NAME",
                      help="apply a scenario of the model's scenarios.csv first")
    plan.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    again = command("replan", cmd_replan, "review progress (progress.csv) and re-plan the "
                    "remaining years: continue, stop or start each action")
    again.add_argument("--from-year", type=int, required=True, metavar="K",
                       help="the first year to re-plan; years before it are as progress.csv "
                            "says")
    again.add_argument("--out", default=None, metavar="FILE",
                       help="write the review: review.xlsx (accountability and re-plan sheets) "
                            "or review.csv")
    again.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    again.add_argument("--limit", action="append", metavar="RES=AMOUNT",
                       help="replace a resource's whole-plan limit (repeatable)")
    again.add_argument("--scenario", default=None, metavar="NAME",
                       help="apply a scenario of the model's scenarios.csv first")
    front = command("frontier", cmd_frontier, "the best value at each budget level of one "
                    "resource, with the portfolio at each and where critical mass pays")
    front.add_argument("--points", type=int, default=None, metavar="N",
                       help="an even grid of N levels (default: every budget where the best "
                            "portfolio changes)")
    front.add_argument("--resource", default=None, metavar="R",
                       help="the resource whose limit varies (default: the first in "
                            "resources.csv)")
    front.add_argument("--limit", action="append", metavar="RES=AMOUNT",
                       help="replace another resource's limit, e.g. --limit staff_fte=12 "
                            "(repeatable)")
    front.add_argument("--scenario", default=None, metavar="NAME",
                       help="apply a scenario of the model's scenarios.csv first")
    front.add_argument("--resolution", type=float, default=None, metavar="AMOUNT",
                       help="merge steps closer than this (large models; default: exact)")
    front.add_argument("--horizon", type=int, default=None, metavar="YEARS",
                       help="plan over this many years (default: the model's horizon_years)")
    app = commands.add_parser("app", help="the what-if dashboard as a web page (Voila)",
                              description="serve the what-if dashboard for a model folder "
                              "with Voila, on 127.0.0.1 unless --expose is given")
    app.add_argument("model", nargs="?", default=None,
                     help="model folder (default: the current folder if it holds a model, "
                          "else the worked example)")
    app.add_argument("--port", type=int, default=8866, help="port (default 8866; 0: any free)")
    app.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    app.add_argument("--expose", action="store_true",
                     help="allow --host other than loopback: anyone with the address printed "
                          "(it carries a secret token) can use it")
    app.add_argument("--scenario", default=None, metavar="NAME",
                     help="start from a scenario of the model's scenarios.csv")
    app.set_defaults(handler=cmd_app)
    report = command("report", cmd_report, "run the numbered notebooks on a model and export "
                     "them to offline HTML for reviewers, with an index page")
    report.add_argument("--scenario", default=None, metavar="NAME",
                        help="a scenario of the model's scenarios.csv, passed to the notebooks")
    report.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    report.add_argument("--samples", type=int, default=None, metavar="N",
                        help="robustness draws (default: as `workbench robustness`, 1000)")
    report.add_argument("--show-code", action="store_true",
                        help="keep the code cells on the pages (default: hidden for reviewers)")
    report.add_argument("--out", default="reports", metavar="DIR",
                        help="folder for the report (default reports/)")
    report.add_argument("--notebooks", default=None, metavar="DIR",
                        help="run the NN_*.ipynb of this folder (default: the project's "
                             "notebooks/)")
    robust = command("robustness", cmd_robustness, "re-optimise under random weights, scores "
                     "and costs: how often each action is chosen (core index)")
    robust.add_argument("--samples", type=int, default=1000, metavar="N",
                        help="number of draws (default 1000)")
    robust.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    robust.add_argument("--workers", type=int, default=1, metavar="K",
                        help="worker processes (default 1: this process)")
    robust.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the draws on a running Dask cluster, e.g. "
                             "tcp://10.0.0.5:8786 (needs the dask extra; see README)")
    robust.add_argument("--cost-spread", type=float, default=0.0, metavar="SHARE",
                        help="+- share of each cost without <resource>_low/_high columns, "
                             "e.g. 0.1 (default 0)")
    robust.add_argument("--concentration", type=float, default=50.0, metavar="K",
                        help="Dirichlet concentration for weights without a stated range "
                             "(default 50; larger: closer to the agreed weights)")
    robust.add_argument("--limit", action="append", metavar="RES=AMOUNT",
                        help="replace a resource's limit, e.g. --limit cost=500000 (repeatable)")
    init = commands.add_parser("init", help="write a starter model to edit in a spreadsheet",
                               description="write a small, valid starter model that explains "
                               "itself: a folder of CSV files, or one .xlsx workbook")
    init.add_argument("path", metavar="DIR", help="a new folder (or a name ending in .xlsx)")
    init.add_argument("--xlsx", action="store_true", help="write one workbook, DIR.xlsx, with "
                      "a 'read me' sheet and drop-down lists")
    init.set_defaults(handler=cmd_init)
    conv = commands.add_parser("convert", help="copy a model between a folder and a workbook",
                               description="copy a model folder to an .xlsx workbook or back, "
                               "every table (scenarios too) cell for cell")
    conv.add_argument("source", metavar="SRC", help="model folder or .xlsx workbook")
    conv.add_argument("target", metavar="DST", help="a folder, or a path ending in .xlsx")
    conv.add_argument("--overwrite", action="store_true", help="replace DST if it exists")
    conv.set_defaults(handler=cmd_convert)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except ModelError as error:
        for problem in error.problems:
            print(f"workbench: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SolverError as error:
        print(f"workbench: {error}", file=sys.stderr)
        return EXIT_SOLVER
    except WorkbenchError as error:
        print(f"workbench: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `workbench score DIR | head`: the reader left, which is fine
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:  # Ctrl-C: files are written whole or not at all
        print("workbench: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:  # a file or folder the system refused: one line, no traceback
        where = f" {error.filename}" if getattr(error, "filename", None) else ""
        print(f"workbench:{where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
