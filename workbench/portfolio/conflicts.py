"""Why a model has no portfolio: the constraint groups that conflict, told in its own words.

A deletion filter: leave out one group at a time (a limit, an include, a requires rule, ...)
and keep it out only if the model stays infeasible; what remains cannot hold together. Then
each conflict is stated with the model's amounts, only where the numbers bear it out.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pulp

from ..errors import ModelError
from ..model import Model
from ..options import Options, run_options
from ..units import format_amount, resource_name, resource_unit
from .rules import action_values_for
from .schedule import Amounts, action_timing, active_years, eligible_streams, start_years
from .solvers import solve
from .formulation import build_model, minimum_shares

# Deletion order: groups tried first are dropped first when several conflicts exist, so the
# explanation prefers the rules people set (limits, includes) over funding plumbing.
FAMILY_ORDER = ("funded", "stream", "requires", "excludes", "lead_max", "theme_max",
                "theme_min", "exclude", "limit", "include")
TOLERANCE = 1e-6



def conflict(model: Model, options: Options | None = None, /, **keywords) -> pd.DataFrame:
    """A small set of constraint groups that cannot all hold (empty when the model is feasible).

    options / keywords: as for `optimise`. Columns: constraint (the group's name in the MILP, e.g. 'limit_cost'),
    family (limit, include, exclude, theme_min, theme_max, lead_max, requires, excludes,
    stream, funded) and description (the group in words).
    """
    found = conflicting_groups(model, options, **keywords)
    return pd.DataFrame([(g, what[0], describe(what, model)) for g, what in found.items()],
                        columns=["constraint", "family", "description"])


def explain_infeasible(model: Model, options: Options | None = None, /,
                       **keywords) -> list[str]:
    """Why no portfolio satisfies every constraint, in the model's own words.

    options: as for `conflict`. Returns sentences: what conflicts, with the model's amounts in
    its resources' names and units (e.g. "the included actions (a, b) need £820,000 but the
    Money limit is £750,000"), then the
    conflicting constraints by name. Empty when the model is feasible.
    """
    options = run_options(model, options, **keywords)
    found = conflicting_groups(model, options)
    if not found:
        return []
    sentences = _Conflict(model, found, options.horizon).sentences()
    if not sentences:
        sentences = ["these constraints cannot all hold at once: "
                     + "; ".join(describe(what, model) for what in found.values())]
    return [*sentences, f"conflicting constraints: {', '.join(found)}"]


class FeasibilityCheck:
    """The model built once; `check(relax)` says whether it is feasible with the constraint
    groups in `relax` left out (names as in `check.groups`, e.g. 'limit_cost', 'include_a').

    options / keywords: as for `optimise` (the synergy formulation is Glover's unless given:
    the fewest rows, and a feasibility solve has no objective to tighten). Each call is one
    feasibility solve.
    """

    def __init__(self, model: Model, options: Options | None = None, /, **keywords):
        if options is None and "synergy" not in keywords:
            keywords["synergy"] = "glover"
        options = run_options(model, options, **keywords)
        self.built = build_model(model, action_values_for(model, options), options)
        self.groups: dict[str, tuple] = self.built.groups  # group -> (family, *what)
        self.solver, self.time_limit = options.solver, options.time_limit

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
        return solve(problem, self.solver, self.time_limit).found


def conflicting_groups(model: Model, options: Options | None = None, /,
                       **keywords) -> dict[str, tuple]:
    """Deletion filter: {group name: (family, *what)} of groups that conflict ({} if feasible).

    First over whole families (all limits, all includes, ...), then over the groups of the
    families that remain: a group is left out for good when the model stays infeasible without
    it, so every group returned is needed for the conflict. options: as for `FeasibilityCheck`.
    """
    feasible = FeasibilityCheck(model, options, **keywords)
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


def describe(group: tuple, model: Model | None = None) -> str:
    """One constraint group (family, *what) in words, e.g. "the Money limit is £750,000"
    (the resource's name and unit from `model`; without one, "the cost limit is 750,000")."""
    family, *what = group
    if family == "limit":
        resource, year, limit = what
        return _limit_text(model, resource, year, limit)
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
        return (f"the funding stream {stream!r} holds "
                f"{_quantity(model, _stream_resource(model, stream), limit)}{_in_year(year)}")
    if family == "funded":
        action, resource = what
        return (f"the {_name(model, resource)} of {action} must be paid in full by the funding "
                "streams open to it")
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


def _name(model: Model | None, resource: str) -> str:
    """The resource's name ("Money"), or its id without a model."""
    return resource_name(model, resource) if model is not None else resource


def _quantity(model: Model | None, resource: str, amount: float) -> str:
    """An amount with its unit ('£750,000', '5.5 FTE'), or the bare number ('750,000') when
    the resource has no unit: the sentence names the resource next to it."""
    if model is not None and resource_unit(model, resource):
        return format_amount(model, resource, amount)
    return amount_text(amount)


def _limit_text(model: Model | None, resource: str, year: int, limit: float) -> str:
    """'the Money limit is £750,000', 'the cost limit in year 2 is 300,000'."""
    return (f"the {_name(model, resource)} limit{_in_year(year)} is "
            f"{_quantity(model, resource, limit)}")


def _use(model: Model, resource: str, amount: float, one: bool = False) -> str:
    """What actions need of a resource, with its unit: 'need £820,000', 'need 6.2 FTE',
    'need 820,000 cost' for a resource without a unit ('needs' for one action)."""
    return f"need{'s' * one} {format_amount(model, resource, amount)}"


def _stream_resource(model: Model | None, stream: str) -> str:
    """The resource a funding stream pays (funding.csv `resource`; '' without a model)."""
    if model is None:
        return ""
    rows = model.funding.loc[model.funding["stream"] == stream, "resource"]
    return str(rows.iloc[0]) if len(rows) else ""


def _listed(actions: Iterable[str]) -> str:
    return ", ".join(actions)


class _Conflict:
    """Sentences for a conflicting set of groups, each stated only when the numbers bear it out,
    naming actions as actions.csv names them (a scheme by its versions' common name)."""

    def named(self, actions: Iterable[str]) -> str:
        """Actions (or schemes) by name, comma-separated."""
        names = []
        for action in actions:
            if action in self.model.schemes:
                names.append(self.model.scheme_name(action))
                continue
            name = self.model.actions["name"].get(action)
            names.append(str(name) if isinstance(name, str) and name.strip() else action)
        return _listed(names)

    def __init__(self, model: Model, found: dict[str, tuple], horizon: int):
        self.model, self.horizon = model, horizon
        self.by_family: dict[str, list[tuple]] = {}
        for what in found.values():
            self.by_family.setdefault(what[0], []).append(tuple(what[1:]))
        self.timing = action_timing(model, horizon)
        self.start_years = start_years(self.timing, horizon)
        for scheme, versions in model.schemes.items():  # whichever version is funded
            self.start_years[scheme] = sorted({t for v in versions for t in self.start_years[v]})
            self.timing.loc[scheme] = self.timing.loc[versions].min()
        self.amounts = Amounts.of(model)
        self.least_share = minimum_shares(model)
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
        return [a for a in [*self.model.actions.index, *self.model.schemes] if a in forced]

    def _who(self) -> str:
        extra = set(self.forced) - set(self.included)
        return ("the included actions and the actions they require" if extra
                else "the included action" if len(self.forced) == 1 else "the included actions")

    def least_amount(self, action: str, resource: str, year: int = 0) -> float:
        """The least an action (or a scheme's cheapest version) can use of a resource, at its
        least share (over the horizon, or in one year)."""
        if action in self.model.schemes:
            return min(self.least_amount(v, resource, year) for v in self.model.schemes[action])
        duration = int(self.timing.loc[action, "duration"])
        amounts = []
        for start in self.start_years[action]:
            years = active_years(start, duration, self.horizon)
            amounts.append(self.amounts.over(resource, action, start, years) if year == 0 else
                           self.amounts.in_year(resource, action, start, year, years))
        return self.least_share.get(action, 1.0) * float(min(amounts, default=0.0))

    def sentences(self) -> list[str]:
        return [*self._forced_and_excluded(), *self._timing(), *self._excludes(),
                *self._limits(), *self._group_counts(), *self._funding()]

    def _forced_and_excluded(self) -> list[str]:
        out = []
        for action in self.forced:
            if action not in self.excluded:
                continue
            if action in self.included:
                out.append(f"{self.named([action])} must be funded and must not be funded")
            else:
                needs = [x for x, y, _ in self.requires if y == action and x in self.forced]
                out.append(f"{self.named(needs)} must be funded and "
                           f"require{'s' * (len(needs) == 1)} {self.named([action])}, but "
                           f"{self.named([action])} must not be funded")
        return out

    def _timing(self) -> list[str]:
        out = []
        for action in self.forced:
            if not self.start_years[action]:
                out.append(f"{self.named([action])} must be funded but cannot start within the "
                           f"{self.horizon}-year horizon (earliest start: year "
                           f"{int(self.timing.loc[action, 'earliest'])})")
        for x, y, lag in self.requires:
            if x in self.forced and lag and self.start_years[x] and self.start_years[y]:
                if max(self.start_years[x]) < min(self.start_years[y]) + lag:
                    out.append(f"{self.named([x])} must be funded and must start at least "
                               f"{_years(lag)} after {self.named([y])}, which does not fit in "
                               f"the {self.horizon}-year horizon")
        return out

    def _excludes(self) -> list[str]:
        out = []
        for members in self.by_family.get("excludes", []):
            both = [m for m in members if m in self.forced]
            if len(both) > 1:
                out.append(f"{' and '.join(self.named([m]) for m in both)} must "
                           f"{'both' if len(both) == 2 else 'all'} be funded, but at most one "
                           f"of {self.named(members)} may be")
        return out

    def _limits(self) -> list[str]:
        out = []
        for resource, year, limit in self.by_family.get("limit", []):
            where = _limit_text(self.model, resource, year, limit)
            if self.forced:
                need = sum(self.least_amount(a, resource, year) for a in self.forced)
                if need > limit * (1 + TOLERANCE):
                    use = _use(self.model, resource, need, len(self.forced) == 1)
                    out.append(f"{self._who()} ({self.named(self.forced)}) {use}{_in_year(year)} "
                               f"but {where}")
                continue
            for target, value in self.by_family.get("theme_min", []):
                members = self._members("theme", target)
                amounts = sorted(self.least_amount(a, resource, year) for a in members)
                need = sum(amounts[:int(round(value))])
                if len(amounts) >= value and need > limit * (1 + TOLERANCE):
                    out.append(f"theme_min of {target!r} needs at least {_count(value)}, and the "
                               f"cheapest {int(round(value))} {_use(self.model, resource, need)}"
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
                                   f"({self.named(barred)} must not be)")
                    continue
                inside = [a for a in self.forced if a in everyone]
                if len(inside) > value:
                    out.append(f"{family} of {target!r} allows at most {_count(value)} but "
                               f"{len(inside)} that must be funded are in it "
                               f"({self.named(inside)})")
        return out

    def _funding(self) -> list[str]:
        out = []
        funded = self.by_family.get("funded", [])
        streams = self.by_family.get("stream", [])
        for action, resource in funded:
            if not streams and not self._eligible(action, resource):
                out.append(f"{self.named([action])} must be funded but no funding stream may "
                           f"pay its {_name(self.model, resource)}")
        paying = [(a, r) for a, r in funded if a in self.forced]
        if paying and streams:
            resource = paying[0][1]
            need = sum(self.least_amount(a, r) for a, r in paying)
            hold = sum(limit for _, _, limit in streams)
            names = _listed(dict.fromkeys(stream for stream, _, _ in streams))
            if need > hold * (1 + TOLERANCE):
                who = self.named(a for a, _ in paying)
                out.append(f"{who} need{'s' * (len(paying) == 1)} "
                           f"{_quantity(self.model, resource, need)} of "
                           f"{_name(self.model, resource)} from the funding streams open to "
                           f"{'it' if len(paying) == 1 else 'them'} ({names}), which hold "
                           f"{_quantity(self.model, resource, hold)}")
        return out

    def _eligible(self, action: str, resource: str) -> list[str]:
        return eligible_streams(self.model).get((action, resource), [])
