"""Explanations: what each choice is worth and what the budget buys.

- `explain`: for each action, the value lost [value points] if it is forced out (when chosen) or
  forced in (when not): its regret. Every figure is a re-optimisation, not an estimate.
- `marginal_budget`: what the next 10% of a limit would buy and what the last 10% bought.
Why a model has no answer at all is `portfolio.conflicts` (`explain_infeasible`).
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .errors import ModelError, WorkbenchError
from .model import Model, PortfolioResult
from .options import Options, run_options
from .portfolio import optimise
from .portfolio.rules import action_values_for, whole_horizon_limits

TOLERANCE = 1e-6


# ---------------------------------------------------------------- regret of each choice


def explain(model: Model, result: PortfolioResult, options: Options | None = None,
            **keywords) -> pd.DataFrame:
    """Regret [value points] of reversing each action's choice, most consequential first.

    result: an optimised portfolio; options / keywords: the options it was optimised with
    (limits, weights, values, include, exclude, ...), so the comparison is fair; the horizon
    defaults to the result's.
    Columns: action, name, selected, forced ('out' for a chosen action, 'in' otherwise),
    value (the best portfolio under that forcing) [value points], regret = result's value -
    that value [value points] (inf when the forcing is infeasible), added, dropped (actions
    that come in or go out, ';'-joined), status, reason (why a forcing is infeasible).
    """
    if not result.found:
        raise ModelError(f"explain needs an optimised portfolio, not one with status "
                         f"{result.status!r}")
    if (options is None or options.horizon is None) and "horizon" not in keywords:
        keywords["horizon"] = result.horizon  # a multi-year result is explained over its years
    options = _with_values(model, run_options(model, options, **keywords))
    base = result.objective
    rows = []
    for action in model.actions.index:
        chosen = action in result.selected
        row = {"action": action, "name": model.actions.at[action, "name"], "selected": chosen,
               "forced": "out" if chosen else "in"}
        if action in (options.include if chosen else options.exclude):
            rows.append({**row, "status": "infeasible", "value": float("nan"),
                         "regret": float("inf"), "added": "", "dropped": "",
                         "reason": f"{action} is forced {'in' if chosen else 'out'} by the "
                                   "options"})
            continue
        forced = optimise(model, options.changed(
            include=options.include + (() if chosen else (action,)),
            exclude=options.exclude + ((action,) if chosen else ())), explain=True)
        row["status"] = forced.status
        if forced.found:
            regret = base - forced.objective
            if result.status == "optimal" and regret < -TOLERANCE * max(1.0, abs(base)):
                raise WorkbenchError(
                    f"forcing {action} {row['forced']} gives {forced.objective:.6g} value points, "
                    f"more than the result's {base:.6g}: the result was not optimised with "
                    "these options (pass explain the same limits, weights, include and exclude)")
            row.update(value=forced.objective, regret=max(regret, 0.0),
                       added=_joined(set(forced.selected) - set(result.selected), model),
                       dropped=_joined(set(result.selected) - set(forced.selected), model),
                       reason="")
        else:
            row.update(value=float("nan"), regret=float("inf"), added="", dropped="",
                       reason="; ".join(forced.reasons))
        rows.append(row)
    columns = ["action", "name", "selected", "forced", "value", "regret", "added", "dropped",
               "status", "reason"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["regret", "action"], ascending=[False, True],
                             ignore_index=True)


def marginal_budget(model: Model, resource: str | None = None, step: float = 0.10,
                    options: Options | None = None, **keywords) -> pd.DataFrame:
    """What the last `step` of a resource's limit bought and what the next `step` would buy.

    resource: default the model's first (resources.csv). options / keywords: as for
    `optimise`. Rows 'last 10%' (limit x (1 - step) -> limit) and 'next 10%' (limit -> limit x (1 + step)).
    Columns: change, from_budget, to_budget, budget_change [the resource's unit], from_value,
    to_value, value_change [value points], added, dropped (';'-joined action ids).
    """
    if not 0 < step < 1:
        raise ModelError(f"step={step!r}: give the share of the limit as a number between 0 and 1, "
                         "e.g. 0.10 for 10%")
    options = _with_values(model, run_options(model, options, **keywords))
    resource = resource or model.resource_names[0]
    limit = current_limit(model, resource, options.limits)
    levels = [limit * (1 - step), limit, limit * (1 + step)]
    results = [optimise(model, options.changed(limits={**options.limits, resource: level}))
               for level in levels]
    label = f"{step:.0%}"
    rows = []
    for change, (before, after), (low, high) in (
            (f"last {label}", results[:2], levels[:2]), (f"next {label}", results[1:], levels[1:])):
        found = before.found and after.found
        rows.append({
            "change": change, "from_budget": low, "to_budget": high, "budget_change": high - low,
            "from_value": before.objective if before.found else float("nan"),
            "to_value": after.objective if after.found else float("nan"),
            "value_change": after.objective - before.objective if found else float("nan"),
            "added": _joined(set(after.selected) - set(before.selected), model),
            "dropped": _joined(set(before.selected) - set(after.selected), model),
        })
    return pd.DataFrame(rows)


def current_limit(model: Model, resource: str, limits: dict[str, float] | None = None) -> float:
    """A resource's whole-horizon limit: from `limits` if given there, else from resources.csv."""
    if resource not in model.resource_names:
        raise ModelError(f"resource={resource!r}: unknown resource (the model has "
                         f"{', '.join(model.resource_names)})")
    in_force = whole_horizon_limits(model, limits)
    if resource not in in_force:
        raise ModelError(f"resource={resource!r} has no limit over the whole horizon in "
                         f"resources.csv: pass limits={{{resource!r}: amount}}")
    return in_force[resource]


def _with_values(model: Model, options: Options) -> Options:
    """The options with the action values computed once, so every re-optimisation reuses them."""
    return options.changed(values=action_values_for(model, options), weights=None)


def _joined(actions: Iterable[str], model: Model) -> str:
    """Action ids in the model's order, ';'-joined."""
    chosen = set(actions)
    return ";".join(a for a in model.actions.index if a in chosen)
