"""The portfolio MILP: one `add_<family>` function per constraint family.

Variables: s[i,t] = 1 if action i starts in year t (at most one start). From them, linear
expressions: active[i,t] (i runs in year t) and selected[i] (i is funded at all). With a
horizon of one year, s[i,1] is simply "action i is funded" and the model is the
single-period one of DESIGN.md. An action with a `min_share` m may be funded in part: a
continuous share q[i,t] with m s[i,t] <= q[i,t] <= s[i,t] carries its amounts and its
standalone value, while s[i,t] still says it is funded for every rule and bonus (a
semicontinuous share, exact). A scheme (`option_of`) stands for whichever of its versions is
funded: its active and selected terms are the sum of its versions', at most one of which runs.
Every constraint carries a readable [A-Za-z0-9_] name.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
import pulp

from ..model import Model
from ..options import SYNERGY_FORMULATIONS, Options
from .rules import forced_actions, limits_in_force
from .schedule import (Amounts, action_timing, active_years, eligible_streams, horizon_share,
                        start_years)

DENSE_PARTNERS = 8  # mean positive partners per paired action from which 'auto' adds budget cuts


@dataclass
class Formulation:
    """The PuLP problem and the handles needed to add constraints and read the answer."""

    problem: pulp.LpProblem
    horizon: int
    token: dict[str, str]  # action id -> name-safe token
    starts: dict[str, list[tuple[int, pulp.LpVariable]]] = field(default_factory=dict)
    # per action and start year, the variable its amounts and value scale with: the share
    # q[i,t] of a scalable action, else the start s[i,t] itself
    shares: dict[str, list[tuple[int, pulp.LpVariable]]] = field(default_factory=dict)
    schemes: dict[str, list[str]] = field(default_factory=dict)  # scheme -> its versions
    duration: dict[str, int] = field(default_factory=dict)
    objective: list[tuple[pulp.LpVariable, float]] = field(default_factory=list)
    flows: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    groups: dict[str, tuple] = field(default_factory=dict)  # relaxable group -> (family, *what)
    group_rows: dict[str, list[str]] = field(default_factory=dict)  # group -> its row names
    # limit group -> budget cuts whose coefficients hold the limit: (row, variables, own amount)
    limit_cuts: dict[str, list[tuple[str, list[pulp.LpVariable], float]]] = field(
        default_factory=dict)

    def members(self, target: str) -> list[str]:
        """The actions an id stands for: a scheme's versions, or the action itself."""
        return self.schemes.get(target, [target])

    def active_terms(self, target: str, year: int) -> list[tuple[pulp.LpVariable, float]]:
        """Terms of active[i,t]: the starts that leave action (or scheme) i running in `year`."""
        return [(v, 1.0) for a in self.members(target) for t, v in self.starts[a]
                if year in active_years(t, self.duration[a], self.horizon)]

    def selected_terms(self, target: str) -> list[tuple[pulp.LpVariable, float]]:
        return [(v, 1.0) for a in self.members(target) for _, v in self.starts[a]]

    def add(self, expression, name: str, group: tuple | None = None) -> None:
        """Add a named row; `group` = (group name, family, *what) marks a row of a constraint
        group (a limit, an include, a requires rule, ...) that an explanation may relax."""
        if group is not None:
            self.groups[group[0]] = group[1:]
            self.group_rows.setdefault(group[0], []).append(name)
        self.problem += expression, name


def _expression(terms) -> pulp.LpAffineExpression:
    return pulp.LpAffineExpression(list(terms))


def safe_tokens(ids: Iterable[str]) -> dict[str, str]:
    """Map ids to unique names of [A-Za-z0-9_] (PuLP rewrites anything else)."""
    tokens: dict[str, str] = {}
    used: set[str] = set()
    for n, action in enumerate(ids):
        token = re.sub(r"[^A-Za-z0-9_]", "_", action) or f"action{n}"
        if token in used:
            token = f"{token}_{n}"
        used.add(token)
        tokens[action] = token
    return tokens


# ---------------------------------------------------------------- variables and objective


