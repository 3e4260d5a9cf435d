"""Stakeholders: each group's own values and portfolio, where they disagree, and a consensus.

A group's value of an action uses its own scores (where it skipped a criterion, the other
groups' mean) and its own weights from weights.csv (the agreed weights when it gave none), in
value points. A portfolio's share for a group is its value to the group divided by the value of
the group's own optimum [0..1]. The consensus portfolio maximises the smallest share over the
groups (maximin), and among those, the value under the agreed weights.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pulp

from .errors import InfeasibleError, ModelError, Problem, SolverError
from .portfolio.evaluate import evaluate
from .model import Model, PortfolioResult
from .options import Options, run_options
from .portfolio import build_model, optimise
from .portfolio.formulation import standalone_terms
from .portfolio.optimise import chosen_funding, chosen_shares, chosen_starts
from .robustness import argument_error, portfolio_value
from .scoring import action_values, criterion_values, normalised_weights, row_values
from .scoring import stakeholder_values as scoring_values
from .sensitivity import tipping_points
from .portfolio.solvers import solve

AGREED = "agreed"  # the portfolio under the agreed weights and aggregated scores
CONSENSUS = "consensus"


def stakeholder_groups(model: Model) -> list[str]:
    """The stakeholder groups that scored, in the order stakeholders.csv lists them."""
    scored = [g for g in dict.fromkeys(model.scores["stakeholder"]) if g]
    listed = [g for g in model.stakeholders.get("stakeholder", pd.Series(dtype=object))
              if g in scored]
    return listed + [g for g in scored if g not in listed]


def stakeholder_weights(model: Model) -> pd.DataFrame:
    """Criterion x group weight shares [0..1]: weights.csv, or the agreed weights for a group
    that gave none."""
    groups = stakeholder_groups(model)
    if not groups:
        raise ModelError(Problem("scores.csv", None, "stakeholder", "no stakeholder column, or "
                                 "no group named in it: per-stakeholder analysis needs each "
                                 "group's own scores"))
    agreed = normalised_weights(model.criteria["weight"])
    given = model.weights.pivot_table(index="criterion", columns="stakeholder", values="weight",
                                      aggfunc="first")
    table = {}
    for group in groups:
        if group not in given.columns:
            table[group] = agreed
            continue
        column = given[group].reindex(model.criteria.index)
        if column.isna().any():
            missing = ", ".join(column.index[column.isna()])
            raise ModelError(Problem("weights.csv", None, "weight", f"stakeholder {group!r} "
                                     f"gives no weight for {missing} (give every criterion a "
                                     "weight, 0 allowed)"))
        if column.sum() <= 0:
            raise ModelError(Problem("weights.csv", None, "weight", "the weights of "
                                     f"stakeholder {group!r} add up to zero"))
        table[group] = normalised_weights(column)
    return pd.DataFrame(table).rename_axis(index="criterion", columns="stakeholder")


def stakeholder_own_values(model: Model) -> pd.DataFrame:
    """Action x group value points: each group's own scores under its own weights."""
    weights = stakeholder_weights(model)
    everyone = criterion_values(model)
    columns = {}
    for group in weights.columns:
        own = criterion_values(model, model.scores[model.scores["stakeholder"] == group])
        columns[group] = own.fillna(everyone) @ weights[group]
    return pd.DataFrame(columns).rename_axis(index="action", columns="stakeholder")


def _group_options(model: Model, options: Options | None, keywords: dict) -> Options:
    """The run's options, checked; weights and values are each group's own, so not given."""
    options = run_options(model, options, **keywords)
    for reserved in ("values", "weights"):
        if getattr(options, reserved) is not None:
            raise argument_error(reserved, "stakeholder analysis sets each group's own "
                                 f"values: do not pass {reserved}=")
    return options


