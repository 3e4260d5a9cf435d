"""The action plan: what the action group needs from a chosen portfolio, one row per action.

Each row says who is accountable (lead), how success is measured (indicator), when the action
runs (start and end year), what it uses each year (one column per resource and year, e.g.
`cost_y1` [pounds], `staff_fte_y2` [FTE]: set-up in the start year plus running amount while
active) and which funding streams pay for it. `workbench.export.write_table` writes it to CSV
or .xlsx for the action group, with formula-like text escaped.
"""
from __future__ import annotations

import pandas as pd

from .errors import ModelError
from .portfolio.evaluate import cost_table
from .model import Model, PortfolioResult
from .portfolio.schedule import action_timing, active_years

DESCRIPTION_COLUMNS = ("id", "name", "theme", "lead", "indicator")


def yearly_column(resource: str, year: int) -> str:
    """Column name of a resource's amount in one year, e.g. `cost_y2`."""
    return f"{resource}_y{year}"


def action_plan(result: PortfolioResult, model: Model) -> pd.DataFrame:
    """One row per selected action, ordered by start year (then the model's order).

    Columns: id, name, theme, lead, indicator, start_year, end_year [years, from 1],
    `<resource>_y<t>` [the resource's unit, e.g. pounds or FTE] for every resource and year of
    the horizon, and `funding`: the streams paying for the action with their amounts over the
    horizon (e.g. "public_health_grant £80,000; icb_mh_transformation £5,000").
    """
    if not result.fits:
        reasons = "; ".join(result.reasons) or "no portfolio"
        raise ModelError(f"result: no action plan for a portfolio that is {result.status} "
                         f"({reasons})")
    unknown = [a for a in result.selected if a not in model.actions.index]
    if unknown:
        raise ModelError(f"result: action(s) {', '.join(unknown)} are not in the model "
                         f"{model.source}; was the result made from another model?")
    horizon = result.horizon
    timing = action_timing(model, horizon)
    order = sorted(result.selected, key=lambda a: (result.start_year[a],
                                                    model.actions.index.get_loc(a)))
    resources = model.resource_names
    columns = [*DESCRIPTION_COLUMNS, "start_year", "end_year",
               *(yearly_column(r, t) for r in resources for t in range(1, horizon + 1)), "funding"]
    rows = []
    for action in order:
        start = int(result.start_year[action])
        years = active_years(start, int(timing.loc[action, "duration"]), horizon)
        amounts = cost_table(model, {action: start}, {action: set(years)}, horizon)
        rows.append({
            **model.actions.loc[action, list(DESCRIPTION_COLUMNS[1:])].to_dict(),
            "id": action, "start_year": start, "end_year": max(years, default=start),
            **{yearly_column(r, t): float(amounts.loc[r, t])
               for r in resources for t in range(1, horizon + 1)},
            "funding": funding_text(result.funding, model, action),
        })
    plan = pd.DataFrame(rows, columns=columns)
    return plan.astype({"start_year": int, "end_year": int})


def funding_text(funding: pd.DataFrame, model: Model, action: str) -> str:
    """The streams paying for an action, largest first, with amounts over the horizon."""
    paid = funding[funding["action"] == action]
    if paid.empty:
        return ""
    totals = paid.groupby("stream", sort=False)["amount"].sum().sort_values(ascending=False,
                                                                            kind="stable")
    resource = model.funding.drop_duplicates("stream").set_index("stream")["resource"]
    return "; ".join(f"{stream} {format_amount(amount, resource.get(stream, ''))}"
                     for stream, amount in totals.items())


def format_amount(amount: float, resource: str) -> str:
    """Pounds for the money resource `cost`, otherwise the amount and its resource's name."""
    if resource == "cost":
        return f"£{amount:,.0f}"
    return f"{amount:,.6g} {resource}".strip()
