"""What a run must keep besides the model's tables, each worked out in one place.

- the limits in force: the model's resource limits with the run's overrides;
- the forced actions: constraints.csv's include / exclude rows with the run's own;
- the action values a run optimises.
"""
from __future__ import annotations

import pandas as pd

from ..model import Model
from ..scoring import action_values


def limits_in_force(model: Model, limits: dict[str, float] | None = None,
                    horizon: int | None = None) -> pd.DataFrame:
    """Rows of (resource, year, limit); year 0 means the whole horizon. `limits` replaces (or
    adds) whole-horizon limits [the resource's unit].

    Rows for years after the horizon are left out: a model may hold limits for a longer plan.
    """
    table = model.resources.assign(year=model.resources["year"].fillna(0).astype(int))
    table = table[table["year"] <= (horizon or model.horizon)]
    for resource, amount in (limits or {}).items():
        whole = (table["resource"] == resource) & (table["year"] == 0)
        if whole.any():
            table.loc[whole, "limit"] = float(amount)
        else:
            table = pd.concat([table, pd.DataFrame(
                [{"resource": resource, "year": 0, "limit": float(amount)}])], ignore_index=True)
    return table[["resource", "year", "limit"]].reset_index(drop=True)


def whole_horizon_limits(model: Model, limits: dict[str, float] | None = None) -> dict[str, float]:
    """{resource: limit over the whole horizon in force} for resources that have one."""
    table = limits_in_force(model, limits)
    whole = table[table["year"] == 0]
    return dict(zip(whole["resource"], whole["limit"].astype(float)))


def forced_actions(model: Model, options=None, *, include=(), exclude=()
                   ) -> tuple[set[str], set[str]]:
    """(actions that must be funded, actions that must not): constraints.csv's include and
    exclude rows with the run's own (`options`, or include= / exclude=)."""
    if options is not None:
        include, exclude = options.include, options.exclude
    rules = model.constraints
    return (set(include) | set(rules.loc[rules["kind"] == "include", "target"]),
            set(exclude) | set(rules.loc[rules["kind"] == "exclude", "target"]))


def action_values_for(model: Model, options) -> pd.Series:
    """The action values [value points] a run optimises: its own `values`, else the model's
    scores under its weights (criteria.csv's unless it gives some)."""
    if options.values is not None:
        return options.values
    return action_values(model, options.weights)
