"""Presentation tables built from results: plain pandas frames whose labels carry the model's
names and units ("Money [£]", "Staff time [FTE]"), never a resource called `cost` or a currency."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .model import Model, PortfolioResult
from .portfolio.rules import action_values_for, limits_in_force, whole_horizon_limits
from .portfolio.schedule import horizon_shares
from .units import format_amount, resource_label, resource_name, resource_unit

VALUE_COLUMN = "value [value points]"
SHARE_COLUMN = "funded [%]"


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
        *((f"limit: {resource_name(model, resource)}", limit,
           resource_unit(model, resource) or resource_name(model, resource))
          for resource, limit in whole_horizon_limits(model).items()),
    ]
    rows = [(item, f"{amount:,.6g}", unit) for item, amount, unit in rows]
    return pd.DataFrame(rows, columns=["item", "amount", "unit"]).set_index("item")


def headline(results: Mapping[str, PortfolioResult], model: Model,
             limits: dict[str, float] | None = None) -> pd.DataFrame:
    """Portfolios side by side: value split [value points], amount of each resource with its
    unit ("£650,000"), feasibility. limits: the run's own whole-horizon limits, where they
    replace the model's."""
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
            limit = (f" (limit {format_amount(model, resource, whole[resource])})"
                     if resource in whole else "")
            column[f"{resource_name(model, resource)}{limit}"] = format_amount(model, resource,
                                                                                used)
        column["within every limit and rule"] = "yes" if result.fits else "no"
        columns[name] = column
    return pd.DataFrame(columns)


def selected_actions(result: PortfolioResult, model: Model, options=None) -> pd.DataFrame:
    """The funded actions with theme, lead, start year (over several years), the share of each
    funded [%] (when some are funded in part, `min_share`), what each uses
    over the horizon (set-up included, one column per resource labelled with its name and unit,
    e.g. "Money [£]") and its value [value points] under `options` (the run's weights or
    values; default the model's). Each resource column adds up to `result.cost`, and the value
    column to the standalone value."""
    from .plan import action_totals

    table = model.actions.loc[list(result.selected), ["name", "theme", "lead"]].copy()
    if result.horizon > 1:
        table["start year"] = pd.Series(result.start_year)
    partly = {a: q for a, q in result.shares.items() if q < 1 - 1e-9}
    if partly:  # some actions funded in part (min_share)
        table[SHARE_COLUMN] = [100 * float(result.shares.get(a, 1.0)) for a in table.index]
    amounts = action_totals(result, model)
    for resource in model.resource_names:
        table[resource_label(model, resource)] = amounts[resource]
    table[VALUE_COLUMN] = action_value(result, model, options)
    return table.rename_axis("action")


def action_value(result: PortfolioResult, model: Model, options=None) -> pd.Series:
    """Each funded action's standalone value in the result [value points]: its value under the
    run's weights or values, times the share of the horizon it runs and the share of it funded
    (`result.shares`). Adds up to `result.value['standalone']`."""
    from .options import run_options

    options = run_options(model, options, horizon=result.horizon)
    values = action_values_for(model, options)
    shares = horizon_shares(model, result.start_year, result.horizon)
    return pd.Series({a: float(values[a]) * shares[a] * float(result.shares.get(a, 1.0))
                      for a in result.selected}, dtype=float)


def limits_used(result: PortfolioResult, model: Model,
                limits: dict[str, float] | None = None) -> pd.DataFrame:
    """Each limit in force (the model's, with the run's `limits` over the whole horizon) and
    what the portfolio uses of it. Columns: resource, name, year (0: the whole horizon), used,
    limit [the resource's unit], share [% of the limit used]."""
    rows = []
    for row in limits_in_force(model, limits, result.horizon).itertuples():
        year = int(row.year)
        used = (result.cost.get(row.resource, 0.0) if year == 0
                else float(result.cost_by_year.at[row.resource, year]))
        rows.append({"resource": row.resource, "name": resource_name(model, row.resource),
                     "year": year, "used": used, "limit": float(row.limit),
                     "share": 100 * used / row.limit if row.limit else float("nan")})
    return pd.DataFrame(rows, columns=["resource", "name", "year", "used", "limit", "share"])


def funding_used(result: PortfolioResult, model: Model) -> pd.DataFrame:
    """Each funding stream's limit (funding.csv rows, per year where a row names one) and what
    the result's split (the solver's) takes from it. Columns: stream, description, resource,
    year (0: the whole horizon), used, limit [the stream's resource's unit]."""
    description = (model.funding["description"] if "description" in model.funding
                   else pd.Series("", index=model.funding.index))
    rows = []
    for row, text in zip(model.funding.itertuples(), description):
        year = 0 if pd.isna(row.year) else int(row.year)
        paid = result.funding[result.funding["stream"] == row.stream]
        if year:
            paid = paid[paid["year"] == year]
        rows.append({"stream": row.stream,
                     "description": text if isinstance(text, str) else "",
                     "resource": row.resource, "year": year,
                     "used": float(paid["amount"].sum()), "limit": float(row.limit)})
    return pd.DataFrame(rows, columns=["stream", "description", "resource", "year", "used",
                                       "limit"])


def breaches(result: PortfolioResult) -> pd.DataFrame:
    """Every limit or rule a portfolio breaks, in words (empty when it breaks none)."""
    return pd.DataFrame({"breach": result.reasons})
