"""Baselines: the value-for-money ranking and named reference portfolios, beside the optimum.

Value for money is how STAR (Airoldi et al., "STAR: people-powered prioritization", Medical
Decision Making 2014) and programme budgeting and marginal analysis (PBMA) choose: rank the
actions by standalone value per pound and fund down the list while the money lasts. It ignores
synergies and critical mass, which is exactly what the comparison shows. Every portfolio is
scored by `evaluate` under the same value model (interactions included, breaches listed).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import ModelError
from .portfolio.evaluate import evaluate
from .model import Model, PortfolioResult
from .options import Options, run_options
from .portfolio import optimise
from .portfolio.rules import action_values_for, forced_actions
from .portfolio.schedule import Amounts, action_timing, active_years, horizon_share, start_years
from .scoring import action_values

OPTIMUM = "optimised"
VALUE_FOR_MONEY = "value for money"
# Breach families that adding more actions can still mend: the greedy tolerates them on the way.
MENDABLE = ("theme_min", "include")


def action_amounts(model: Model, resource: str, horizon: int | None = None) -> pd.Series:
    """What each action uses of a resource over the horizon when started as early as it may
    [the resource's unit]; 0 for an action that cannot start within the horizon."""
    if resource not in model.resource_names:
        raise ModelError(f"resource={resource!r}: unknown resource (the model has "
                         f"{', '.join(model.resource_names)})")
    horizon = horizon or model.horizon
    uses = Amounts.of(model)
    timing = action_timing(model, horizon)
    amounts = {}
    for action, years in start_years(timing, horizon).items():
        if not years:
            amounts[action] = 0.0
            continue
        active = active_years(years[0], int(timing.loc[action, "duration"]), horizon)
        amounts[action] = uses.over(resource, action, years[0], active)
    return pd.Series(amounts, name=resource, dtype=float)


def value_for_money_ranking(model: Model, resource: str | None = None, *,
                            values: pd.Series | None = None, weights: pd.Series | None = None,
                            horizon: int | None = None) -> pd.DataFrame:
    """Actions by standalone value per unit of a resource, best first (ties: higher value).

    Columns: action, name, value [value points over the horizon], amount [the resource's unit],
    value_per_1000 [value points per 1,000 units, e.g. per £1,000], rank (1 = best).
    resource: default the model's first (resources.csv).
    """
    resource = resource or model.resource_names[0]
    horizon = horizon or model.horizon
    if values is None:
        values = action_values(model, weights)
    timing = action_timing(model, horizon)
    share = pd.Series({a: horizon_share(years[0], int(timing.loc[a, "duration"]), horizon)
                       if years else 0.0 for a, years in start_years(timing, horizon).items()})
    amount = action_amounts(model, resource, horizon)
    value = values.reindex(model.actions.index) * share
    table = pd.DataFrame({"action": model.actions.index, "name": model.actions["name"],
                          "value": value, "amount": amount})
    with np.errstate(divide="ignore", invalid="ignore"):
        table["value_per_1000"] = np.where(table["amount"] > 0,
                                           1000 * table["value"] / table["amount"], np.inf)
    table["order"] = range(len(table))
    table = table.sort_values(["value_per_1000", "value", "order"],
                              ascending=[False, False, True], ignore_index=True)
    table["rank"] = range(1, len(table) + 1)
    return table.drop(columns="order")


def value_for_money(model: Model, resource: str | None = None, options: Options | None = None,
                    **keywords) -> PortfolioResult:
    """The benefit/cost greedy portfolio: down the value-for-money ranking, fund each action
    that keeps every limit and rule. It starts from the actions that must be funded, then funds
    the best-ranked actions of each theme with a minimum (the balance rules), then goes down
    the whole list, passing again while that adds any (an action whose prerequisite came later
    gets a second chance). Actions worth less than the status quo (negative value) are funded
    only when they must be; actions that may be funded in part are funded whole. Returned as
    `evaluate` scores it, interactions included.
    resource: default the model's first; options / keywords: as for `optimise`.
    """
    options = run_options(model, options, **keywords)
    options = options.changed(values=action_values_for(model, options), weights=None)
    must, barred = forced_actions(model, options)
    ranking = [a for a in value_for_money_ranking(model, resource, values=options.values,
                                                  horizon=options.horizon)["action"]
               if a not in barred and (options.values[a] > 0 or a in must)]
    chosen = [a for a in ranking if a in must]
    current = _lasting(evaluate(model, chosen, options))
    themes = model.actions["theme"]
    rules = model.constraints
    for rule in rules[rules["kind"] == "theme_min"].itertuples():
        members = [a for a in ranking if themes[a] == rule.target]
        current = _fund_down(model, members, chosen, current, options, (rule.target, rule.value))
    _fund_down(model, ranking, chosen, current, options)
    return evaluate(model, [a for a in ranking if a in chosen], options)


def _fund_down(model: Model, ranking: list[str], chosen: list[str], current: set[tuple],
               options: Options, quota: tuple[str, float] | None = None) -> set[tuple]:
    """Add to `chosen`, in ranking order, each action that brings no new lasting breach; pass
    again over those refused only for a missing prerequisite while a pass adds any. quota
    (theme, count): stop once `chosen` has that many actions of the theme. Returns the
    lasting breaches of `chosen`."""
    themes = model.actions["theme"]
    candidates = [a for a in ranking if a not in chosen]
    while candidates:
        waiting = []
        before = len(chosen)
        for action in candidates:
            if quota and sum(themes[a] == quota[0] for a in chosen) >= quota[1]:
                return current
            lasting = _lasting(evaluate(model, chosen + [action], options))
            new = lasting - current
            if not new:
                chosen.append(action)
                current = lasting
            elif all(family == "requires" for family, _ in new):
                waiting.append(action)
        candidates = waiting if len(chosen) > before else []
    return current


def _lasting(result: PortfolioResult) -> set[tuple[str, str]]:
    """Breaches (family, message) that adding more actions cannot mend (limits, requires,
    excludes, maxima)."""
    breaches = result.breaches
    kept = breaches[~breaches["family"].isin(MENDABLE)]
    return set(zip(kept["family"], kept["message"]))


def compare(model: Model, portfolios: Mapping[str, Iterable[str] | PortfolioResult] | None = None,
            options: Options | None = None, *, optimum: PortfolioResult | None = None,
            references: bool = True, baseline: bool = True, resource: str | None = None,
            **keywords) -> pd.DataFrame:
    """Portfolios side by side under one value model, against the optimum.

    portfolios: {name: action ids, {id: start year} or a PortfolioResult}. Also included:
    the optimum (optimised here unless given), the value-for-money portfolio on `resource`
    (baseline=True) and every reference portfolio of portfolios.csv (references=True).
    options / keywords (limits, weights, values, horizon, include, exclude) apply to all; the
    horizon defaults to the given optimum's. resource: default the model's first.
    Columns: portfolio, feasible, value, standalone, synergy, critical_mass [value points],
    gain (the optimum's value minus this one [value points]), one column per resource
    [its unit], n_selected, added / dropped (';'-joined actions this portfolio has that the
    optimum has not / lacks that the optimum has), breaches ('; '-joined).
    """
    if optimum is not None and (options is None or options.horizon is None) and (
            keywords.get("horizon") is None):
        keywords["horizon"] = optimum.horizon  # score everything over the optimum's years
    options = run_options(model, options, **keywords)
    options = options.changed(values=action_values_for(model, options), weights=None)
    if optimum is None:
        optimum = optimise(model, options)
    if not optimum.found:
        raise ModelError("compare: no optimum to compare against: "
                         + "; ".join([f"no portfolio ({optimum.status})", *optimum.reasons]))
    entries: dict[str, Iterable[str] | Mapping[str, int] | PortfolioResult] = {OPTIMUM: optimum}
    if baseline:
        entries[VALUE_FOR_MONEY] = value_for_money(model, resource, options)
    if references:
        for name in dict.fromkeys(model.portfolios["portfolio"]):
            entries[name] = model.reference_portfolio(name)
    for name, portfolio in (portfolios or {}).items():
        if name in entries:
            raise ModelError(f"compare: the portfolio name {name!r} is already used; rename it")
        entries[name] = portfolio
    best = set(optimum.selected)
    rows = []
    for name, portfolio in entries.items():
        result = evaluate(model, portfolio, options)
        chosen = set(result.selected)
        rows.append({
            "portfolio": name, "feasible": result.breaches.empty, "value": result.objective,
            "standalone": result.value["standalone"], "synergy": result.value["synergy"],
            "critical_mass": result.value["critical_mass"],
            "gain": optimum.objective - result.objective,
            **{r: result.cost[r] for r in model.resource_names},
            "n_selected": len(chosen),
            "added": ";".join(a for a in model.actions.index if a in chosen - best),
            "dropped": ";".join(a for a in model.actions.index if a in best - chosen),
            "breaches": "; ".join(result.reasons),
        })
    return pd.DataFrame(rows)