def add_start_variables(f: Formulation, model: Model) -> None:
    """s[i,t] binary for each open start year; one start at most: sum_t s[i,t] <= 1."""
    timing = action_timing(model, f.horizon)
    f.duration = timing["duration"].astype(int).to_dict()
    f.schemes = model.schemes
    for action, years in start_years(timing, f.horizon).items():
        f.starts[action] = [(year, f.problem.add_variable(
            f"start_{f.token[action]}_y{year}", lowBound=0, upBound=1, cat="Binary"))
            for year in years]
        f.shares[action] = f.starts[action]
        if len(years) > 1:
            f.add(_expression(f.selected_terms(action)) <= 1, f"one_start_{f.token[action]}")


def add_partial_funding(f: Formulation, model: Model) -> None:
    """A scalable action (min_share m): share q[i,t] with m s[i,t] <= q[i,t] <= s[i,t]; its
    amounts and standalone value scale with q, its rules and bonuses follow s."""
    for action, least in minimum_shares(model).items():
        shares = []
        for year, start in f.starts[action]:
            q = f.problem.add_variable(f"share_{f.token[action]}_y{year}", lowBound=0,
                                       upBound=1)
            f.add(_expression([(q, 1.0), (start, -1.0)]) <= 0,
                  f"share_max_{f.token[action]}_y{year}")
            f.add(_expression([(q, 1.0), (start, -least)]) >= 0,
                  f"share_min_{f.token[action]}_y{year}")
            shares.append((year, q))
        f.shares[action] = shares


def minimum_shares(model: Model) -> dict[str, float]:
    """{action: min_share} of the actions that may be funded in part (actions.csv)."""
    if "min_share" not in model.actions:
        return {}
    given = model.actions["min_share"].astype(float)
    return {a: float(m) for a, m in given.items() if m == m and m < 1}


def add_schemes(f: Formulation) -> None:
    """Versions of one scheme (option_of): sum of selected_v over its versions <= 1."""
    for scheme, versions in f.schemes.items():
        name = f"one_version_{_safe(scheme)}"
        f.add(_expression(f.selected_terms(scheme)) <= 1, name, (name, "scheme", scheme))


def standalone_terms(f: Formulation, values: pd.Series) -> list[tuple[pulp.LpVariable, float]]:
    """Terms of sum_i V_i * q_i * (active years of i) / T [value points], for any values V."""
    return [(variable, float(values[action]) * horizon_share(year, f.duration[action], f.horizon))
            for action, shares in f.shares.items() for year, variable in shares]


def add_standalone_value(f: Formulation, values: pd.Series) -> None:
    """Objective: sum_i V_i * (active years of i) / T  [value points]."""
    f.objective.extend(standalone_terms(f, values))


