"""Re-planning the remaining years (workbench/replan.py) against brute force.

The brute force below knows nothing of the remaining-years model: it enumerates, for each
action running at the review, continue or stop, and for each action not started, a start year
from the review on or none, and checks every rule on the whole timeline in plain Python.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
import math

import numpy as np
import pandas as pd
import openpyxl
import pytest

import workbench as wb
from workbench.errors import ModelError
from workbench.examples import random_tables
from workbench.replan import history, replan

TOLERANCE = 1e-6


# ---------------------------------------------------------------- generated models


def progress_rows(tables: dict, from_year: int, rng) -> list[dict]:
    """Random facts before `from_year`: some actions started (at most one per scheme and per
    excludes rule), some of them stopped, with `spent` given in some years."""
    actions = tables["actions"].set_index("id")
    horizon = int(tables["settings"]["value"].iloc[0])
    groups = []  # sets of actions of which at most one may have started
    if "option_of" in actions:
        for scheme in set(actions["option_of"]) - {""}:
            groups.append(set(actions.index[actions["option_of"] == scheme]))
    for row in tables["interactions"].itertuples():
        if row.kind == "excludes":
            listed = set()
            for member in row.actions.split(";"):
                listed |= groups_of(actions, member)
            groups.append(listed)
    rows, started = [], set()
    for action in actions.index:
        earliest = int(actions.at[action, "earliest_start"] or 1)
        if earliest >= from_year or rng.random() < 0.4:
            continue
        if any(action in g and g & started for g in groups):
            continue
        started.add(action)
        duration = actions.at[action, "duration_years"]
        duration = horizon if duration is None or duration != duration else int(duration)
        start = int(rng.integers(earliest, from_year))
        end = min(start + duration, horizon + 1, from_year)
        stop = int(rng.integers(start + 1, end)) if end > start + 1 and rng.random() < 0.3 \
            else None
        for year in range(start, (stop or end - 1) + 1):
            status = "started" if year == start else "stopped" if year == stop else "running"
            spent = int(rng.integers(0, 120)) * 1000 if rng.random() < 0.6 else ""
            rows.append({"action": action, "year": year, "status": status, "spent": spent,
                         "indicator_value": int(rng.integers(0, 100))})
    return rows


def groups_of(actions: pd.DataFrame, member: str) -> set[str]:
    if "option_of" in actions and member in set(actions["option_of"]):
        return set(actions.index[actions["option_of"] == member])
    return {member}


def random_review(seed: int):
    """(model, from_year) of a small random three-year model with stop costs and progress."""
    rng = np.random.default_rng(10_000 + seed)
    from_year = [2, 2, 3, 1][seed % 4]
    tables = random_tables(5 + seed % 2, seed, horizon=3, group_limits=seed % 3 == 0,
                           forced=seed % 5 == 0, schemes=1 if seed % 4 == 1 else 0,
                           profiles=seed % 3 == 1, budget_share=0.4 + 0.1 * (seed % 4))
    actions = tables["actions"]
    for resource in ("cost", "staff_fte"):
        actions[f"{resource}_stop"] = [int(rng.integers(0, 40)) * (1000 if resource == "cost"
                                                                   else 1)
                                       if rng.random() < 0.5 else 0 for _ in actions["id"]]
    rows = progress_rows(tables, from_year, rng) if from_year > 1 else []
    if rows:
        tables["progress"] = pd.DataFrame(rows)
    return wb.from_tables(tables), from_year


# ---------------------------------------------------------------- the brute force


class Timeline:
    """Everything the brute force needs, read straight from the model's tables."""

    def __init__(self, model: wb.Model, from_year: int):
        self.model, self.K = model, from_year
        self.T = model.horizon
        self.remaining = self.T - from_year + 1
        acts = model.actions
        self.duration = {a: int(min(self.T, d if d == d else self.T))
                         for a, d in acts["duration_years"].items()}
        self.earliest = {a: int(e) if e == e else 1 for a, e in acts["earliest_start"].items()}
        self.values = wb.action_values(model).to_dict()
        self.resources = model.resource_names
        self.running_amount = {r: acts[r].astype(float).to_dict() for r in self.resources}
        self.setup = {r: acts[f"{r}_setup"].astype(float).to_dict() for r in self.resources}
        self.stop = {r: (acts[f"{r}_stop"].astype(float).to_dict() if f"{r}_stop" in acts
                         else dict.fromkeys(acts.index, 0.0)) for r in self.resources}
        self.profile = {}
        for row in model.profiles.itertuples():
            self.profile[(row.action, row.resource, int(row.year))] = float(row.amount)
        self.schemes = model.schemes
        # facts
        rows = model.progress[model.progress["year"] < from_year].sort_values("year")
        self.start, self.stopped, self.spent = {}, {}, {}
        for row in rows.itertuples():
            self.start.setdefault(row.action, int(row.year))
            if row.status == "stopped":
                self.stopped[row.action] = int(row.year)
            if row.spent == row.spent:
                self.spent[(row.action, int(row.year))] = float(row.spent)
        self.running, self.gone = [], set()
        for a, s in self.start.items():
            if a in self.stopped or s + self.duration[a] <= from_year:
                self.gone.add(a)
            else:
                self.running.append(a)
        self.fresh = [a for a in acts.index if a not in self.start]
        rules = model.interactions
        self.groups = [list(v) for v in self.schemes.values()]
        self.groups += [[a for m in rule.members for a in self.members(m)]
                        for rule in rules[rules["kind"] == "excludes"].itertuples()]
        self.requires = [(rule.members, int(rule.lag) if rule.lag == rule.lag else 0)
                         for rule in rules[rules["kind"] == "requires"].itertuples()]
        self.bonuses = [(rule.kind, rule.members, rule.bonus, rule.threshold)
                        for rule in rules.itertuples() if rule.kind in ("synergy",
                                                                         "critical_mass")]
        self.include, self.exclude = wb.portfolio.rules.forced_actions(model)
        self.counts = [(rule.kind, "lead" if rule.kind == "lead_max" else "theme",
                        rule.target, rule.value) for rule in model.constraints.itertuples()
                       if rule.kind in ("theme_min", "theme_max", "lead_max")]
        self.group_of = {column: acts[column].to_dict() for column in ("theme", "lead")}
        self.limits = []
        for row in model.resources.itertuples():
            if row.year != row.year:
                self.limits.append((row.resource, None,
                                    max(0.0, float(row.limit) - self.used(row.resource))))
            elif row.year >= from_year:
                self.limits.append((row.resource, int(row.year), float(row.limit)))

    def members(self, target):
        return self.schemes.get(target, [target])

    def amount(self, resource, action, life_year):
        return self.profile.get((action, resource, life_year),
                                self.running_amount[resource][action])

    def used(self, resource):
        """Used before the review: spent (first resource) where given, else planned."""
        total = 0.0
        for a, s in self.start.items():
            natural_end = min(s + self.duration[a], self.T + 1)
            end = min(natural_end, self.stopped.get(a, natural_end), self.K)
            for year in range(s, self.K):
                planned = 0.0
                if year < end:
                    planned += self.amount(resource, a, year - s + 1)
                    if year == s:
                        planned += self.setup[resource][a]
                stop_here = self.stopped.get(a) == year and year < natural_end
                if stop_here:
                    planned += self.stop[resource][a]
                if resource == self.resources[0] and (a, year) in self.spent:
                    total += self.spent[(a, year)]
                elif year < end or stop_here:
                    total += planned
        return total

    def evaluate(self, keep: dict[str, bool], starts: dict[str, int]) -> float | None:
        """Value of years K..T [value points of the remaining years], None if a rule breaks."""
        K, T = self.K, self.T
        active = {}
        for a, on in keep.items():
            s = self.start[a]
            active[a] = set(range(K, min(s + self.duration[a], T + 1))) if on else set()
        for a, t in starts.items():
            if t < self.earliest[a]:
                return None
            active[a] = set(range(t, min(t + self.duration[a], T + 1)))
        running_now = {a for a, on in keep.items() if on} | set(starts)
        began = {**self.start, **starts}
        # schemes and excludes: nothing new once one has begun; else one at most
        for group in self.groups:
            new = [a for a in group if a in starts]
            if new and (any(a in self.start for a in group) or len(new) > 1):
                return None
        for (x, y), lag in self.requires:
            for v in self.members(x):
                if v in starts and not any(w in began and began[w] <= starts[v] - lag
                                           for w in self.members(y)):
                    return None
        for target in self.include:
            members = self.members(target)
            if not set(members) & self.gone and not set(members) & running_now:
                return None
        for target in self.exclude:
            members = self.members(target)
            if not set(members) & self.gone and set(members) & running_now:
                return None
        for kind, column, target, bound in self.counts:
            n = sum(1 for a in running_now if self.group_of[column][a] == target)
            if (kind == "theme_min" and n < bound) or (kind != "theme_min" and n > bound):
                return None
        by_resource = {}
        for resource in self.resources:
            by_year = by_resource[resource] = {}
            for year in range(K, T + 1):
                total = 0.0
                for a, on in keep.items():
                    if on and year in active[a]:
                        total += self.amount(resource, a, year - self.start[a] + 1)
                    if not on and year == K:
                        total += self.stop[resource][a]
                for a, t in starts.items():
                    if year == t:
                        total += self.setup[resource][a]
                    if year in active[a]:
                        total += self.amount(resource, a, year - t + 1)
                by_year[year] = total
        for resource, year, limit in self.limits:
            by_year = by_resource[resource]
            amount = sum(by_year.values()) if year is None else by_year.get(year, 0.0)
            if amount > limit + TOLERANCE * max(1.0, abs(limit)):
                return None
        value = sum(self.values[a] * len(years) for a, years in active.items())
        with_schemes = dict(active)
        for scheme, versions in self.schemes.items():
            with_schemes[scheme] = set().union(*(active.get(v, set()) for v in versions))
        for kind, members, bonus, threshold in self.bonuses:
            if kind == "synergy":
                a, b = members
                both = with_schemes.get(a, set()) & with_schemes.get(b, set())
                value += bonus * len(both)
            else:
                for year in range(K, T + 1):
                    count = sum(1 for m in members if year in with_schemes.get(m, set()))
                    if count >= threshold:
                        value += bonus
        return value / self.remaining

    def best(self) -> float | None:
        best = None
        years = [None, *range(self.K, self.T + 1)]
        for keep in itertools.product([True, False], repeat=len(self.running)):
            kept = dict(zip(self.running, keep))
            for choice in itertools.product(years, repeat=len(self.fresh)):
                starts = {a: t for a, t in zip(self.fresh, choice) if t is not None}
                value = self.evaluate(kept, starts)
                if value is not None and (best is None or value > best):
                    best = value
        return best