def stakeholder_portfolios(model: Model, options: Options | None = None, /,
                           **keywords) -> dict[str, PortfolioResult]:
    """Each group's own optimum, and the optimum under the agreed weights (key 'agreed').

    Among portfolios equally good for a group, the group's is the one of most value under the
    agreed weights, so the answer does not hang on which tie the solver happens to return.
    A group's result is valued with its own values [value points].
    """
    options = _group_options(model, options, keywords)
    own = stakeholder_own_values(model)
    portfolios = {AGREED: optimise(model, options, explain=False)}
    for group in own.columns:
        portfolios[group] = optimise(model, options.changed(values=own[group]), explain=False)
    for name, result in portfolios.items():
        if not result.found:
            raise InfeasibleError(f"{name}: no portfolio satisfies every constraint "
                                  f"({result.status})", result.reasons)
    agreed = action_values(model)
    for group in own.columns:
        portfolios[group] = _best_among_ties(model, own[group], portfolios[group].objective,
                                             agreed, options)
    return portfolios


def _bonus_formulation(model: Model, options: Options) -> tuple:
    """The portfolio MILP with no objective yet, and its synergy and critical-mass terms."""
    f = build_model(model, action_values(model) * 0.0, options)
    return f, [(v, c) for v, c in f.objective if c]


def _best_among_ties(model: Model, values: pd.Series, optimum: float, tie_break: pd.Series,
                     options: Options) -> PortfolioResult:
    """Most value under `tie_break` among portfolios worth `optimum` under `values`."""
    f, bonuses = _bonus_formulation(model, options)
    floor = optimum - 1e-7 * max(1.0, abs(optimum))
    f.add(pulp.LpAffineExpression(bonuses + standalone_terms(f, values)) >= floor, "own_optimum")
    f.problem.setObjective(pulp.LpAffineExpression(bonuses + standalone_terms(f, tie_break)))
    return _solve_and_read(model, f, values, options)


def _solve_and_read(model: Model, f, values: pd.Series, options: Options) -> PortfolioResult:
    """Solve, then value the portfolio under `values` and re-check every rule independently."""
    outcome = solve(f.problem, options.solver, options.time_limit)
    if not outcome.found:
        raise SolverError(f"the stakeholder model could not be solved ({outcome.status})")
    result = evaluate(model, chosen_starts(f), options.changed(values=values),
                      shares=chosen_shares(f), funding=chosen_funding(f))
    if len(result.breaches):
        raise SolverError("the solver's portfolio breaks constraints: "
                          + "; ".join(result.reasons))
    return replace(result, status=outcome.status, gap=outcome.gap, solver=options.solver)


def portfolio_shares(model: Model, portfolios: dict[str, PortfolioResult],
                     optima: dict[str, PortfolioResult] | None = None) -> pd.DataFrame:
    """Portfolio x group: the share [0..1] of each group's own optimum a portfolio achieves,
    and `minimum`, the smallest share (the one a maximin consensus raises)."""
    values = stakeholder_own_values(model)
    optima = optima or {g: portfolios[g] for g in values.columns}
    rows = {}
    for name, result in portfolios.items():
        rows[name] = {g: portfolio_value(model, result, values[g]) / optima[g].objective
                      for g in values.columns}
    table = pd.DataFrame(rows).T.rename_axis(index="portfolio", columns="stakeholder")
    table["minimum"] = table.min(axis=1)
    return table


def selection_table(model: Model, portfolios: dict[str, PortfolioResult]) -> pd.DataFrame:
    """Action x portfolio, True where the portfolio funds the action."""
    return pd.DataFrame({name: model.actions.index.isin(result.selected)
                         for name, result in portfolios.items()}, index=model.actions.index
                        ).rename_axis(index="action", columns="portfolio")


# ---------------------------------------------------------------- consensus (maximin)


