"""The dashboard's controller: settings in, portfolio and tables out, no widgets.

Fast views (headline, portfolio table, value by criterion, frontier marker, timeline) follow a
change at once. Slow views (the frontier itself, many solves; the explanation, one solve per
action) are worked out once per settings and cached; the layout computes them on a
background thread in a live kernel, so the controls never wait for them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd

from ..errors import WorkbenchError
from ..model import Model, PortfolioResult
from ..options import Options
from ..portfolio import optimise
from ..portfolio.reoptimise import Reoptimiser
from ..portfolio.rules import forced_actions, whole_horizon_limits
from ..portfolio.schedule import resource_amounts
from ..scenarios import (AGREED, Scenario, apply_scenario, load_scenario, load_scenarios,
                         save_scenario, scenario_table, scenario_weights,
                         scenarios_save_problem, stakeholder_weights)
from ..scoring import action_values, normalised_weights

CACHE_SIZE = 64  # portfolios kept per dashboard (one per distinct settings)
REOPTIMISERS = 8  # MILPs kept per dashboard (one per include / exclude / horizon / streams)
FRONTIER_STEPS = 25  # the dashboard's frontier merges steps closer than range / this
EXPLAINED_EXCLUSIONS = 5  # closest calls listed in the explanation
EXPLAIN_EVERY_ACTION_UP_TO = 40  # actions; `explain` re-optimises once per action


@dataclass(frozen=True)
class FrontierView:
    """A frontier table for some settings, with the resource it varies and the budget in force."""

    table: pd.DataFrame | None
    resource: str
    budget: float | None
    current: bool  # computed for the settings in force (False: an older one, or none yet)


class WhatIf:
    """The dashboard's state and logic: settings in, portfolio and tables out.

    model: a loaded model; scenario: a scenario name from its scenarios.csv to start from;
    resource: the resource the frontier varies (default the first, e.g. cost).
    """

    def __init__(self, model: Model, scenario: str | None = None, *, solver: str = "highs",
                 resource: str | None = None):
        self.model = model
        self.solver = solver
        self.resource = resource or model.resource_names[0]
        self.notices: list[str] = []
        try:
            self.scenarios = load_scenarios(model)
        except WorkbenchError as error:
            self.scenarios = scenario_table(Scenario()).iloc[0:0]
            self.notices = ["scenarios.csv cannot be used: " + line
                            for line in _error_lines(error)]
        self.requested = Scenario()  # what the controls say
        self.settings: Scenario | None = None  # the settings of the portfolio shown
        self.result: PortfolioResult | None = None  # the last good portfolio
        self.problems: list[str] = []  # why the requested settings have no portfolio
        self.infeasible = False  # True: valid settings that no portfolio fits
        self.save_problem: str | None = scenarios_save_problem(model)  # why saving is off
        self.baseline: PortfolioResult | None = None
        self.baseline_name = ""
        self._lock = threading.RLock()
        self._results: OrderedDict[tuple, PortfolioResult] = OrderedDict()
        self._values: OrderedDict[tuple, pd.Series] = OrderedDict()
        self._frontiers: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._explanations: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._reoptimisers: OrderedDict[tuple, Reoptimiser] = OrderedDict()
        self._solve_lock = threading.Lock()
        self._model_limits = whole_horizon_limits(model)  # {resource: limit} of the model
        start = Scenario()
        if scenario:
            try:
                start = load_scenario(model, scenario, self.scenarios)
            except WorkbenchError as error:
                self.notices += _error_lines(error)
        self.apply(start)
        self.pin_baseline("the model as given" if not scenario else scenario)

    # ------------------------------------------------------------ changing settings

    def apply(self, settings: Scenario) -> bool:
        """Optimise under new settings; True if a portfolio was found.

        Otherwise `problems` says why in words and the last good portfolio stays.
        """
        self.requested = settings
        try:
            model, options = apply_scenario(self.model, settings)
            result = self._optimise(settings, model, options)
        except WorkbenchError as error:
            self.problems, self.infeasible = _error_lines(error), False
            return False
        if not result.found:
            self.problems = result.reasons or [f"no portfolio satisfies every constraint "
                                               f"({result.status})"]
            self.infeasible = True
            return False
        self.result, self.settings, self.problems, self.infeasible = result, settings, [], False
        return True

    def set_limit(self, resource: str, amount: float) -> bool:
        """A resource's limit over the whole horizon [its unit]; the model's own clears it."""
        limits = dict(self.requested.limits)
        if _same(amount, self.model_limit(resource)):
            limits.pop(resource, None)
        else:
            limits[resource] = float(amount)
        return self.apply(self.requested.changed(limits=limits))

    def set_stream_limit(self, stream: str, amount: float) -> bool:
        """A funding stream's limit over the whole horizon [pounds]."""
        limits = dict(self.requested.stream_limits)
        if _same(amount, self.model_stream_limit(stream)):
            limits.pop(stream, None)
        else:
            limits[stream] = float(amount)
        return self.apply(self.requested.changed(stream_limits=limits))

    def set_weight(self, criterion: str, weight: float) -> bool:
        """A criterion's weight [relative], on top of the chosen stakeholder's weights."""
        weights = dict(self.requested.weights)
        base = stakeholder_weights(self.model, self.requested.stakeholder)
        if _same(weight, base[criterion]):
            weights.pop(criterion, None)
        else:
            weights[criterion] = float(weight)
        return self.apply(self.requested.changed(weights=weights))

    def set_stakeholder(self, choice: str) -> bool:
        """Start from other weights (agreed, combined or a group's); weight changes are reset."""
        return self.apply(self.requested.changed(stakeholder=choice, weights={}))

    def set_include(self, actions) -> bool:
        return self.apply(self.requested.changed(include=tuple(actions)))

    def set_exclude(self, actions) -> bool:
        return self.apply(self.requested.changed(exclude=tuple(actions)))

    def set_forced(self, action: str, state: str) -> bool:
        """Force one action in ('in'), out ('out') or leave it to the optimiser ('')."""
        include = tuple(a for a in self.requested.include if a != action)
        exclude = tuple(a for a in self.requested.exclude if a != action)
        if state == "in":
            include += (action,)
        elif state == "out":
            exclude += (action,)
        elif state:
            raise ValueError(f"state {state!r}: expected 'in', 'out' or '' (free)")
        return self.apply(self.requested.changed(include=include, exclude=exclude))

    def forced(self) -> dict[str, str]:
        """{action: 'in' / 'out' / 'in (model)' / 'out (model)'} for every forced action: the
        requested settings' own, then constraints.csv's include and exclude rows."""
        forced = {**{a: "in" for a in self.requested.include},
                  **{a: "out" for a in self.requested.exclude}}
        for actions, mark in zip(forced_actions(self.model), ("in", "out")):
            for action in sorted(actions):
                forced[action] = mark + " (model)"
        return forced

    def set_horizon(self, years: int | None, scale_limits: bool = True) -> bool:
        """Plan over `years` [years]. scale_limits: multiply every whole-horizon limit in force
        (resources and funding streams) by new years / old years, so each year keeps what it
        had; False keeps the totals, which must then last the new number of years."""
        new = int(years) if years else self.model.horizon
        old = self.horizon()
        changes = {"horizon": None if new == self.model.horizon else new}
        if scale_limits and new != old:
            factor = new / old
            limits, streams = {}, {}
            for resource in self.model.resource_names:
                limit = self.limit(resource)
                if limit is not None and not _same(limit * factor, self.model_limit(resource)):
                    limits[resource] = limit * factor
            for stream in self.stream_names():
                limit = self.stream_limit(stream)
                if limit is not None and not _same(limit * factor,
                                                   self.model_stream_limit(stream)):
                    streams[stream] = limit * factor
            changes.update(limits=limits, stream_limits=streams)
        return self.apply(self.requested.changed(**changes))

    def use_scenario(self, name: str | None) -> bool:
        """Replace every setting by a saved scenario's (None or '': the model as given)."""
        settings = load_scenario(self.model, name, self.scenarios) if name else Scenario()
        return self.apply(settings)

    def pin_baseline(self, name: str | None = None) -> None:
        """Compare everything from now on with the portfolio shown now."""
        self.baseline = self.result
        self.baseline_name = name or (self.settings.name if self.settings and
                                      self.settings.name else "pinned settings")

    def save(self, name: str, overwrite: bool = False, note: str = ""):
        """Save the requested settings as a named scenario in the model's scenarios.csv."""
        settings = self.requested.changed(name=name, note=note or self.requested.note)
        try:
            path = save_scenario(self.model, settings, overwrite=overwrite)
        finally:
            self.save_problem = scenarios_save_problem(self.model)
        self.scenarios = load_scenarios(self.model)
        self.requested = settings
        if self.settings is not None and self.settings.key() == settings.key():
            self.settings = settings
        return path

    # ------------------------------------------------------------ what is in force

    def model_limit(self, resource: str) -> float | None:
        """The model's own whole-horizon limit of a resource (None: limited per year only)."""
        return self._model_limits.get(resource)

    def model_stream_limit(self, stream: str) -> float | None:
        rows = self.model.funding[(self.model.funding["stream"] == stream)
                                  & self.model.funding["year"].isna()]
        return float(rows["limit"].iloc[0]) if len(rows) else None

    def limit(self, resource: str, settings: Scenario | None = None) -> float | None:
        """The whole-horizon limit the controls ask for (or `settings` set) [the resource's
        unit]; None: limited per year only."""
        settings = settings or self.requested
        return settings.limits.get(resource, self.model_limit(resource))

    def stream_names(self) -> list[str]:
        """Funding streams with a whole-horizon limit (the ones the dashboard can move)."""
        funding = self.model.funding
        return list(dict.fromkeys(funding.loc[funding["year"].isna(), "stream"]))

    def stream_limit(self, stream: str) -> float | None:
        return self.requested.stream_limits.get(stream, self.model_stream_limit(stream))

    def weights(self) -> pd.Series:
        """The weights the controls ask for [relative]."""
        return scenario_weights(self.model, self.requested)

    def normalised_weights(self) -> pd.Series | None:
        """Those weights as shares summing to 1 (None when they add up to zero)."""
        weights = self.weights()
        return normalised_weights(weights) if weights.sum() > 0 else None

    def horizon(self, settings: Scenario | None = None) -> int:
        """Years planned for by the controls (or by `settings`)."""
        return (settings or self.requested).horizon or self.model.horizon

    def horizon_choices(self) -> list[int]:
        """Horizons worth offering [years]: up to the model's or its longest action's duration."""
        durations = self.model.actions.get("duration_years", pd.Series(dtype=float))
        longest = int(durations.max()) if durations.notna().any() else 1
        return list(range(1, max(self.model.horizon, longest) + 1))

    # ------------------------------------------------------------ tables for the views

    def headline(self) -> dict:
        """Value [value points], its split, use of each resource and the change on the baseline."""
        requested = self.requested
        common = {
            "problems": self.problems, "infeasible": self.infeasible,
            "requested": {"limits": {r: self.limit(r) for r in self.model.resource_names},
                          "streams": {stream: (limit, self.model_stream_limit(stream))
                                      for stream, limit in requested.stream_limits.items()},
                          "include": list(requested.include),
                          "exclude": list(requested.exclude),
                          "horizon": self.horizon()},
            "model_limits": {r: self.model_limit(r) for r in self.model.resource_names},
            "model_horizon": self.model.horizon,
        }
        result = self.result
        if result is None:
            return {"found": False, **common}
        baseline = self.baseline
        head = {
            "found": True, "status": result.status, "value": result.value,
            "cost": result.cost,
            "limits": {r: self.limit(r, self.settings) for r in self.model.resource_names},
            "selected": len(result.selected), "actions": len(self.model.actions),
            "horizon": result.horizon, "warnings": list(result.warnings),
            "baseline_name": self.baseline_name,
            "scenario": self.settings.name if self.settings else "", **common,
        }
        if baseline is not None:
            head["change"] = {
                "value": result.value["total"] - baseline.value["total"],
                "cost": {r: result.cost[r] - baseline.cost[r] for r in result.cost},
                "added": [a for a in result.selected if a not in baseline.selected],
                "dropped": [a for a in baseline.selected if a not in result.selected],
            }
        return head

    def action_values(self) -> pd.Series:
        """Standalone value of each action under the weights in force [value points]."""
        settings = self.settings or self.requested
        key = (settings.stakeholder, tuple(sorted(settings.weights.items())))
        with self._lock:
            if key not in self._values:
                values = action_values(self.model, scenario_weights(self.model, settings))
                _remember(self._values, key, values, 16)
            return self._values[key]

    def portfolio_table(self) -> pd.DataFrame:
        """Every action: selected, in the baseline, change (added / dropped), forced, start year,
        standalone value [value points] and amount of each resource (set-up plus one year)
        [the resource's unit]."""
        model, result = self.model, self.result
        selected = set(result.selected) if result else set()
        baseline = set(self.baseline.selected) if self.baseline else selected
        settings = self.settings or self.requested
        forced = {**{a: "in" for a in settings.include}, **{a: "out" for a in settings.exclude}}
        for actions, mark in zip(forced_actions(model), ("in", "out")):
            for action in sorted(actions):
                forced.setdefault(action, mark + " (model)")
        running, setup = resource_amounts(model)
        table = pd.DataFrame({
            "name": model.actions["name"], "theme": model.actions["theme"],
            "lead": model.actions["lead"],
            "selected": [a in selected for a in model.actions.index],
            "baseline": [a in baseline for a in model.actions.index],
        }, index=model.actions.index)
        table["change"] = ["added" if s and not b else "dropped" if b and not s else ""
                           for s, b in zip(table["selected"], table["baseline"])]
        table["forced"] = [forced.get(a, "") for a in table.index]
        table["start_year"] = [result.start_year.get(a) if result else None for a in table.index]
        table["share"] = [result.shares.get(a, 1.0) if result and a in selected else None
                          for a in table.index]  # the share funded [0..1]
        table["scheme"] = [model.scheme_of(a) or "" for a in table.index]
        for scheme in model.schemes:  # forcing a scheme forces whichever level is funded
            for version in model.schemes[scheme]:
                if scheme in forced:
                    table.loc[version, "forced"] = forced[scheme] + " (any level)"
        table["value"] = self.action_values()
        for resource in model.resource_names:
            table[resource] = running[resource] + setup[resource]
        order = (~table["selected"]).astype(int) * 2 + (table["change"] != "dropped").astype(int)
        return table.assign(order=order).sort_values(
            ["order", "value"], ascending=[True, False], kind="stable").drop(columns="order")

    def criterion_table(self) -> pd.DataFrame:
        """Value the portfolio (and the baseline) gets on each criterion [value points]."""
        names = self.model.criteria["name"]
        now = self.result.value_by_criterion if self.result else pd.Series(dtype=float)
        before = self.baseline.value_by_criterion if self.baseline else pd.Series(dtype=float)
        table = pd.DataFrame({"name": names, "value": now.reindex(names.index),
                              "baseline": before.reindex(names.index)})
        table["change"] = table["value"] - table["baseline"]
        return table

    # ------------------------------------------------------------ slow views, cached

    def frontier_key(self, settings: Scenario) -> tuple:
        """Everything the frontier depends on: the settings less the varied resource's limit."""
        others = settings.changed(limits={r: v for r, v in settings.limits.items()
                                          if r != self.resource})
        return others.key()

    def cached_frontier(self, settings: Scenario | None = None) -> pd.DataFrame | None:
        settings = settings or self.settings
        with self._lock:
            return self._frontiers.get(self.frontier_key(settings)) if settings else None

    def frontier(self, settings: Scenario | None = None) -> pd.DataFrame:
        """The efficient frontier over `resource` for some settings (default those in force)."""
        from ..frontier import frontier, full_need

        settings = settings or self.settings
        key = self.frontier_key(settings)
        with self._lock:
            if key in self._frontiers:
                return self._frontiers[key]
        model, options = apply_scenario(self.model, settings)
        options = options.changed(solver=self.solver, limits={
            r: v for r, v in options.limits.items() if r != self.resource})
        top = full_need(model, self.resource, options.horizon)
        table = frontier(model, None, self.resource, None, options,
                         resolution=top / FRONTIER_STEPS)
        with self._lock:
            _remember(self._frontiers, key, table, 8)
        return table

    def frontier_view(self) -> FrontierView:
        """The frontier to draw now: the current one if cached, else the latest one known."""
        table = self.cached_frontier()
        current = table is not None
        with self._lock:
            if table is None and self._frontiers:
                table = next(reversed(self._frontiers.values()))
        return FrontierView(table, self.resource, self.limit(self.resource), current)

    def cached_explanation(self, settings: Scenario | None = None) -> pd.DataFrame | None:
        settings = settings or self.settings
        with self._lock:
            return self._explanations.get(settings.key()) if settings else None

    def explanation(self, settings: Scenario | None = None,
                    result: PortfolioResult | None = None) -> pd.DataFrame:
        """What the choices cost, most telling first [value points].

        Rows of kind 'forced in' / 'forced out' (the lead's own choices: value given up by
        each, from re-optimising without it) and 'left out' (the closest calls the optimiser
        left out: value lost if forced in, and what it would displace), from `explain`, which
        re-optimises once per action: worked out for models of up to
        EXPLAIN_EVERY_ACTION_UP_TO actions (attrs['closest_calls'] says whether).
        Columns: kind, action, name, cost [value points], displaces, reason.
        """
        from ..explain import explain

        settings, result = settings or self.settings, result or self.result
        key = settings.key()
        with self._lock:
            if key in self._explanations:
                return self._explanations[key]
        model, options = apply_scenario(self.model, settings)
        options = options.changed(values=action_values(model, options.weights), weights=None,
                                  solver=self.solver)
        rows = []
        for kind, chosen in (("include", settings.include), ("exclude", settings.exclude)):
            for action in chosen:
                freer = options.changed(**{kind: tuple(a for a in getattr(options, kind)
                                                       if a != action)})
                better = optimise(model, freer, explain=False)
                rows.append({"kind": "forced in" if kind == "include" else "forced out",
                             "action": action, "name": model.actions.at[action, "name"],
                             "cost": max(better.objective - result.objective, 0.0),
                             "displaces": "", "reason": ""})
        closest_calls = len(model.actions) <= EXPLAIN_EVERY_ACTION_UP_TO
        if closest_calls:
            table = explain(model, result, options)
            left_out = table[(table["forced"] == "in") & ~table["action"].isin(settings.exclude)]
            left_out = left_out.sort_values(["regret", "action"]).head(EXPLAINED_EXCLUSIONS)
            for row in left_out.itertuples():
                rows.append({"kind": "left out", "action": row.action, "name": row.name,
                             "cost": row.regret, "displaces": row.dropped,
                             "reason": row.reason})
        frame = pd.DataFrame(rows, columns=["kind", "action", "name", "cost", "displaces",
                                            "reason"])
        frame.attrs["closest_calls"] = closest_calls
        with self._lock:
            _remember(self._explanations, key, frame, 16)
        return frame

    # ------------------------------------------------------------ internals

    def _optimise(self, settings: Scenario, model: Model, options: Options) -> PortfolioResult:
        key = settings.key()
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        if self.solver != "highs":
            result = optimise(model, options.changed(solver=self.solver))
        else:
            with self._solve_lock:
                result = self._reoptimiser(settings, model, options).optimise(
                    weights=options.weights, limits={**self._model_limits, **options.limits})
        with self._lock:
            _remember(self._results, key, result, CACHE_SIZE)
        return result

    def _reoptimiser(self, settings: Scenario, model: Model, options: Options) -> Reoptimiser:
        """The MILP for these settings, kept while only weights and resource limits change."""
        key = (settings.changed(limits={}, weights={}, stakeholder=AGREED, name="").key(),
               tuple(sorted(r for r in options.limits if r not in self._model_limits)))
        with self._lock:
            if key in self._reoptimisers:
                self._reoptimisers.move_to_end(key)
                return self._reoptimisers[key]
        reoptimiser = Reoptimiser(model, options.changed(weights=None))
        with self._lock:
            _remember(self._reoptimisers, key, reoptimiser, REOPTIMISERS)
        return reoptimiser


def _remember(cache: OrderedDict, key, value, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


def _error_lines(error: Exception) -> list[str]:
    problems = getattr(error, "problems", None)
    if problems:
        return [str(p).removeprefix("<model>: ") for p in problems]
    explanation = getattr(error, "explanation", None)
    return [str(error).splitlines()[0], *(explanation or [])]