def decided(result) -> tuple[dict[str, bool], dict[str, int]]:
    """(continue or not per running action, plan start year per new start) of a re-plan."""
    table = result.decisions.set_index("action")
    keep = {a: d == "continue" for a, d in table["decision"].items() if d in ("continue", "stop")}
    starts = {a: int(table.at[a, "start_year"]) for a in table.index
              if table.at[a, "decision"] == "start"}
    return keep, starts


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", range(210))
def test_replan_equals_brute_force(seed):
    model, from_year = random_review(seed)
    line = Timeline(model, from_year)
    best = line.best()
    result = replan(model, from_year=from_year)
    if best is None:
        assert not result.found
        return
    assert result.found, result.result.reasons
    assert result.value == pytest.approx(best, abs=1e-6, rel=1e-6)
    keep, starts = decided(result)
    assert set(keep) == set(line.running)
    assert line.evaluate(keep, starts) == pytest.approx(result.value, abs=1e-6, rel=1e-6)


def test_random_reviews_cover_every_decision_and_state():
    """The brute-force models above are not all trivial: running actions, stops, stop costs
    and histories that settle rules all occur."""
    seen, running, gone = set(), 0, 0
    for seed in range(0, 210, 3):
        model, from_year = random_review(seed)
        past = history(model, from_year)
        running += len(past.running)
        gone += len(past.gone)
        seen |= set(replan(model, from_year=from_year).decisions["decision"])
    assert {"continue", "stop", "start", "not funded", "finished"} <= seen
    assert running >= 20 and gone >= 5


