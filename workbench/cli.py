"""The command line: parse, call the library, print.

Exit 0 on success, 1 when no portfolio satisfies the constraints, 2 on bad input (one line per
problem on stderr, no traceback), 3 when the solver is missing or fails.
"""
from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from . import __version__
from .errors import ModelError, SolverError, WorkbenchError
from .io import load
from .portfolio import optimise
from .scoring import score
from .solvers import SOLVERS

EXIT_OK, EXIT_INFEASIBLE, EXIT_BAD_INPUT, EXIT_SOLVER = 0, 1, 2, 3


def _limits(pairs: list[str], model) -> dict[str, float]:
    """--limit RES=AMOUNT, checked against the model's resources."""
    limits = {}
    for pair in pairs or []:
        name, sep, amount = pair.partition("=")
        if not sep:
            raise ModelError(f"--limit {pair!r}: expected RESOURCE=AMOUNT, e.g. cost=500000")
        if name not in model.resource_names:
            raise ModelError(f"--limit {pair!r}: unknown resource {name!r} "
                             f"(the model has {', '.join(model.resource_names)})")
        try:
            limits[name] = float(amount.replace(",", "").replace("_", ""))
        except ValueError:
            raise ModelError(f"--limit {pair!r}: {amount!r} is not a number") from None
        if limits[name] < 0:
            raise ModelError(f"--limit {pair!r}: a limit cannot be negative")
    return limits


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str))


def _format_portfolio(model, result) -> str:
    lines = [f"status: {result.status} (solver {result.solver}, "
             f"{result.solve_seconds * 1000:.0f} ms)"]
    if result.status not in ("optimal", "time_limit", "feasible"):
        lines += [f"  - {b}" for b in result.breaches]
        return "\n".join(lines)
    value = result.value
    lines.append(f"value: {value['total']:.1f} points = {value['standalone']:.1f} standalone "
                 f"+ {value['synergy']:.1f} synergy + {value['critical_mass']:.1f} critical mass")
    limits = model.resources[model.resources["year"].isna()].set_index("resource")["limit"]
    for resource, used in result.cost.items():
        limit = f" of {limits[resource]:,.6g}" if resource in limits.index else ""
        lines.append(f"{resource}: {used:,.6g}{limit}")
    lines.extend(f"warning: {w}" for w in result.warnings)
    table = model.actions.loc[list(result.selected), ["name", "theme", "lead",
                                                     *model.resource_names]]
    if result.horizon > 1:
        table.insert(2, "start_year", pd.Series(result.start_year))
    lines += [f"selected ({len(result.selected)} actions):", table.to_string()]
    return "\n".join(lines)


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


def cmd_optimise(args) -> int:
    model = load(args.model)
    result = optimise(model, limits=_limits(args.limit, model), solver=args.solver,
                      time_limit=args.time_limit)
    if args.json:
        _print_json(result.to_dict())
    else:
        print(_format_portfolio(model, result))
    if result.status not in ("optimal", "time_limit"):
        print(f"workbench: no portfolio satisfies every constraint ({result.status})",
              file=sys.stderr)
        return EXIT_INFEASIBLE
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


if __name__ == "__main__":
    sys.exit(main())