def add_synergies(f: Formulation, model: Model, formulation: str = "auto",
                  limits: dict[str, float] | None = None) -> None:
    """Synergy pairs, earned per year both run: bonus b_ij * active_i,t * active_j,t / T.

    Negative b (redundancy): z >= active_i + active_j - 1, z >= 0.
    Positive b, 'plain': z_ij <= active_i, z_ij <= active_j per pair.
    Positive b, 'budget': 'plain' plus, per action i with positive partners,
    limit L and year, the budget cut sum_j a_j z_ij <= (L - a_i) active_i, a being what an
    active action surely uses of the limit's resource [resource units]: if i runs, the
    partners running with it must fit in what i leaves. It is the limit row multiplied by
    active_i (first level of Adams and Sherali's reformulation-linearisation).
    Positive b, 'glover' (Glover 1975): per action i and year, w_i <= sum_j b_ij active_j and
    w_i <= (sum_j b_ij) active_i: two rows per action instead of two per pair, but a weaker
    relaxation than 'plain'.
    'auto' (the default): 'budget' when the paired actions have on average DENSE_PARTNERS
    or more positive partners, 'plain' otherwise. Measured with HiGHS (benchmarks/README.md):
    on the dense benchmark (100 actions, a quarter of all pairs with a bonus, about 25
    partners each) 'budget' was the fastest, 'plain' next and 'glover' slowest by far; at
    about 10 partners 'budget' still won (2 of 3 seeds); at 2 to 5 partners, and on the sparse
    200-action benchmark (1 partner), 'plain' was faster (0.18 s against 0.24 s at 200
    actions). The cut is implied by the plain rows when an action's partners all fit in L
    together, so the gain is the solver's (more rows to derive its own cuts from): measured,
    not guaranteed.
    """
    pairs = model.interactions[model.interactions["kind"] == "synergy"]
    if pairs.empty:
        return
    if formulation not in SYNERGY_FORMULATIONS:
        raise ValueError(f"synergy formulation must be one of {SYNERGY_FORMULATIONS}")
    if formulation == "auto":
        formulation = "budget" if _mean_partners(pairs) >= DENSE_PARTNERS else "plain"
    owned: dict[str, list[tuple[str, float]]] = defaultdict(list)
    partners: dict[str, dict[str, dict[int, pulp.LpVariable]]] = defaultdict(dict)
    for pair in pairs.itertuples():
        a, b = pair.members
        if pair.bonus < 0 or formulation != "glover":
            both = _add_pair(f, pair.name, a, b, float(pair.bonus))
            if pair.bonus > 0:
                partners[a].setdefault(b, both)  # a pair listed twice counts once
                partners[b].setdefault(a, both)
        elif pair.bonus > 0:
            owner, partner = (a, b) if len(owned[a]) <= len(owned[b]) else (b, a)
            owned[owner].append((partner, float(pair.bonus)))
    if formulation == "budget":
        _add_budget_cuts(f, model, limits, partners)
    for owner, owner_partners in owned.items():
        bound = sum(bonus for _, bonus in owner_partners)
        for year in range(1, f.horizon + 1):
            w = f.problem.add_variable(f"synergy_{f.token[owner]}_y{year}", lowBound=0)
            partner_terms = [(v, bonus) for p, bonus in owner_partners
                             for v, _ in f.active_terms(p, year)]
            f.add(_expression([(w, 1.0)] + [(v, -c) for v, c in partner_terms]) <= 0,
                  f"synergy_partners_{f.token[owner]}_y{year}")
            f.add(_expression([(w, 1.0)] + [(v, -bound) for v, _ in f.active_terms(owner, year)])
                  <= 0, f"synergy_self_{f.token[owner]}_y{year}")
            f.objective.append((w, 1.0 / f.horizon))


def _mean_partners(pairs: pd.DataFrame) -> float:
    """Mean number of positive synergy partners of the actions that have any."""
    partners: dict[str, set[str]] = defaultdict(set)
    for pair in pairs[pairs["bonus"] > 0].itertuples():
        a, b = pair.members
        partners[a].add(b)
        partners[b].add(a)
    return sum(map(len, partners.values())) / len(partners) if partners else 0.0


def _add_pair(f: Formulation, name: str, a: str, b: str,
              bonus: float) -> dict[int, pulp.LpVariable]:
    """One pair's z per year (z = 1 when both run that year); returns {year: z}."""
    both = {}
    for year in range(1, f.horizon + 1):
        z = both[year] = f.problem.add_variable(f"{name}_y{year}", lowBound=0, upBound=1)
        if bonus > 0:
            for member in (a, b):
                f.add(_expression([(z, 1.0)] + [(v, -1.0) for v, _ in f.active_terms(member, year)])
                      <= 0, f"{name}_{f.token[member]}_y{year}")
        else:
            terms = [(v, 1.0) for m in (a, b) for v, _ in f.active_terms(m, year)]
            f.add(_expression([(z, -1.0)] + terms) <= 1, f"{name}_both_y{year}")
        f.objective.append((z, bonus / f.horizon))
    return both


