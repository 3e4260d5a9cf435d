"""Value functions, weights and stakeholder aggregation: pure functions on tables.

A criterion's partial value maps its scale linearly onto 0..100 (reversed when lower is
better); weights are normalised to sum to 1; an action's value is the weighted sum, in
value points from 0 (worst on every criterion) to 100 (best on every criterion).
"""
from __future__ import annotations

import pandas as pd

from .model import Model


def normalised_weights(weights: pd.Series) -> pd.Series:
    """Weights rescaled to sum to 1 (the scale analysts type them on does not matter)."""
    total = weights.sum()
    if total <= 0:
        raise ValueError("criterion weights add up to zero")
    return weights / total


def partial_values(scores: pd.Series, criteria: pd.DataFrame, criterion: pd.Series) -> pd.Series:
    """Scores on each criterion's own scale -> partial values 0..100."""
    scale = criteria.loc[criterion.to_numpy()]
    fraction = (scores.to_numpy() - scale["scale_min"].to_numpy()) / (
        scale["scale_max"].to_numpy() - scale["scale_min"].to_numpy())
    fraction = pd.Series(fraction, index=scores.index)
    lower = (scale["direction"].to_numpy() == "lower")
    fraction[lower] = 1 - fraction[lower]
    return 100 * fraction


def aggregate_scores(scores: pd.DataFrame, how: str = "mean") -> pd.DataFrame:
    """Action x criterion table of scores, combining stakeholders by mean or median."""
    return scores.pivot_table(index="action", columns="criterion", values="score", aggfunc=how)


def criterion_values(model: Model, scores: pd.DataFrame | None = None,
                     how: str | None = None) -> pd.DataFrame:
    """Action x criterion partial values (0..100) after aggregating stakeholders."""
    scores = model.scores if scores is None else scores
    long = scores.assign(partial=partial_values(scores["score"], model.criteria,
                                                scores["criterion"]))
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
    long = scores.assign(partial=partial_values(scores["score"], model.criteria, scores["criterion"]))
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
