"""Re-plan the remaining years of a multi-year plan from what progress.csv says happened.

At a review in year K the years before K are facts: which actions started (and when), which
stopped, what they spent. `replan(model, from_year=K)` finds the best plan for years K..T:

- an action running at K (started before K, not stopped, its life not over) either continues
  for the rest of its life or stops, paying its `<resource>_stop` amounts in year K;
- an action that has not started may start in year K or later (as early as its
  `earliest_start` and its `requires` rules allow: a prerequisite that started before K counts
  from the year it started, even if it stopped since);
- an action that finished or stopped before K is gone; while any version of a scheme, or any
  action of an `excludes` rule, has started, the others may not start;
- resource limits of years K..T apply; a whole-horizon limit keeps what is left of it: the
  limit minus what was used before K (nothing left if more was used). What was used is
  progress.csv's `spent` for the first resource where given, else the planned amount of that
  year (set-up, running amount, stop amount); always the planned amount for other resources;
- funding streams: a stream's limits for years K..T apply; progress.csv does not say which
  stream paid what, so a whole-horizon stream keeps its full amount (lower it in funding.csv,
  or with a scenario's stream_limit, to what it has left);
- include / exclude (constraints.csv and the run's options): a rule about an action or scheme
  that finished or stopped before K is settled by the facts and dropped; an included running
  action must continue, an excluded one must stop;
- balance rules (theme_min, theme_max, lead_max) count the actions that run in years K..T;
- a running action continues whole (a `min_share` applies to new starts only), at the amounts
  of the rest of its life (profiles.csv counted from its own start).

The objective is the value and bonuses of years K..T: value points x years run / (T - K + 1),
so an action running through all the remaining years is worth its full value [value points
of the remaining years]. `value_in_plan_units` rescales it to the whole plan's units (x (T - K
+ 1) / T), comparable with `optimise` over the whole plan.

How: a model of the remaining years (year 1 = plan year K) is built from the model's tables;
a running action i becomes two actions of it, `i` (continue: its remaining life, no set-up)
and `i__stop` (stop: its stop amounts as a one-off, no value, a theme and lead no rule names),
exactly one of which runs, in year 1. It is solved by the same MILP as `optimise`, then
mapped back to plan years. With from_year 1 and no progress it is `optimise` itself.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pandas as pd
import pulp

from .errors import ModelError, Problem
from .model import SETUP_SUFFIX, STOP_SUFFIX, Model, PortfolioResult
from .options import Options, run_options
from .portfolio.formulation import build_model
from .portfolio.optimise import chosen_funding, chosen_shares, chosen_starts
from .portfolio.result import Answer, no_portfolio, read_result
from .portfolio.rules import action_values_for, limits_in_force
from .portfolio.schedule import Amounts, action_timing, active_years, eligible_streams
from .portfolio.solvers import solve

STOP = "__stop"  # id suffix of the stop action of a running action in the remaining-years model
STOPPING = "(stopping early)"  # theme and lead of stop actions: no balance rule names them
DECISIONS = ("continue", "stop", "start", "not funded", "finished", "stopped before")
DECISION_COLUMNS = ["action", "name", "lead", "theme", "indicator", "indicator_target",
                    "indicator_value", "before", "decision", "start_year", "years"]


@dataclass(frozen=True)
class History:
    """What progress.csv says of the years before `from_year`, per action.

    start: {action: plan year it started}; stop: {action: plan year it stopped (it ran no
    more from that year)}; state: {action: running, finished or stopped} at from_year for
    every action that started; remaining: {running action: years of its life left from
    from_year}; indicator: {action: latest indicator_value before from_year}.
    """

    from_year: int
    start: dict[str, int]
    stop: dict[str, int]
    state: dict[str, str]
    remaining: dict[str, int]
    indicator: dict[str, float]
    spent: dict[str, float]  # action -> spent before from_year [first resource's unit]

    @property
    def running(self) -> list[str]:
        return [a for a, s in self.state.items() if s == "running"]

    @property
    def gone(self) -> set[str]:
        """Actions that finished or stopped before from_year."""
        return {a for a, s in self.state.items() if s != "running"}


def history(model: Model, from_year: int, horizon: int | None = None) -> History:
    """The facts of years before `from_year` from `model.progress` (rows of later years are
    left out: the re-plan decides those years)."""
    horizon = horizon or model.horizon
    rows = model.progress[model.progress["year"] < from_year].sort_values("year")
    duration = action_timing(model, horizon)["duration"]
    start: dict[str, int] = {}
    stop: dict[str, int] = {}
    indicator: dict[str, float] = {}
    spent: dict[str, float] = {}
    for row in rows.itertuples():
        year = int(row.year)
        start.setdefault(row.action, year)
        if row.status == "stopped":
            stop.setdefault(row.action, year)
        if row.indicator_value == row.indicator_value:
            indicator[row.action] = float(row.indicator_value)
        if row.spent == row.spent:
            spent[row.action] = spent.get(row.action, 0.0) + float(row.spent)
    state, remaining = {}, {}
    for action, year in start.items():
        end = min(year + int(duration[action]), horizon + 1)  # first year it no longer runs
        if action in stop:
            state[action] = "stopped"
        elif end <= from_year:
            state[action] = "finished"
        else:
            state[action] = "running"
            remaining[action] = end - from_year
    return History(from_year, start, stop, state, remaining, indicator, spent)


def used_before(model: Model, past: History, horizon: int) -> dict[str, float]:
    """{resource: amount used before from_year} [the resource's unit]: progress.csv's spent
    for the first resource in the years it gives one, the planned amount otherwise."""
    amounts = Amounts.of(model)
    duration = action_timing(model, horizon)["duration"]
    first = model.resource_names[0]
    spent_in = {(r.action, int(r.year)): float(r.spent) for r in model.progress.itertuples()
                if r.year < past.from_year and r.spent == r.spent}
    used = {r: 0.0 for r in model.resource_names}
    for action, start in past.start.items():
        life = active_years(start, int(duration[action]), horizon)
        end = min(life.stop, past.stop.get(action, life.stop), past.from_year)
        years = set(range(start, end)) | {t for (a, t) in spent_in if a == action}
        stop_year = past.stop.get(action)
        if stop_year is not None and stop_year < life.stop:
            years.add(stop_year)
        for resource in model.resource_names:
            for year in years:
                if resource == first and (action, year) in spent_in:
                    used[resource] += spent_in[action, year]
                    continue
                planned = amounts.in_year(resource, action, start, year, range(start, end))
                if year == stop_year and stop_year < life.stop:
                    planned += _stop_amount(model, action, resource)
                used[resource] += planned
    return used


def _stop_amount(model: Model, action: str, resource: str) -> float:
    column = resource + STOP_SUFFIX
    if column not in model.actions:
        return 0.0
    amount = model.actions.at[action, column]
    return float(amount) if amount == amount else 0.0


@dataclass(frozen=True)
class Remaining:
    """The model of years from_year..T (its year 1 is plan year from_year), its options, and
    what the MILP must add: allowed start years (in its own years) of the actions it fixes,
    and the (continue, stop) pairs of running actions."""

    model: Model
    options: Options
    allowed: dict[str, set[int]]
    pairs: list[tuple[str, str]]
    past: History
    used: dict[str, float]
    limits: dict[str, float]  # whole-horizon limits left [the resource's unit]


def remaining_model(model: Model, options: Options | None = None, /, *, from_year: int,
                    **keywords) -> Remaining:
    """The remaining years as a model of their own (see the module's docstring)."""
    options = run_options(model, options, **keywords)
    horizon = options.horizon
    if isinstance(from_year, bool) or not isinstance(from_year, int) or not (
            1 <= from_year <= horizon):
        raise ModelError(Problem("from_year", None, None, f"{from_year!r} must be a whole year "
                                 f"of the plan, from 1 to {horizon} (the plan's length: "
                                 "horizon_years in settings.csv, a scenario's horizon or the "
                                 "horizon option)"))
    past = history(model, from_year, horizon)
    shift = from_year - 1
    sub_horizon = horizon - shift
    values = action_values_for(model, options)
    actions = model.actions.copy()
    gone, running = past.gone, past.running
    names = model.resource_names

    # actions that stay, with their earliest start in the remaining years' own counting
    earliest = actions["earliest_start"].fillna(1).astype(int) - shift
    earliest = earliest.clip(lower=1)
    unavailable: set[str] = set()
    members = model.members
    started = set(past.start)
    for versions in model.schemes.values():  # one version per scheme, ever
        if started & set(versions):
            unavailable |= set(versions) - started
    rules = model.interactions
    for rule in rules[rules["kind"] == "excludes"].itertuples():
        listed = [a for m in rule.members for a in members(m)]
        if started & set(listed):
            unavailable |= set(listed) - started
    for rule in rules[rules["kind"] == "requires"].itertuples():
        x, y = rule.members
        begun = [past.start[a] for a in members(y) if a in past.start]
        if not begun or started & set(members(x)):
            continue
        lag = int(rule.lag) if rule.lag == rule.lag and horizon > 1 else 0
        first = min(begun) + lag - shift  # the earliest own year x may start in
        for version in members(x):
            earliest[version] = max(int(earliest[version]), first)
    if sub_horizon == 1 and horizon > 1:  # a one-year model ignores lags: apply them here
        for rule in rules[rules["kind"] == "requires"].itertuples():
            x, y = rule.members
            lag = int(rule.lag) if rule.lag == rule.lag else 0
            if lag > 0 and not started & set(members(y)) and not started & set(members(x)):
                unavailable |= set(members(x))

    kept = [a for a in actions.index if a not in gone]
    sub = actions.loc[kept].copy()
    sub["earliest_start"] = [1 if a in running else int(earliest[a]) for a in kept]
    if "min_share" in sub:
        sub.loc[[a for a in kept if a in running], "min_share"] = math.nan
    for action in running:
        sub.at[action, "duration_years"] = past.remaining[action]
        for resource in names:
            sub.at[action, resource + SETUP_SUFFIX] = 0.0
    stops = []
    for action in running:
        stop_id = action + STOP
        if stop_id in actions.index:
            raise ModelError(Problem("actions.csv", None, "id", f"{stop_id!r} is an action id, "
                                     f"but the re-plan needs it for stopping {action!r}: "
                                     "rename that action"))
        row = actions.loc[action].copy()
        row["name"] = f"Stop {actions.at[action, 'name'] or action}"
        row["theme"] = row["lead"] = STOPPING
        row["duration_years"], row["earliest_start"] = 1, 1
        if "option_of" in row:
            row["option_of"] = ""
        if "min_share" in row:
            row["min_share"] = math.nan
        for resource in names:
            row[resource] = 0.0
            row[resource + SETUP_SUFFIX] = _stop_amount(model, action, resource)
        stops.append(row.rename(stop_id))
    if stops:
        sub = pd.concat([sub, pd.DataFrame(stops)])
        sub.index.name = actions.index.name
    allowed: dict[str, set[int]] = {a: {1} for a in running}
    allowed.update({a + STOP: {1} for a in running})
    for action in kept:
        if action in unavailable or sub.at[action, "earliest_start"] > sub_horizon:
            allowed[action] = set()
        elif action not in running and sub.at[action, "earliest_start"] > 1:
            allowed[action] = set(range(int(sub.at[action, "earliest_start"]), sub_horizon + 1))

    present = set(sub.index)
    schemes = {s: [v for v in vs if v in present] for s, vs in model.schemes.items()}
    schemes = {s: vs for s, vs in schemes.items() if vs}

    def here(target: str) -> bool:
        return target in present or target in schemes

    def settled(target: str) -> bool:
        return bool(set(members(target)) & gone)

    interactions = []
    for rule in rules.itertuples(index=False):
        row = rule._asdict()
        if rule.kind == "synergy" and not all(here(m) for m in rule.members):
            continue
        if rule.kind == "critical_mass":
            row["members"] = tuple(m for m in rule.members if here(m))
            if len(row["members"]) < rule.threshold:
                continue
        if rule.kind == "requires":
            x, y = rule.members
            if started & set(members(x)) or started & set(members(y)) or not (
                    here(x) and here(y)):
                continue
        if rule.kind == "excludes":
            if started & {a for m in rule.members for a in members(m)}:
                continue
            row["members"] = tuple(m for m in rule.members if here(m))
        interactions.append(row)
    interactions = pd.DataFrame(interactions, columns=rules.columns)
    forced = model.constraints["kind"].isin(["include", "exclude"])
    constraints = model.constraints[~(forced & model.constraints["target"].map(settled))
                                    ].reset_index(drop=True)
    include = tuple(a for a in options.include if not settled(a))
    exclude = tuple(a for a in options.exclude if not settled(a))

    used = used_before(model, past, horizon)
    in_force = limits_in_force(model, options.limits, horizon)
    left: dict[str, float] = {}
    resource_rows = []
    for row in in_force.itertuples():
        if row.year == 0:
            left[row.resource] = max(0.0, float(row.limit) - used[row.resource])
            resource_rows.append({"resource": row.resource, "limit": left[row.resource],
                                  "year": math.nan})
        elif row.year >= from_year:
            resource_rows.append({"resource": row.resource, "limit": float(row.limit),
                                  "year": float(row.year - shift)})
    for resource in names:  # keep every resource (a limit beyond the horizon binds nothing)
        if not any(r["resource"] == resource for r in resource_rows):
            resource_rows.append({"resource": resource, "limit": 0.0,
                                  "year": float(sub_horizon + 1)})
    resources = pd.DataFrame(resource_rows)
    order = {r: k for k, r in enumerate(names)}
    resources = resources.sort_values("resource", key=lambda s: s.map(order), kind="stable")
    labels = model.resources.drop_duplicates("resource").set_index("resource")
    for column in ("name", "unit"):
        if column in labels:
            resources[column] = resources["resource"].map(labels[column])
    resources = resources.reset_index(drop=True)

    funding = model.funding.copy()
    if len(funding):
        funding = funding[funding["year"].isna() | (funding["year"] >= from_year)].copy()
        funding["year"] = funding["year"] - shift
        eligible = eligible_streams(model)
        for action in running:
            streams = {s for r in model.funding["resource"].unique()
                       for s in eligible.get((action, r), [])}
            funding["actions"] = [
                tuple(listed) + (action + STOP,)
                if stream in streams and (themes or listed) else listed
                for stream, themes, listed in zip(funding["stream"], funding["themes"],
                                                  funding["actions"])]
        funding = funding.reset_index(drop=True)

    profiles = model.profiles
    if len(profiles):
        elapsed = {a: from_year - past.start[a] for a in running}
        rows = []
        for row in profiles.itertuples(index=False):
            if row.action in gone:
                continue
            year = int(row.year) - elapsed.get(row.action, 0)
            if year >= 1:
                rows.append({**row._asdict(), "year": float(year)})
        profiles = pd.DataFrame(rows, columns=model.profiles.columns)

    settings = {**model.settings, "horizon_years": sub_horizon}
    sub_model = Model(  # a fresh Model: `schemes` is cached on the model it was read from
        actions=sub, resources=resources, criteria=model.criteria,
        scores=model.scores[model.scores["action"].isin(present)].reset_index(drop=True),
        interactions=interactions, constraints=constraints, funding=funding,
        portfolios=model.portfolios[model.portfolios["action"].isin(present)],
        stakeholders=model.stakeholders, weights=model.weights, settings=settings,
        source=f"{model.source} (years {from_year} to {horizon})", profiles=profiles)
    sub_values = values.reindex(sub_model.actions.index).fillna(0.0)  # stopping: no value
    sub_options = run_options(sub_model, options.changed(
        limits={}, horizon=sub_horizon, include=include, exclude=exclude, weights=None,
        values=sub_values))
    return Remaining(sub_model, sub_options, allowed, [(a, a + STOP) for a in running], past,
                     used, left)


@dataclass(frozen=True)
class ReplanResult:
    """A re-plan from `from_year`: each action's decision (`decisions`), and the portfolio
    of the remaining years (`result`, in the remaining years' own counting: year 1 is plan
    year from_year, stop actions named `<action>__stop`).

    value: value points of the remaining years (x years run / years remaining); in plan units
    (x years remaining / T) with `value_in_plan_units`."""

    from_year: int
    horizon: int
    decisions: pd.DataFrame  # DECISION_COLUMNS, one row per action
    result: PortfolioResult
    used_before: dict[str, float] = field(default_factory=dict)  # [the resource's unit]
    limits_left: dict[str, float] = field(default_factory=dict)  # [the resource's unit]

    @property
    def found(self) -> bool:
        return self.result.found

    @property
    def value(self) -> float:
        """Value of years from_year..T [value points of the remaining years]."""
        return self.result.value["total"]

    @property
    def value_in_plan_units(self) -> float:
        """The same value counted as `optimise` counts a whole plan [value points]."""
        remaining = self.horizon - self.from_year + 1
        return self.value * remaining / self.horizon

    def decision(self, action: str) -> str:
        return str(self.decisions.set_index("action").at[action, "decision"])

    def to_dict(self) -> dict:
        """Plain JSON-ready data, as the command line prints it."""
        rows = []
        for row in self.decisions.to_dict("records"):
            rows.append({k: (None if isinstance(v, float) and math.isnan(v) else
                             int(v) if k == "start_year" else v) for k, v in row.items()})
        return {"from_year": self.from_year, "horizon": self.horizon,
                "status": self.result.status,
                "value_remaining_years": round(self.value, 6),
                "value_plan_units": round(self.value_in_plan_units, 6),
                "used_before": {k: round(v, 6) for k, v in self.used_before.items()},
                "limits_left": {k: round(v, 6) for k, v in self.limits_left.items()},
                "decisions": rows, "breaches": self.result.reasons,
                "warnings": list(self.result.warnings)}


def replan(model: Model, options: Options | None = None, /, *, from_year: int,
           **keywords) -> ReplanResult:
    """The best plan for years from_year..T given progress.csv (see the module's docstring).

    options / keywords: the run's options, as for `optimise` (limits are whole-plan limits;
    what was used before from_year is taken off them).
    """
    began = time.perf_counter()
    plan = remaining_model(model, options, from_year=from_year, **keywords)
    result = solve_remaining(plan, began)
    return ReplanResult(from_year, plan.options.horizon + from_year - 1,
                        decisions(model, plan, result), result, plan.used, plan.limits)


def solve_remaining(plan: Remaining, began: float | None = None) -> PortfolioResult:
    """Solve the remaining years' model with its fixed start years and continue-or-stop
    pairs: the same MILP as `optimise`, with two more row families."""
    began = time.perf_counter() if began is None else began
    model, options = plan.model, plan.options
    f = build_model(model, options.values, options)
    add_fixed_starts(f, plan.allowed)
    add_continue_or_stop(f, plan.pairs)
    build_seconds = time.perf_counter() - began
    outcome = solve(f.problem, options.solver, options.time_limit)
    if not outcome.found:
        why = ["no plan for the remaining years keeps every limit and rule (what was used "
               "before the review is taken off whole-plan limits; running actions must "
               "continue or stop)"] if outcome.status == "infeasible" else []
        return no_portfolio(model, options, outcome, why, build_seconds)
    answer = Answer(chosen_starts(f), chosen_shares(f), chosen_funding(f),
                    pulp.value(f.problem.objective) or 0.0)
    return read_result(model, options, answer, outcome, build_seconds=build_seconds)


def add_fixed_starts(f, allowed: dict[str, set[int]]) -> None:
    """Start years fixed by the facts: s[i,t] = 0 for each year t not allowed (a running
    action and its stop run from year 1 only; an action settled by history cannot start)."""
    for action, years in allowed.items():
        for year, variable in f.starts.get(action, []):
            if year not in years:
                variable.upBound = 0


def add_continue_or_stop(f, pairs: list[tuple[str, str]]) -> None:
    """Each running action continues or stops: selected_i + selected_i__stop = 1."""
    for action, stop in pairs:
        terms = f.selected_terms(action) + f.selected_terms(stop)
        f.add(pulp.LpAffineExpression(terms) == 1, f"continue_or_stop_{f.token[action]}")


def decisions(model: Model, plan: Remaining, result: PortfolioResult) -> pd.DataFrame:
    """One row per action of the model: what happened before, what the re-plan decides
    (continue, stop, start with its plan year, not funded; finished or stopped before for
    actions already gone), its lead and indicator with its latest value and target."""
    past, shift = plan.past, plan.past.from_year - 1
    starts = result.start_year if result.found else {}
    duration = action_timing(plan.model, plan.options.horizon)["duration"]
    target = model.actions.get("indicator_target", pd.Series(math.nan, model.actions.index))
    rows = []
    for action in model.actions.index:
        state = past.state.get(action)
        before = {"running": f"running since year {past.start.get(action)}",
                  "finished": "finished", "stopped": f"stopped in year {past.stop.get(action)}",
                  None: "not started"}[state]
        start, years = math.nan, ""
        if state in ("finished", "stopped"):
            decision = "finished" if state == "finished" else "stopped before"
        elif action in starts:
            own = starts[action]
            life = active_years(own, int(duration[action]), plan.options.horizon)
            years = f"{life.start + shift}-{life.stop - 1 + shift}" if len(life) > 1 else \
                f"{life.start + shift}"
            decision = "continue" if state == "running" else "start"
            start = past.start[action] if state == "running" else own + shift
        elif state == "running":
            decision = "stop"
        else:
            decision = "not funded"
        rows.append({"action": action, "name": model.actions.at[action, "name"],
                     "lead": model.actions.at[action, "lead"],
                     "theme": model.actions.at[action, "theme"],
                     "indicator": model.actions.at[action, "indicator"],
                     "indicator_target": float(target[action]),
                     "indicator_value": past.indicator.get(action, math.nan),
                     "before": before, "decision": decision, "start_year": start,
                     "years": years})
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)