def _add_budget_cuts(f: Formulation, model: Model, limits: dict[str, float] | None,
                     partners: dict[str, dict[str, dict[int, pulp.LpVariable]]]) -> None:
    """Budget cut per action i with positive partners, limit and year t the limit covers:
    sum_j a_j z_ij,t <= (L - a_i) active_i,t.

    a is what an active action surely uses in a year [resource units]: set-up plus running
    amount with a one-year horizon, the least running amount of its life otherwise (set-up
    falls in the start year only), times its min_share if it may be funded in part; for a
    scheme, the least of its versions'. A whole-horizon limit bounds every single year too.
    The rows belong to their limit's group, so relaxing a limit (explain.py) relaxes its cuts
    with it.
    """
    amounts = Amounts.of(model)
    least = minimum_shares(model)

    def sure(resource: str, target: str) -> float:
        return min(amounts.surely(resource, a, f.horizon) * least.get(a, 1.0)
                   for a in f.members(target))

    for row in limits_in_force(model, limits, f.horizon).itertuples():
        when = f"_y{row.year}" if row.year else ""
        group = _limit_group(row)
        years = [row.year] if row.year else range(1, f.horizon + 1)
        for action, pairs in partners.items():
            own = sure(row.resource, action)
            for year in (t for t in years if 1 <= t <= f.horizon):
                terms = [(both[year], sure(row.resource, j)) for j, both in pairs.items()]
                active = [v for v, _ in f.active_terms(action, year)]
                terms += [(v, -(float(row.limit) - own)) for v in active]
                name = f"budget_cut_{f.token[action]}_{_safe(row.resource)}{when}_y{year}"
                f.add(_expression(terms) <= 0, name, group)
                f.limit_cuts.setdefault(group[0], []).append((name, active, own))


def add_critical_mass(f: Formulation, model: Model) -> None:
    """Critical mass, per year: threshold_g * y_g,t <= sum of active_i,t over i in g."""
    for group in model.interactions[model.interactions["kind"] == "critical_mass"].itertuples():
        for year in range(1, f.horizon + 1):
            y = f.problem.add_variable(f"{group.name}_y{year}", lowBound=0, upBound=1,
                                       cat="Binary")
            members = [(v, -1.0) for m in group.members for v, _ in f.active_terms(m, year)]
            f.add(_expression([(y, float(group.threshold))] + members) <= 0,
                  f"{group.name}_threshold_y{year}")
            f.objective.append((y, float(group.bonus) / f.horizon))


def add_requires(f: Formulation, model: Model) -> None:
    """x requires y with lag L: s[x,t] <= sum of s[y,t'] over t' <= t - L (L ignored if T = 1);
    a scheme x: one row per version; a scheme y: any of its versions."""
    for rule in model.interactions[model.interactions["kind"] == "requires"].itertuples():
        x, y = rule.members
        lag = int(rule.lag) if f.horizon > 1 else 0
        for version in f.members(x):
            for year, variable in f.starts[version]:
                earlier = [(v, -1.0) for w in f.members(y) for t, v in f.starts[w]
                           if t <= year - lag]
                name = f"{rule.name}_y{year}" + (f"_{f.token[version]}" if version != x else "")
                f.add(_expression([(variable, 1.0)] + earlier) <= 0, name,
                      (rule.name, "requires", x, y, lag))


def add_excludes(f: Formulation, model: Model) -> None:
    """Excludes: sum of selected_i over the listed actions <= 1."""
    for rule in model.interactions[model.interactions["kind"] == "excludes"].itertuples():
        terms = [t for m in rule.members for t in f.selected_terms(m)]
        f.add(_expression(terms) <= 1, rule.name, (rule.name, "excludes", *rule.members))


def add_forced_actions(f: Formulation, model: Model, options: Options) -> None:
    """Must-include: selected_i = 1; must-exclude: selected_i = 0 (constraints.csv and options)."""
    include, exclude = forced_actions(model, options)
    for action in sorted(include):
        name = f"include_{f.token[action]}"
        f.add(_expression(f.selected_terms(action)) >= 1, name, (name, "include", action))
    for action in sorted(exclude):
        name = f"exclude_{f.token[action]}"
        f.add(_expression(f.selected_terms(action)) <= 0, name, (name, "exclude", action))


def add_group_counts(f: Formulation, model: Model) -> None:
    """Balance: theme_min <= count in theme, count in theme <= theme_max, count per lead <= lead_max."""
    for rule in model.constraints.itertuples():
        if rule.kind not in ("theme_min", "theme_max", "lead_max"):
            continue
        column = "lead" if rule.kind == "lead_max" else "theme"
        members = model.actions.index[model.actions[column] == rule.target]
        terms = _expression([t for m in members for t in f.selected_terms(m)])
        name = f"{rule.kind}_{re.sub(r'[^A-Za-z0-9_]', '_', rule.target)}"
        f.add(terms >= rule.value if rule.kind == "theme_min" else terms <= rule.value, name,
              (name, rule.kind, rule.target, rule.value))