@pytest.mark.parametrize("seed", range(6))
def test_from_year_one_without_progress_equals_optimise(seed):
    model = wb.examples.random_model(8, seed, horizon=3, schemes=1, profiles=True,
                                     funding=True, group_limits=True)
    best = wb.optimise(model)
    again = replan(model, from_year=1)
    assert again.value == pytest.approx(best.objective, rel=1e-9)
    assert again.value_in_plan_units == pytest.approx(best.objective, rel=1e-9)
    assert dict(again.result.start_year) == dict(best.start_year)


def test_worked_example_from_year_one_equals_optimise():
    model, options = wb.apply_scenario(wb.load("data/mental_health_strategy"),
                                       "three_year_plan")
    model = dataclasses.replace(model, progress=model.progress.iloc[0:0])
    best = wb.optimise(model, options)
    again = replan(model, options, from_year=1)
    assert again.value == pytest.approx(best.objective, rel=1e-9)
    assert again.result.start_year == best.start_year


def _two_actions(stop_cost: float, limit: float):
    """a runs years 1-3 (cost 100 a year); b (worth more) could start in year 2."""
    tables = {
        "actions": pd.DataFrame({"id": ["a", "b"], "name": ["A", "B"], "theme": "t",
                                 "lead": ["L1", "L2"], "indicator": "done",
                                 "cost": [100, 150], "cost_stop": [stop_cost, 0],
                                 "duration_years": [3, 2], "indicator_target": [50, None]}),
        "resources": pd.DataFrame({"resource": ["cost"], "limit": [limit]}),
        "criteria": pd.DataFrame({"id": ["c"], "name": ["C"], "weight": [1], "scale_min": [0],
                                  "scale_max": [10], "direction": ["higher"]}),
        "scores": pd.DataFrame({"action": ["a", "b"], "criterion": "c", "score": [3, 9]}),
        "settings": pd.DataFrame({"setting": ["horizon_years"], "value": ["3"]}),
        "progress": pd.DataFrame({"action": ["a"], "year": [1], "status": ["started"],
                                  "spent": [120], "indicator_value": [20]}),
    }
    return wb.from_tables(tables)


