"""Timing: when each action may start, how long it runs, and what it uses in each year.

With a horizon of one year the model is single-period: timing columns are ignored, every
action may run, and its amount of a resource is its set-up plus one year's running amount.
"""
from __future__ import annotations

import pandas as pd

from ..model import SETUP_SUFFIX, Model


def action_timing(model: Model, horizon: int) -> pd.DataFrame:
    """Per action: the years it may start in (earliest..horizon) and its duration [years]."""
    actions = model.actions
    if horizon == 1:
        return pd.DataFrame({"earliest": 1, "duration": 1}, index=actions.index)
    earliest = actions["earliest_start"].fillna(1).astype(int)
    duration = actions["duration_years"].fillna(horizon).clip(upper=horizon).astype(int)
    return pd.DataFrame({"earliest": earliest, "duration": duration}, index=actions.index)


def start_years(timing: pd.DataFrame, horizon: int) -> dict[str, list[int]]:
    """The start years open to each action (empty when it cannot start within the horizon)."""
    return {action: list(range(int(earliest), horizon + 1))
            for action, earliest in zip(timing.index, timing["earliest"])}


def active_years(start: int, duration: int, horizon: int) -> range:
    """Years an action started in `start` runs, cut at the horizon."""
    return range(start, min(start + duration, horizon + 1))


def horizon_share(start: int, duration: int, horizon: int) -> float:
    """Share of the horizon [0..1] an action started in `start` runs: its value and bonuses
    count in proportion (a whole-horizon action is worth its full value)."""
    return len(active_years(start, duration, horizon)) / horizon


def horizon_shares(model: Model, starts: dict[str, int], horizon: int) -> dict[str, float]:
    """{action: horizon share} of actions started in the given years."""
    duration = action_timing(model, horizon)["duration"]
    return {a: horizon_share(t, int(duration[a]), horizon) for a, t in starts.items()}


def resource_amounts(model: Model) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(running amount per active year, one-off set-up amount in the start year), action x resource."""
    names = model.resource_names
    running = model.actions[names].astype(float)
    setup = model.actions[[name + SETUP_SUFFIX for name in names]].astype(float)
    return running, setup.set_axis(names, axis=1)


def eligible_streams(model: Model) -> dict[tuple[str, str], list[str]]:
    """{(action, resource): streams allowed to pay that action's amount of that resource}."""
    streams = [(row.stream, row.resource, set(row.themes), set(row.actions))
               for row in model.funding.drop_duplicates("stream").itertuples()]
    eligible: dict[tuple[str, str], list[str]] = {}
    for action, theme in model.actions["theme"].items():
        for stream, resource, themes, actions in streams:
            if (not themes and not actions) or theme in themes or action in actions:
                eligible.setdefault((action, resource), []).append(stream)
    return eligible