def _amount_terms(f: Formulation, amounts: Amounts, resource: str, year: int,
                  actions: Iterable[str] | None = None) -> list[tuple[pulp.LpVariable, float]]:
    """Terms of the amount of a resource the actions use in `year` (0: the whole horizon),
    each on its share variable (the start itself for a whole action)."""
    terms = []
    for action, start, variable in ((a, t, v) for a in (actions or f.shares)
                                    for t, v in f.shares[a]):
        years = active_years(start, f.duration[action], f.horizon)
        amount = (amounts.over(resource, action, start, years) if year == 0
                  else amounts.in_year(resource, action, start, year, years))
        if amount:
            terms.append((variable, float(amount)))
    return terms


def add_resource_limits(f: Formulation, model: Model, limits: dict[str, float] | None) -> None:
    """Each resource r (per year, or over the horizon): sum_i q_i amount_ir <= limit_r."""
    amounts = Amounts.of(model)
    for row in limits_in_force(model, limits, f.horizon).itertuples():
        group = _limit_group(row)
        f.add(_expression(_amount_terms(f, amounts, row.resource, row.year)) <= row.limit,
              group[0], group)


def _limit_group(row) -> tuple:
    """(row and group name, family, resource, year, limit) of one row of `limits_in_force`."""
    name = f"limit_{row.resource}{f'_y{row.year}' if row.year else ''}"
    return (name, "limit", row.resource, row.year, row.limit)


def add_funding_streams(f: Formulation, model: Model) -> None:
    """Funding: sum_s f[i,s,t] = amount_i,t; sum_i f[i,s,t] <= limit_s; f = 0 where ineligible."""
    if model.funding.empty:
        return
    amounts = Amounts.of(model)
    eligible = eligible_streams(model)
    flows = f.flows
    for resource in dict.fromkeys(model.funding["resource"]):
        for action in model.actions.index:
            streams = eligible.get((action, resource), [])
            for year in range(1, f.horizon + 1):
                need = _amount_terms(f, amounts, resource, year, [action])
                if not need:
                    continue
                paid = []
                for stream in streams:
                    flow = f.problem.add_variable(
                        f"fund_{f.token[action]}_{_safe(stream)}_y{year}", lowBound=0)
                    flows[action, stream, year] = flow
                    paid.append((flow, 1.0))
                f.add(_expression(paid + [(v, -c) for v, c in need]) == 0,
                      f"funded_{f.token[action]}_{resource}_y{year}",
                      (f"funded_{f.token[action]}_{resource}", "funded", action, resource))
    by_stream: dict[str, list[tuple[int, pulp.LpVariable]]] = defaultdict(list)
    for (_, stream, year), flow in flows.items():
        by_stream[stream].append((year, flow))
    for row in model.funding.itertuples():
        terms = [(v, 1.0) for t, v in by_stream[row.stream] if pd.isna(row.year) or t == row.year]
        when = "" if pd.isna(row.year) else f"_y{int(row.year)}"
        name = f"stream_{_safe(row.stream)}{when}"
        f.add(_expression(terms) <= row.limit, name,
              (name, "stream", row.stream, 0 if pd.isna(row.year) else int(row.year), row.limit))


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def build_model(model: Model, values: pd.Series, options: Options) -> Formulation:
    """The whole MILP, one family at a time, for action values [value points] and checked
    options (`run_options`)."""
    f = Formulation(pulp.LpProblem("portfolio", pulp.LpMaximize), options.horizon,
                    safe_tokens([*model.actions.index, *model.schemes]))
    add_start_variables(f, model)
    add_partial_funding(f, model)
    add_schemes(f)
    add_standalone_value(f, values)
    add_synergies(f, model, options.synergy, options.limits)
    add_critical_mass(f, model)
    add_requires(f, model)
    add_excludes(f, model)
    add_forced_actions(f, model, options)
    add_group_counts(f, model)
    add_resource_limits(f, model, options.limits)
    add_funding_streams(f, model)
    f.problem.setObjective(_expression(f.objective))
    return f