def test_stopping_frees_money_for_a_better_action_unless_stopping_costs_too_much():
    # 120 spent in year 1; 500 in all leaves 380: continuing a (200) leaves 180 < 300 for b
    stop_cheap = replan(_two_actions(stop_cost=50, limit=500), from_year=2)
    assert stop_cheap.decision("a") == "stop" and stop_cheap.decision("b") == "start"
    assert stop_cheap.used_before == {"cost": 120.0}
    assert stop_cheap.limits_left == {"cost": 380.0}
    assert stop_cheap.result.cost["cost"] == pytest.approx(350.0)  # stop 50 + b 2 x 150
    # stopping for 100 leaves 280 < 300: a continues and b gets its last year only
    too_dear = replan(_two_actions(stop_cost=100, limit=500), from_year=2)
    assert too_dear.decision("a") == "continue" and too_dear.decision("b") == "start"
    assert too_dear.decisions.set_index("action").at["b", "start_year"] == 3
    assert too_dear.value == pytest.approx((30 * 2 + 90 * 1) / 2)  # value points a year / 2
    row = too_dear.decisions.set_index("action").loc["a"]
    assert (row["start_year"], row["years"], row["indicator_value"],
            row["indicator_target"]) == (1, "2-3", 20.0, 50.0)


def test_an_included_running_action_must_continue():
    model = _two_actions(stop_cost=50, limit=500)
    assert replan(model, from_year=2, include=["a"]).decision("a") == "continue"
    assert replan(model, from_year=2, exclude=["a"]).decision("a") == "stop"


def test_from_year_outside_the_plan_is_refused():
    model = _two_actions(stop_cost=0, limit=500)
    for bad in (0, 4, 2.5, "2"):
        with pytest.raises(ModelError, match="from_year: .* must be a whole year of the plan, "
                                             "from 1 to 3"):
            replan(model, from_year=bad)


