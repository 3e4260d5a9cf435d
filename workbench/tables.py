"""Presentation tables built from results: plain pandas frames with units in the labels."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .model import SETUP_SUFFIX, Model, PortfolioResult
from .portfolio.rules import whole_horizon_limits
from .portfolio.schedule import action_timing, active_years


def model_summary(model: Model) -> pd.DataFrame:
    """What the model holds, one line per item, for a validation summary."""
    rows = [
        ("actions", len(model.actions), ""),
        ("themes", model.actions["theme"].nunique(), ""),
        ("accountable leads", model.actions["lead"].nunique(), ""),
        ("criteria", len(model.criteria), ""),
        ("stakeholder groups", max(1, model.scores["stakeholder"].replace("", pd.NA).nunique()), ""),
        ("score rows", len(model.scores), ""),
        ("synergy pairs", int((model.interactions["kind"] == "synergy").sum()), ""),
        ("critical-mass clusters", int((model.interactions["kind"] == "critical_mass").sum()), ""),
        ("requires / excludes rules", int(model.interactions["kind"].isin(
            ["requires", "excludes"]).sum()), ""),
        ("funding streams", model.funding["stream"].nunique(), ""),
        ("horizon", model.horizon, "years"),
        *((f"limit: {resource}", limit, "") for resource, limit in
          whole_horizon_limits(model).items()),
    ]
    rows = [(item, f"{amount:,.6g}", unit) for item, amount, unit in rows]
    return pd.DataFrame(rows, columns=["item", "amount", "unit"]).set_index("item")


def headline(results: Mapping[str, PortfolioResult], model: Model,
             limits: dict[str, float] | None = None) -> pd.DataFrame:
    """Portfolios side by side: value split [value points], amount of each resource, feasibility.
    limits: the run's own whole-horizon limits, where they replace the model's."""
    whole = whole_horizon_limits(model, limits)
    columns = {}
    for name, result in results.items():
        column = {
            "value, total [points]": round(result.value["total"], 1),
            "  standalone [points]": round(result.value["standalone"], 1),
            "  synergy [points]": round(result.value["synergy"], 1),
            "  critical mass [points]": round(result.value["critical_mass"], 1),
            "actions funded": len(result.selected),
        }
        for resource, used in result.cost.items():
            limit = f" (limit {whole[resource]:,.6g})" if resource in whole else ""
            column[f"{resource}{limit}"] = f"{used:,.6g}"
        column["within every limit and rule"] = "yes" if result.fits else "no"
        columns[name] = column
    return pd.DataFrame(columns)


def selected_actions(result: PortfolioResult, model: Model) -> pd.DataFrame:
    """The funded actions with theme, lead and what each uses [resource units over the horizon]."""
    actions = model.actions.loc[list(result.selected)]
    table = actions[["name", "theme", "lead"]].copy()
    duration = action_timing(model, result.horizon)["duration"]
    years = pd.Series({a: len(active_years(t, duration[a], result.horizon))
                       for a, t in result.start_year.items()}, dtype=float)  # active years
    if result.horizon > 1:
        table["start year"] = pd.Series(result.start_year)
    for resource in model.resource_names:
        table[resource] = actions[resource] * years + actions[resource + SETUP_SUFFIX]
    return table.rename_axis("action")


def breaches(result: PortfolioResult) -> pd.DataFrame:
    """Every limit or rule a portfolio breaks, in words (empty when it breaks none)."""
    return pd.DataFrame({"breach": result.reasons})
