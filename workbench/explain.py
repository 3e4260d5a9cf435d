"""Explanations: what each choice is worth, what the budget buys, and why a model has no answer.

- `explain`: for each action, the value lost [value points] if it is forced out (when chosen) or
  forced in (when not): its regret. Every figure is a re-optimisation, not an estimate.
- `marginal_budget`: what the next 10% of a limit would buy and what the last 10% bought.
- `explain_infeasible`: for a model with no feasible portfolio, a small set of constraint groups
  that cannot hold together (a deletion filter: leave out one group at a time and keep it out
  only if the model stays infeasible), told in the model's own words.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pulp

from .errors import ModelError, WorkbenchError
from .model import Model, PortfolioResult
from .portfolio import build_model, optimise
from .schedule import (action_timing, active_years, eligible_streams, resource_amounts,
                       start_years)
from .scoring import action_values
from .solvers import solve

FOUND = ("optimal", "time_limit")
# Deletion order: groups tried first are dropped first when several conflicts exist, so the
# explanation prefers the rules people set (limits, includes) over funding plumbing.
FAMILY_ORDER = ("funded", "stream", "requires", "excludes", "lead_max", "theme_max",
                "theme_min", "exclude", "limit", "include")
TOLERANCE = 1e-6


# ---------------------------------------------------------------- regret of each choice


def explain(model: Model, result: PortfolioResult, **optimise_kwargs) -> pd.DataFrame:
    """Regret [value points] of reversing each action's choice, most consequential first.

    result: an optimised portfolio; optimise_kwargs: the options it was optimised with
    (limits, weights, values, include, exclude, ...), so the comparison is fair; the horizon
    defaults to the result's.
    Columns: action, name, selected, forced ('out' for a chosen action, 'in' otherwise),
    value (the best portfolio under that forcing) [value points], regret = result's value -
    that value [value points] (inf when the forcing is infeasible), added, dropped (actions
    that come in or go out, ';'-joined), status, reason (why a forcing is infeasible).
    """
    if result.status not in FOUND:
        raise ModelError(f"explain needs an optimised portfolio, not one with status "
                         f"{result.status!r}")
    options = _with_values(model, optimise_kwargs)
    if options.get("horizon") is None:
        options["horizon"] = result.horizon  # a multi-year result is explained over its years
    include = tuple(options.pop("include", ()))
    exclude = tuple(options.pop("exclude", ()))
    base = result.objective
    rows = []
    for action in model.actions.index:
        chosen = action in result.selected
        forced = optimise(model, include=include + (() if chosen else (action,)),
                          exclude=exclude + ((action,) if chosen else ()), **options)
        row = {"action": action, "name": model.actions.at[action, "name"], "selected": chosen,
               "forced": "out" if chosen else "in", "status": forced.status}
        if forced.status in FOUND:
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
                       reason="; ".join(forced.breaches[1:]) or "; ".join(forced.breaches))
        rows.append(row)
    columns = ["action", "name", "selected", "forced", "value", "regret", "added", "dropped",
               "status", "reason"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["regret", "action"], ascending=[False, True],
                             ignore_index=True)


def marginal_budget(model: Model, resource: str = "cost", step: float = 0.10,
                    **optimise_kwargs) -> pd.DataFrame:
    """What the last `step` of a resource's limit bought and what the next `step` would buy.

    Rows 'last 10%' (limit x (1 - step) -> limit) and 'next 10%' (limit -> limit x (1 + step)).
    Columns: change, from_budget, to_budget, budget_change [the resource's unit], from_value,
    to_value, value_change [value points], added, dropped (';'-joined action ids).
    """
    if not 0 < step < 1:
        raise ModelError(f"step={step!r}: give the share of the limit as a number between 0 and 1, "
                         "e.g. 0.10 for 10%")
    options = _with_values(model, optimise_kwargs)
    limits = dict(options.pop("limits", None) or {})
    limit = current_limit(model, resource, limits)
    levels = [limit * (1 - step), limit, limit * (1 + step)]
    results = [optimise(model, limits={**limits, resource: level}, **options) for level in levels]
    label = f"{step:.0%}"
    rows = []
    for change, (before, after), (low, high) in (
            (f"last {label}", results[:2], levels[:2]), (f"next {label}", results[1:], levels[1:])):
        found = before.status in FOUND and after.status in FOUND
        rows.append({
            "change": change, "from_budget": low, "to_budget": high, "budget_change": high - low,
            "from_value": before.objective if before.status in FOUND else float("nan"),
            "to_value": after.objective if after.status in FOUND else float("nan"),
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
    if limits and resource in limits:
        return float(limits[resource])
    rows = model.resources[(model.resources["resource"] == resource)
                           & model.resources["year"].isna()]
    if rows.empty:
        raise ModelError(f"resource={resource!r} has no limit over the whole horizon in "
                         f"resources.csv: pass limits={{{resource!r}: amount}}")
    return float(rows["limit"].iloc[0])


def _with_values(model: Model, options: dict) -> dict:
    """The options with the action values computed once, so every re-optimisation reuses them."""
    options = dict(options)
    if options.get("values") is None:
        options["values"] = action_values(model, options.get("weights"))
    return options


def _joined(actions: Iterable[str], model: Model) -> str:
    """Action ids in the model's order, ';'-joined."""
    chosen = set(actions)
    return ";".join(a for a in model.actions.index if a in chosen)


# ---------------------------------------------------------------- infeasible models


def conflict(model: Model, **options) -> pd.DataFrame:
    """A small set of constraint groups that cannot all hold (empty when the model is feasible).

    options: values, weights, limits, horizon, include, exclude, solver, time_limit (as for
    `optimise`). Columns: constraint (the group's name in the MILP, e.g. 'limit_cost'),
    family (limit, include, exclude, theme_min, theme_max, lead_max, requires, excludes,
    stream, funded) and description (the group in words).
    """
    found = conflicting_groups(model, **options)
    return pd.DataFrame([(g, what[0], describe(what)) for g, what in found.items()],
                        columns=["constraint", "family", "description"])


def explain_infeasible(model: Model, **options) -> list[str]:
    """Why no portfolio satisfies every constraint, in the model's own words.

    options: as for `conflict`. Returns sentences: what conflicts, with the model's amounts
    (e.g. "the included actions (a, b) cost 820,000 but the cost limit is 750,000"), then the
    conflicting constraints by name. Empty when the model is feasible.
    """
    found = conflicting_groups(model, **options)
    if not found:
        return []
    horizon = options.get("horizon") or model.horizon
    sentences = _Conflict(model, found, horizon).sentences()
    if not sentences:
        sentences = ["these constraints cannot all hold at once: "
                     + "; ".join(describe(what) for what in found.values())]
    return [*sentences, f"conflicting constraints: {', '.join(found)}"]


class FeasibilityCheck:
    """The model built once; `check(relax)` says whether it is feasible with the constraint
    groups in `relax` left out (names as in `check.groups`, e.g. 'limit_cost', 'include_a').

    options: values, weights, limits, horizon, include, exclude, solver, time_limit, synergy
    (as for `optimise`). Each call is one feasibility solve (no objective).
    """

    def __init__(self, model: Model, *, values: pd.Series | None = None,
                 weights: pd.Series | None = None, limits: dict[str, float] | None = None,
                 horizon: int | None = None, include: Iterable[str] = (),
                 exclude: Iterable[str] = (), solver: str = "highs",
                 time_limit: float | None = None, synergy: str = "glover"):
        include, exclude = tuple(include), tuple(exclude)
        for action in (*include, *exclude):
            if action not in model.actions.index:
                raise ModelError(f"unknown action {action!r} to include or exclude")
        if values is None:
            values = action_values(model, weights)
        self.built = build_model(model, values, limits=limits, horizon=horizon,
                                 include=include, exclude=exclude, synergy=synergy)
        self.groups: dict[str, tuple] = self.built.groups  # group -> (family, *what)
        self.solver, self.time_limit = solver, time_limit

    def __call__(self, relax: Iterable[str] = ()) -> bool:
        relax = set(relax)
        unknown = relax - set(self.groups)
        if unknown:
            raise ModelError(f"relax: unknown constraint group(s) {', '.join(sorted(unknown))} "
                             f"(known: {', '.join(self.groups)})")
        left_out = {row for group in relax for row in self.built.group_rows[group]}
        problem = pulp.LpProblem("feasibility", pulp.LpMaximize)
        for row in self.built.problem.constraints():  # a list in PuLP 3.3 and 4
            if row.name not in left_out:
                problem.addConstraint(row, row.name)
        return solve(problem, self.solver, self.time_limit).status in FOUND


def conflicting_groups(model: Model, **options) -> dict[str, tuple]:
    """Deletion filter: {group name: (family, *what)} of groups that conflict ({} if feasible).

    First over whole families (all limits, all includes, ...), then over the groups of the
    families that remain: a group is left out for good when the model stays infeasible without
    it, so every group returned is needed for the conflict. options: as for `FeasibilityCheck`.
    """
    feasible = FeasibilityCheck(model, **options)
    groups = feasible.groups
    if feasible() or not feasible(groups):
        return {}
    rank = {family: n for n, family in enumerate(FAMILY_ORDER)}
    ordered = sorted(groups, key=lambda g: (rank.get(groups[g][0], -1), g))
    families = list(dict.fromkeys(groups[g][0] for g in ordered))
    needed = set(families)
    for family in families:
        trial = needed - {family}
        if not feasible({g for g in groups if groups[g][0] not in trial}):
            needed = trial
    kept = [g for g in ordered if groups[g][0] in needed]
    for group in list(kept):
        trial = [g for g in kept if g != group]
        if not feasible(set(groups) - set(trial)):
            kept = trial
    return {g: groups[g] for g in kept}


def describe(group: tuple) -> str:
    """One constraint group (family, *what) in words, e.g. "the cost limit is 750,000"."""
    family, *what = group
    if family == "limit":
        resource, year, limit = what
        return f"the {resource} limit{_in_year(year)} is {amount_text(limit)}"
    if family == "include":
        return f"{what[0]} must be funded"
    if family == "exclude":
        return f"{what[0]} must not be funded"
    if family in ("theme_min", "theme_max", "lead_max"):
        target, value = what
        bound = "needs at least" if family == "theme_min" else "allows at most"
        return f"{family} of {target!r} {bound} {_count(value)}"
    if family == "requires":
        x, y, lag = what
        later = f" at least {_years(lag)} after it starts" if lag else ""
        return f"{x} requires {y}{later}"
    if family == "excludes":
        return f"at most one of {', '.join(what)} may be funded"
    if family == "stream":
        stream, year, limit = what
        return f"the funding stream {stream!r} holds {amount_text(limit)}{_in_year(year)}"
    if family == "funded":
        action, resource = what
        return f"the {resource} of {action} must be paid in full by the funding streams open to it"
    return " ".join(str(w) for w in group)


def amount_text(amount: float) -> str:
    """820000 -> '820,000'; 5.5 -> '5.5'."""
    if abs(amount - round(amount)) < 1e-9:
        return f"{round(amount):,}"
    return f"{amount:,.2f}".rstrip("0").rstrip(".")


def _in_year(year: int) -> str:
    return f" in year {int(year)}" if year else ""


def _count(value: float) -> str:
    n = int(round(value))
    return f"{n} action{'s' if n != 1 else ''}"


def _years(n: int) -> str:
    return f"{int(n)} year{'s' if int(n) != 1 else ''}"


def _use(resource: str, amount: float, one: bool = False) -> str:
    """'cost 820,000' for money, 'need 6.2 staff_fte' for any other resource ('costs',
    'needs' for one action)."""
    verb = ("cost" if resource == "cost" else "need") + ("s" if one else "")
    return (f"{verb} {amount_text(amount)}" if resource == "cost"
            else f"{verb} {amount_text(amount)} {resource}")


def _listed(actions: Iterable[str]) -> str:
    return ", ".join(actions)


class _Conflict:
    """Sentences for a conflicting set of groups, each stated only when the numbers bear it out."""

    def __init__(self, model: Model, found: dict[str, tuple], horizon: int):
        self.model, self.horizon = model, horizon
        self.by_family: dict[str, list[tuple]] = {}
        for what in found.values():
            self.by_family.setdefault(what[0], []).append(tuple(what[1:]))
        self.timing = action_timing(model, horizon)
        self.start_years = start_years(self.timing, horizon)
        self.running, self.setup = resource_amounts(model)
        self.included = [a for (a,) in self.by_family.get("include", [])]
        self.excluded = {a for (a,) in self.by_family.get("exclude", [])}
        self.requires = self.by_family.get("requires", [])
        self.forced = self._closure(self.included)

    def _closure(self, actions: list[str]) -> list[str]:
        """The actions that must be funded: those included and what they require (in the set)."""
        forced = set(actions)
        grown = True
        while grown:
            needed = {y for x, y, _ in self.requires if x in forced}
            grown = not needed <= forced
            forced |= needed
        return [a for a in self.model.actions.index if a in forced]

    def _who(self) -> str:
        extra = set(self.forced) - set(self.included)
        return ("the included actions and the actions they require" if extra
                else "the included action" if len(self.forced) == 1 else "the included actions")

    def least_amount(self, action: str, resource: str, year: int = 0) -> float:
        """The least an action can use of a resource (over the horizon, or in one year)."""
        duration = int(self.timing.loc[action, "duration"])
        setup, running = self.setup.at[action, resource], self.running.at[action, resource]
        amounts = []
        for start in self.start_years[action]:
            years = active_years(start, duration, self.horizon)
            if year == 0:
                amounts.append(setup + running * len(years))
            else:
                amounts.append(setup * (start == year) + running * (year in years))
        return float(min(amounts, default=0.0))

    def sentences(self) -> list[str]:
        return [*self._forced_and_excluded(), *self._timing(), *self._excludes(),
                *self._limits(), *self._group_counts(), *self._funding()]

    def _forced_and_excluded(self) -> list[str]:
        out = []
        for action in self.forced:
            if action not in self.excluded:
                continue
            if action in self.included:
                out.append(f"{action} must be funded and must not be funded")
            else:
                needs = [x for x, y, _ in self.requires if y == action and x in self.forced]
                out.append(f"{_listed(needs)} must be funded and require{'s' * (len(needs) == 1)} "
                           f"{action}, but {action} must not be funded")
        return out

    def _timing(self) -> list[str]:
        out = []
        for action in self.forced:
            if not self.start_years[action]:
                out.append(f"{action} must be funded but cannot start within the "
                           f"{self.horizon}-year horizon (earliest start: year "
                           f"{int(self.timing.loc[action, 'earliest'])})")
        for x, y, lag in self.requires:
            if x in self.forced and lag and self.start_years[x] and self.start_years[y]:
                if max(self.start_years[x]) < min(self.start_years[y]) + lag:
                    out.append(f"{x} must be funded and must start at least {_years(lag)} after "
                               f"{y}, which does not fit in the {self.horizon}-year horizon")
        return out

    def _excludes(self) -> list[str]:
        out = []
        for members in self.by_family.get("excludes", []):
            both = [m for m in members if m in self.forced]
            if len(both) > 1:
                out.append(f"{' and '.join(both)} must {'both' if len(both) == 2 else 'all'} be "
                           f"funded, but at most one of "
                           f"{_listed(members)} may be")
        return out

    def _limits(self) -> list[str]:
        out = []
        for resource, year, limit in self.by_family.get("limit", []):
            where = f"the {resource} limit{_in_year(year)} is {amount_text(limit)}"
            if self.forced:
                need = sum(self.least_amount(a, resource, year) for a in self.forced)
                if need > limit * (1 + TOLERANCE):
                    out.append(f"{self._who()} ({_listed(self.forced)}) "
                               f"{_use(resource, need, len(self.forced) == 1)}{_in_year(year)} "
                               f"but {where}")
                continue
            for target, value in self.by_family.get("theme_min", []):
                members = self._members("theme", target)
                amounts = sorted(self.least_amount(a, resource, year) for a in members)
                need = sum(amounts[:int(round(value))])
                if len(amounts) >= value and need > limit * (1 + TOLERANCE):
                    out.append(f"theme_min of {target!r} needs at least {_count(value)}, and the "
                               f"cheapest {int(round(value))} {_use(resource, need)}"
                               f"{_in_year(year)}, but {where}")
        return out

    def _members(self, column: str, target: str) -> list[str]:
        return [a for a in self.model.actions.index[self.model.actions[column] == target]
                if a not in self.excluded]

    def _group_counts(self) -> list[str]:
        out = []
        for family in ("theme_min", "theme_max", "lead_max"):
            column = "lead" if family == "lead_max" else "theme"
            for target, value in self.by_family.get(family, []):
                everyone = list(self.model.actions.index[self.model.actions[column] == target])
                if family == "theme_min":
                    allowed = self._members(column, target)
                    if value > len(everyone):
                        out.append(f"{family} of {target!r} needs {_count(value)} but only "
                                   f"{len(everyone)} exist")
                    elif value > len(allowed):
                        barred = [a for a in everyone if a in self.excluded]
                        out.append(f"{family} of {target!r} needs {_count(value)} but only "
                                   f"{len(allowed)} of its {len(everyone)} may be funded "
                                   f"({_listed(barred)} must not be)")
                    continue
                inside = [a for a in self.forced if a in everyone]
                if len(inside) > value:
                    out.append(f"{family} of {target!r} allows at most {_count(value)} but "
                               f"{len(inside)} that must be funded are in it ({_listed(inside)})")
        return out

    def _funding(self) -> list[str]:
        out = []
        funded = self.by_family.get("funded", [])
        streams = self.by_family.get("stream", [])
        for action, resource in funded:
            if not streams and not self._eligible(action, resource):
                out.append(f"{action} must be funded but no funding stream may pay its {resource}")
        paying = [(a, r) for a, r in funded if a in self.forced]
        if paying and streams:
            resource = paying[0][1]
            need = sum(self.least_amount(a, r) for a, r in paying)
            hold = sum(limit for _, _, limit in streams)
            names = _listed(dict.fromkeys(stream for stream, _, _ in streams))
            if need > hold * (1 + TOLERANCE):
                who = _listed(a for a, _ in paying)
                out.append(f"{who} need{'s' * (len(paying) == 1)} {amount_text(need)} of "
                           f"{resource} from the funding streams open to "
                           f"{'it' if len(paying) == 1 else 'them'} ({names}), which hold "
                           f"{amount_text(hold)}")
        return out

    def _eligible(self, action: str, resource: str) -> list[str]:
        return eligible_streams(self.model).get((action, resource), [])
