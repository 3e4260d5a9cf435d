"""Value functions, weights and stakeholder aggregation: pure functions on tables.

A criterion's partial value maps its scale linearly from the status quo (its `baseline`, by
default the worst end of the scale) at 0 to the best end at 100, so a score worse than the
status quo has a negative value. On a reach criterion (`per` names a column of actions.csv,
e.g. people_reached) the score is the benefit per person and the partial value is multiplied
by the action's reach over the largest reach of any action: value = reach x benefit per
person, and the action reaching most people at the best score earns 100. Weights are
normalised to sum to 1; an action's value is the weighted sum, in value points (100 for an
action best on every criterion that also reaches most people).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .model import Model


def value_scale(criteria: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(offset, slope) per criterion: partial value [value points] = offset + slope x score.

    higher is better: 100 (score - b) / (max - b); lower: 100 (b - score) / (b - min); b is the
    baseline (the status quo), by default the worst end of the scale.
    """
    low = criteria["scale_min"].to_numpy(float)
    high = criteria["scale_max"].to_numpy(float)
    lower = (criteria["direction"] == "lower").to_numpy()
    given = criteria["baseline"].to_numpy(float) if "baseline" in criteria else np.full(
        len(criteria), np.nan)
    baseline = np.where(np.isnan(given), np.where(lower, high, low), given)
    with np.errstate(divide="ignore"):
        slope = np.where(lower, -100.0 / (baseline - low), 100.0 / (high - baseline))
    return (pd.Series(-baseline * slope, index=criteria.index),
            pd.Series(slope, index=criteria.index))


def reach_factors(model: Model) -> pd.DataFrame:
    """Action x criterion: reach / largest reach on a reach criterion (`per`), 1 elsewhere."""
    factors = pd.DataFrame(1.0, index=model.actions.index, columns=model.criteria.index)
    for criterion, column in _reach_criteria(model).items():
        reach = model.actions[column].astype(float)
        factors[criterion] = reach / reach.max() if reach.max() > 0 else 0.0
    return factors


def _reach_criteria(model: Model) -> dict[str, str]:
    """{criterion: the actions.csv column of people reached} of the reach criteria."""
    if "per" not in model.criteria:
        return {}
    return {c: p for c, p in model.criteria["per"].items() if isinstance(p, str) and p}


def normalised_weights(weights: pd.Series) -> pd.Series:
    """Weights rescaled to sum to 1 (the scale analysts type them on does not matter)."""
    total = weights.sum()
    if total <= 0:
        raise ValueError("criterion weights add up to zero")
    return weights / total


def partial_values(scores: pd.Series, criteria: pd.DataFrame, criterion: pd.Series) -> pd.Series:
    """Scores on each criterion's own scale -> partial values: 0 at the status quo, 100 at
    the best end (per person on a reach criterion: see `row_values`)."""
    offset, slope = value_scale(criteria)
    at = criterion.to_numpy()
    return pd.Series(offset.loc[at].to_numpy() + slope.loc[at].to_numpy() * scores.to_numpy(),
                     index=scores.index)


def row_values(model: Model, scores: pd.DataFrame) -> pd.Series:
    """The partial value [value points] of each score row, reach included."""
    partial = partial_values(scores["score"], model.criteria, scores["criterion"])
    if not _reach_criteria(model):
        return partial
    factors = reach_factors(model)
    stacked = factors.stack()
    keys = pd.MultiIndex.from_arrays([scores["action"], scores["criterion"]])
    return partial * stacked.reindex(keys).to_numpy()


def aggregate_scores(scores: pd.DataFrame, how: str = "mean") -> pd.DataFrame:
    """Action x criterion table of scores, combining stakeholders by mean or median."""
    return scores.pivot_table(index="action", columns="criterion", values="score", aggfunc=how)


def criterion_values(model: Model, scores: pd.DataFrame | None = None,
                     how: str | None = None) -> pd.DataFrame:
    """Action x criterion partial values (0..100) after aggregating stakeholders."""
    scores = model.scores if scores is None else scores
    long = scores.assign(partial=row_values(model, scores))
    table = long.groupby(["action", "criterion"])["partial"].agg(
        how or model.settings.get("aggregation", "mean")).unstack()
    return table.reindex(index=model.actions.index, columns=model.criteria.index)


def action_values(model: Model, weights: pd.Series | None = None,
                  scores: pd.DataFrame | None = None,
                  partial: pd.DataFrame | None = None) -> pd.Series:
    """Standalone value of each action in value points (0..100).

    partial: `criterion_values(model, scores)` if already worked out (it does not depend on
    the weights, so a caller trying many weights computes it once)."""
    weights = model.criteria["weight"] if weights is None else weights
    table = criterion_values(model, scores) if partial is None else partial
    values = table @ normalised_weights(weights.reindex(model.criteria.index))
    return values.rename("value")


def stakeholder_values(model: Model, weights: pd.Series | None = None) -> pd.DataFrame:
    """Action x stakeholder value points: each group's own scores under the given weights."""
    weights = normalised_weights((model.criteria["weight"] if weights is None else weights)
                                 .reindex(model.criteria.index))
    scores = model.scores[model.scores["stakeholder"] != ""]
    if scores.empty:
        return pd.DataFrame(index=model.actions.index)
    long = scores.assign(partial=row_values(model, scores))
    long["weighted"] = long["partial"] * weights.reindex(long["criterion"]).to_numpy()
    # a stakeholder who skipped a criterion borrows the others' mean there, so totals compare
    table = long.pivot_table(index=["action", "stakeholder"], columns="criterion",
                             values="weighted", aggfunc="mean")
    fill = long.pivot_table(index="action", columns="criterion", values="weighted", aggfunc="mean")
    table = table.fillna(fill.reindex(table.index.get_level_values("action")).set_axis(table.index))
    return table.sum(axis=1).unstack("stakeholder").reindex(model.actions.index)


def score(model: Model, weights: pd.Series | None = None) -> pd.DataFrame:
    """One row per action: each criterion's weighted contribution, the value, and the spread.

    Columns: one per criterion [value points], `value` [value points], and where stakeholders
    scored separately `stakeholder_min`, `stakeholder_max` and `spread` (max - min) [value points].
    """
    weights = model.criteria["weight"] if weights is None else weights
    contributions = criterion_values(model).mul(normalised_weights(
        weights.reindex(model.criteria.index)), axis=1)
    table = contributions.assign(value=contributions.sum(axis=1))
    by_group = stakeholder_values(model, weights)
    if by_group.shape[1] > 1:
        table["stakeholder_min"] = by_group.min(axis=1)
        table["stakeholder_max"] = by_group.max(axis=1)
        table["spread"] = table["stakeholder_max"] - table["stakeholder_min"]
    table.insert(0, "theme", model.actions["theme"])
    table.insert(0, "name", model.actions["name"])
    table.index.name = "action"
    return table.sort_values("value", ascending=False)