@dataclass(frozen=True)
class ConsensusResult:
    """The maximin portfolio and how every group fares under each candidate.

    portfolio: the consensus, valued under the agreed weights [value points].
    minimum_share: its smallest share of a group's own optimum [0..1].
    shares: portfolio x group shares [0..1] plus `minimum`, for the consensus, the optimum
      under the agreed weights ('agreed weights') and each group's own optimum ('own: <group>').
    portfolios: those results ('consensus', 'agreed', one per group);
    selection: action x portfolio (labelled as in shares), True where funded.
    """

    portfolio: PortfolioResult
    minimum_share: float
    shares: pd.DataFrame
    portfolios: dict[str, PortfolioResult]
    selection: pd.DataFrame


def consensus(model: Model, options: Options | None = None, /, **keywords) -> ConsensusResult:
    """Maximise the smallest share, over groups, of the group's own optimum (a MILP).

    max m  subject to  value_g(x) >= opt_g * m  for every group g, and every rule of the
    portfolio model; value_g(x) counts the group's standalone values, synergies and critical
    mass with the same variables. A second solve keeps m at its maximum and takes the
    portfolio of most value under the agreed weights.
    """
    options = _group_options(model, options, keywords)
    portfolios = stakeholder_portfolios(model, options)
    values = stakeholder_own_values(model)
    optima = {g: portfolios[g].objective for g in values.columns}
    for group, optimum in optima.items():
        if optimum <= 0:
            raise ModelError(f"stakeholder {group!r}: its own optimum is worth {optimum:g} value "
                             "points, so a share of it means nothing")
    agreed = action_values(model)
    f, bonuses = _bonus_formulation(model, options)
    share = f.problem.add_variable("consensus_share", lowBound=None)
    for group, optimum in optima.items():
        terms = bonuses + standalone_terms(f, values[group]) + [(share, -optimum)]
        f.add(pulp.LpAffineExpression(terms) >= 0, f"share_{_safe(group)}")
    f.problem.setObjective(pulp.LpAffineExpression([(share, 1.0)]))
    outcome = solve(f.problem, options.solver, options.time_limit)
    if not outcome.found:
        raise SolverError(f"the consensus model could not be solved ({outcome.status})")
    floor = share.value()
    f.add(pulp.LpAffineExpression([(share, 1.0)]) >= floor - 1e-9 * max(1.0, abs(floor)),
          "consensus_floor")
    f.problem.setObjective(pulp.LpAffineExpression(bonuses + standalone_terms(f, agreed)))
    result = _solve_and_read(model, f, agreed, options)
    candidates = {CONSENSUS: result, **portfolios}
    shares = portfolio_shares(model, candidates, {g: portfolios[g] for g in values.columns})
    labels = {AGREED: "agreed weights", **{g: f"own: {g}" for g in values.columns}}
    return ConsensusResult(result, float(shares.loc[CONSENSUS, "minimum"]),
                           shares.rename(index=labels), candidates,
                           selection_table(model, candidates).rename(columns=labels))


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in text)


# ---------------------------------------------------------------- disagreement


