"""The action plan: what the action group needs from a chosen portfolio, one row per action.

Each row says who is accountable (lead), how success is measured (indicator), when the action
runs (start and end year), what it uses each year (one column per resource and year, e.g.
`cost_y1` [the resource's unit, e.g. £], `staff_fte_y2` [e.g. FTE]: set-up in the start year
plus running amount while active) and which funding streams pay for it, in the units that
resources.csv gives. `workbench.export.write_table` writes it to CSV, and
`workbench.plan_workbook.write_plan` to a formatted .xlsx workbook for the action group.
"""
from __future__ import annotations

import pandas as pd

from .errors import ModelError
from .portfolio.evaluate import cost_table
from .model import Model, PortfolioResult
from .portfolio.schedule import action_timing, active_years
from .units import format_amount

DESCRIPTION_COLUMNS = ("id", "name", "theme", "lead", "indicator")


def yearly_column(resource: str, year: int) -> str:
    """Column name of a resource's amount in one year, e.g. `cost_y2`."""
    return f"{resource}_y{year}"


def action_plan(result: PortfolioResult, model: Model) -> pd.DataFrame:
    """One row per selected action, ordered by start year (then the model's order).

    Columns: id, name, theme, lead, indicator, start_year, end_year [years, from 1],
    share_funded [0..1: 1 for a whole action, less for one funded in part; its amounts are
    already that share of the whole],
    `<resource>_y<t>` [the resource's unit, e.g. £ or FTE] for every resource and year of
    the horizon, and `funding`: the streams paying for the action with their amounts over the
    horizon in their resource's unit (e.g. "public_health_grant £80,000; icb_mh_transformation
    £5,000").
    """
    _check_result(result, model)
    horizon = result.horizon
    order = sorted(result.selected, key=lambda a: (result.start_year[a],
                                                    model.actions.index.get_loc(a)))
    resources = model.resource_names
    columns = [*DESCRIPTION_COLUMNS, "start_year", "end_year", "share_funded",
               *(yearly_column(r, t) for r in resources for t in range(1, horizon + 1)), "funding"]
    rows = []
    for action, (years, amounts) in _yearly_amounts(result, model, order).items():
        start = int(result.start_year[action])
        rows.append({
            **model.actions.loc[action, list(DESCRIPTION_COLUMNS[1:])].to_dict(),
            "id": action, "start_year": start, "end_year": max(years, default=start),
            "share_funded": float(result.shares.get(action, 1.0)),
            **{yearly_column(r, t): float(amounts.loc[r, t])
               for r in resources for t in range(1, horizon + 1)},
            "funding": funding_text(result.funding, model, action),
        })
    plan = pd.DataFrame(rows, columns=columns)
    return plan.astype({"start_year": int, "end_year": int})


def action_totals(result: PortfolioResult, model: Model) -> pd.DataFrame:
    """What each funded action uses of each resource over the horizon, set-up included
    [the resource's unit]: action x resource, in the model's order. Each column adds up to
    `result.cost`."""
    _check_result(result, model, plan=False)
    order = [a for a in model.actions.index if a in result.start_year]
    totals = {action: amounts.sum(axis=1)
              for action, (_, amounts) in _yearly_amounts(result, model, order).items()}
    return pd.DataFrame(totals, index=model.resource_names, dtype=float).T.reindex(order)


def _check_result(result: PortfolioResult, model: Model, plan: bool = True) -> None:
    if plan and not result.fits:
        reasons = "; ".join(result.reasons) or "no portfolio"
        raise ModelError(f"result: no action plan for a portfolio that is {result.status} "
                         f"({reasons})")
    unknown = [a for a in result.selected if a not in model.actions.index]
    if unknown:
        raise ModelError(f"result: action(s) {', '.join(unknown)} are not in the model "
                         f"{model.source}; was the result made from another model?")


def _yearly_amounts(result: PortfolioResult, model: Model, order: list[str]
                    ) -> dict[str, tuple[range, pd.DataFrame]]:
    """{action: (its active years, resource x year amounts)} for the actions in `order`, each
    times the share of it funded (`result.shares`)."""
    horizon = result.horizon
    timing = action_timing(model, horizon)
    out = {}
    for action in order:
        start = int(result.start_year[action])
        years = active_years(start, int(timing.loc[action, "duration"]), horizon)
        share = {action: float(result.shares.get(action, 1.0))}  # a partly funded action
        out[action] = (years, cost_table(model, {action: start}, {action: set(years)}, horizon,
                                         shares=share))
    return out


def funding_text(funding: pd.DataFrame, model: Model, action: str) -> str:
    """The streams paying for an action, largest first, with amounts over the horizon."""
    paid = funding[funding["action"] == action]
    if paid.empty:
        return ""
    totals = paid.groupby("stream", sort=False)["amount"].sum().sort_values(ascending=False,
                                                                            kind="stable")
    resource = model.funding.drop_duplicates("stream").set_index("stream")["resource"]
    return "; ".join(f"{stream} {format_amount(model, resource.get(stream, ''), amount)}"
                     for stream, amount in totals.items())

