"""Timing: when each action may start, how long it runs, and what it uses in each year.

With a horizon of one year the model is single-period: timing columns are ignored, every
action may run, and its amount of a resource is its set-up plus one year's running amount.
A cost profile (profiles.csv: action, resource, year of the action's life, amount) replaces
the running amount in the years it names; the set-up amount still comes on top in the first
year. A single-period model uses the profile's year 1.
"""
from __future__ import annotations

from dataclasses import dataclass

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


def horizon_shares(model: Model, starts: dict[str, int], horizon: int,
                   funded: dict[str, float] | None = None) -> dict[str, float]:
    """{action: horizon share} of actions started in the given years, times the share of each
    that is funded (`funded`, e.g. a result's `shares`: 1 where not given): how much of its
    standalone value each action contributes."""
    duration = action_timing(model, horizon)["duration"]
    return {a: horizon_share(t, int(duration[a]), horizon) * (funded or {}).get(a, 1.0)
            for a, t in starts.items()}


def resource_amounts(model: Model) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(running amount per active year, one-off set-up amount in the start year), action x resource."""
    names = model.resource_names
    running = model.actions[names].astype(float)
    setup = model.actions[[name + SETUP_SUFFIX for name in names]].astype(float)
    return running, setup.set_axis(names, axis=1)


@dataclass(frozen=True)
class Amounts:
    """What each action uses of each resource in each year of its life [the resource's unit],
    for a whole action (a share q of it uses q times as much)."""

    running: dict[str, dict[str, float]]  # resource -> action -> amount a year
    setup: dict[str, dict[str, float]]  # resource -> action -> one-off amount in the start year
    profile: dict[tuple[str, str], dict[int, float]]  # (action, resource) -> {life year: amount}

    @classmethod
    def of(cls, model: Model) -> Amounts:
        running, setup = resource_amounts(model)
        profile: dict[tuple[str, str], dict[int, float]] = {}
        for row in model.profiles.itertuples():
            profile.setdefault((row.action, row.resource), {})[int(row.year)] = float(row.amount)
        return cls(running.to_dict(), setup.to_dict(), profile)

    def running_in(self, resource: str, action: str, life_year: int) -> float:
        """The running amount in one year of the action's life (1 = its first year)."""
        own = self.profile.get((action, resource))
        if own and life_year in own:
            return own[life_year]
        return self.running[resource][action]

    def in_year(self, resource: str, action: str, start: int, year: int,
                years: range) -> float:
        """Used in `year` by the action started in `start` that runs in `years`."""
        amount = self.setup[resource][action] if year == start else 0.0
        if year in years:
            amount += self.running_in(resource, action, year - start + 1)
        return amount

    def over(self, resource: str, action: str, start: int, years: range) -> float:
        """Used over the horizon by the action started in `start` that runs in `years`."""
        return self.setup[resource][action] + sum(
            self.running_in(resource, action, t - start + 1) for t in years)

    def surely(self, resource: str, action: str, horizon: int) -> float:
        """The least a running action uses in any one year of the horizon (set-up included
        with a one-year horizon, when it always falls in the year)."""
        if horizon == 1:
            return self.setup[resource][action] + self.running_in(resource, action, 1)
        own = self.profile.get((action, resource), {})
        return min([self.running[resource][action], *own.values()])


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