def disagreement(model: Model, options: Options | None = None, /, **keywords) -> pd.DataFrame:
    """Action x criterion cells where the groups' scores differ, ranked for a meeting.

    swing_down / swing_up: how the action's value moves if the lowest- / highest-valuing group's
    score replaced the aggregate on that criterion [value points, agreed weights];
    value_spread: swing_up - swing_down [value points]; tipping: how far the action's value
    must move for its decision to flip [value points, `tipping_points`]; share_of_tipping: the
    swing toward the flip (down for a funded action, up for a left-out one) / |tipping|;
    changes_decision: that swing crosses the tipping point, so the portfolio changes.
    action_swing_down / action_swing_up and action_changes_decision: the same if one group's
    scores held on every criterion of the action.
    Ranked: cells that change the decision first, then cells of actions whose decision hangs on
    whose scores hold, then by share_of_tipping and value_spread.
    """
    scores = model.scores[model.scores["stakeholder"] != ""]
    if scores["stakeholder"].nunique() < 2:
        raise ModelError(Problem("scores.csv", None, "stakeholder", "disagreement needs scores "
                                 "from at least two stakeholder groups"))
    weights = normalised_weights(model.criteria["weight"])
    long = scores.assign(partial=row_values(model, scores))
    aggregate = (criterion_values(model).rename_axis(index="action", columns="criterion")
                 .stack().rename("aggregate"))
    long = long.join(aggregate, on=["action", "criterion"])
    weight = weights.reindex(long["criterion"]).to_numpy()
    long["swing"] = (long["partial"] - long["aggregate"]) * weight  # [value points]
    cells = long.groupby(["action", "criterion"], sort=False)
    low, high = long.loc[cells["swing"].idxmin()], long.loc[cells["swing"].idxmax()]
    table = pd.DataFrame({
        "lowest_group": low["stakeholder"].to_numpy(), "lowest_score": low["score"].to_numpy(),
        "highest_group": high["stakeholder"].to_numpy(), "highest_score": high["score"].to_numpy(),
        "swing_down": low["swing"].to_numpy(), "swing_up": high["swing"].to_numpy(),
    }, index=pd.MultiIndex.from_frame(low[["action", "criterion"]]))
    table["score_spread"] = (table["highest_score"] - table["lowest_score"]).abs()
    table["value_spread"] = table["swing_up"] - table["swing_down"]
    table = table[table["value_spread"] > 0]
    action = table.index.get_level_values("action")
    by_group = scoring_values(model).sub(action_values(model), axis=0)  # [value points]
    table["action_swing_down"] = by_group.min(axis=1).reindex(action).to_numpy()
    table["action_swing_up"] = by_group.max(axis=1).reindex(action).to_numpy()
    tipping = tipping_points(model, actions=list(dict.fromkeys(action)),
                             options=_group_options(model, options, keywords))
    table["selected"] = tipping["selected"].reindex(action).to_numpy()
    table["tipping"] = tipping["change"].reindex(action).to_numpy()
    table["changes_decision"] = _crosses(table, "swing_down", "swing_up")
    table["action_changes_decision"] = _crosses(table, "action_swing_down", "action_swing_up")
    lowest = by_group.idxmin(axis=1).reindex(action).to_numpy()
    highest = by_group.idxmax(axis=1).reindex(action).to_numpy()
    table["effect"] = np.select(
        [table["changes_decision"] & table["selected"], table["changes_decision"],
         table["action_changes_decision"] & table["selected"], table["action_changes_decision"]],
        ["drops out if " + table["lowest_group"] + "'s score holds",
         "comes in if " + table["highest_group"] + "'s score holds",
         "drops out if " + lowest + "'s scores of the action hold",
         "comes in if " + highest + "'s scores of the action hold"], "")
    toward = np.where(table["selected"], -table["swing_down"], table["swing_up"])
    distance = table["tipping"].abs().to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share_of_tipping"] = np.where(distance > 0, toward / distance,
                                             np.where(toward > 0, np.inf, 0.0))
    table.loc[table["tipping"].isna(), "share_of_tipping"] = np.nan
    table = table.sort_values(["changes_decision", "action_changes_decision", "share_of_tipping",
                               "value_spread"], ascending=False, kind="stable",
                              na_position="last")
    return table[["lowest_group", "lowest_score", "highest_group", "highest_score",
                  "score_spread", "swing_down", "swing_up", "value_spread", "action_swing_down",
                  "action_swing_up", "selected", "tipping", "share_of_tipping",
                  "changes_decision", "action_changes_decision", "effect"]]


def _crosses(table: pd.DataFrame, down: str, up: str, tolerance: float = 1e-9) -> pd.Series:
    """A funded action falls past its tipping point, or a left-out one rises past it."""
    drops = table["selected"] & (table[down] < table["tipping"] - tolerance)
    joins = ~table["selected"] & (table[up] > table["tipping"] + tolerance)
    return (drops | joins).fillna(False).astype(bool)