def test_stop_costs_are_paid_by_the_streams_that_pay_for_the_action():
    model = _two_actions(stop_cost=50, limit=500)
    funding = pd.DataFrame({"stream": ["grant"], "resource": ["cost"], "limit": [10_000],
                            "themes": [("t",)], "actions": [()], "year": [math.nan],
                            "description": [""]})
    funded = replan(dataclasses.replace(model, funding=funding), from_year=2)
    assert funded.decision("a") == "stop"
    paid = funded.result.funding
    assert set(paid["stream"]) == {"grant"} and paid["amount"].sum() == pytest.approx(350.0)


# ---------------------------------------------------------------- progress.csv validation


def _tables_with_progress(rows):
    tables = random_tables(4, 1, horizon=3)
    tables["progress"] = pd.DataFrame(rows)
    return tables


def test_progress_problems_name_file_row_and_column():
    rows = [
        {"action": "a00", "year": 1, "status": "running", "spent": 10},
        {"action": "a01", "year": 1, "status": "started", "spent": "£5"},
        {"action": "a01", "year": 2, "status": "started", "spent": ""},
        {"action": "a02", "year": 1, "status": "started", "spent": ""},
        {"action": "a02", "year": 2, "status": "stopped", "spent": ""},
        {"action": "a02", "year": 3, "status": "running", "spent": ""},
        {"action": "zz", "year": 21, "status": "paused", "spent": -1},
    ]
    with pytest.raises(ModelError) as caught:
        wb.from_tables(_tables_with_progress(rows))
    text = str(caught.value)
    for expected in (
            "progress.csv:2:status: 'a00' is running in year 1 but has no earlier 'started' "
            "row: add the year it started",
            "progress.csv:3:spent: '£5' is not a number (write 5: the number alone",
            "progress.csv:4:status: 'a01' started again in year 2: it started in year 1",
            "progress.csv:7:year: 'a02' has a row for year 3 after it stopped in year 2",
            "progress.csv:8:action: unknown action 'zz'",
            "progress.csv:8:status: 'paused' must be one of started, running, stopped",
            "progress.csv:8:year: 21 is beyond the longest plan of 20 years",
            "progress.csv:8:spent: -1 is negative"):
        assert expected in text, (expected, text)


def test_stop_and_target_columns_must_be_numbers():
    tables = random_tables(3, 2, horizon=2)
    tables["actions"]["cost_stop"] = ["5", "x", ""]
    tables["actions"]["indicator_target"] = ["10", "", "lots"]
    with pytest.raises(ModelError) as caught:
        wb.from_tables(tables)
    assert "actions.csv:3:cost_stop: 'x' is not a number" in str(caught.value)
    assert "actions.csv:4:indicator_target: 'lots' is not a number" in str(caught.value)


# ---------------------------------------------------------------- the command line


def test_command_line_replan_prints_writes_and_refuses(tmp_path, capsys):
    from workbench.cli import main

    folder = "data/mental_health_strategy"
    out = tmp_path / "review.xlsx"
    assert main(["replan", folder, "--from-year", "2", "--scenario", "three_year_plan",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "The re-plan from year 2 (2 years left): continue" in text
    assert f"review written to {out}" in text
    assert openpyxl.load_workbook(out).sheetnames == ["Accountability", "Re-plan"]
    assert main(["replan", folder, "--from-year", "2", "--scenario", "three_year_plan",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=lambda c: 1 / 0)
    model, options = wb.apply_scenario(wb.load(folder), "three_year_plan")
    again = replan(model, options, from_year=2)
    assert data["value_remaining_years"] == pytest.approx(again.value, abs=1e-6)
    assert [r["decision"] for r in data["decisions"]] == list(again.decisions["decision"])
    assert main(["replan", folder, "--from-year", "4", "--scenario", "three_year_plan"]) == 2
    assert capsys.readouterr().err.startswith(
        "workbench: --from-year: 4 must be a whole year of the plan, from 1 to 3")
    assert main(["replan", folder, "--from-year", "2", "--scenario", "three_year_plan",
                 "--out", str(out)]) != 0  # exists, no --overwrite
    assert "exists" in capsys.readouterr().err
