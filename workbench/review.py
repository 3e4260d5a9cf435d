"""The accountability view of a review: per lead, their actions, how each indicator stands
against its target, what each spent against what was planned, and what the re-plan
recommends.

`accountability(model, replanned, plan)` returns the table (one row per action that was
planned, has started, or is recommended); `review_findings` turns it into sentences computed
from the model and the results (no name or figure is typed here).

Words used:
- indicator: `on track` when the latest indicator_value before the review reaches the
  action's `indicator_target` (a target is a level to reach: higher is better), `behind` when
  it falls short, `no data` when either is missing;
- spend: the first resource's `spent` in progress.csv against the planned amount of the
  years it ran (its set-up in the start year and its running amount a year, or its profile):
  `over plan` above it, `under plan` below, `on plan` within 0.5%; `not started` for an
  action the plan started before the review that has no progress row; `no data` when no
  `spent` is given.
"""
from __future__ import annotations

import math

import pandas as pd

from .findings import Findings, action_name, count, listing
from .model import Model, PortfolioResult
from .portfolio.schedule import Amounts, action_timing, active_years
from .replan import ReplanResult
from .units import format_amount

ON_PLAN = 0.005  # spend within this share of the plan counts as on plan
ACCOUNTABILITY_COLUMNS = ["lead", "action", "name", "indicator", "indicator_target",
                          "indicator_value", "indicator_status", "planned", "spent",
                          "spend_status", "recommendation"]


def indicator_status(value: float, target: float) -> str:
    """on track, behind or no data (see the module's docstring)."""
    if value != value or target != target:
        return "no data"
    return "on track" if value >= target else "behind"


def spend_status(spent: float, planned: float) -> str:
    """over plan, under plan, on plan or no data [both in the first resource's unit]."""
    if spent != spent:
        return "no data"
    if abs(spent - planned) <= ON_PLAN * max(abs(planned), 1e-9):
        return "on plan"
    return "over plan" if spent > planned else "under plan"


def _planned_before(model: Model, action: str, start: int, end: int, horizon: int) -> float:
    """The first resource's planned amount of an action started in `start`, over the years
    before `end` [the first resource's unit]."""
    amounts = Amounts.of(model)
    resource = model.resource_names[0]
    duration = int(action_timing(model, horizon)["duration"][action])
    life = active_years(start, duration, horizon)
    return sum(amounts.in_year(resource, action, start, year, life)
               for year in range(start, min(end, life.stop)))


def recommendation(row) -> str:
    """The re-plan's decision in words: continue, stop, start in year t, not funded, ..."""
    if row["decision"] == "start":
        return f"start in year {int(row['start_year'])}"
    return {"continue": f"continue (years {row['years']})" if "-" in str(row["years"])
            else f"continue (year {row['years']})", "stopped before": "stopped"
            }.get(row["decision"], row["decision"])


def accountability(model: Model, replanned: ReplanResult,
                   plan: PortfolioResult | None = None) -> pd.DataFrame:
    """Per lead (sorted), the actions that were planned (`plan`: the plan as agreed, e.g.
    `optimise` over the whole horizon), have started, or that the re-plan funds: indicator
    against target, spend against plan [the first resource's unit] and the recommendation.

    planned: what the plan set aside for the years before the review: for an action that
    started, its amounts from its actual start; for one the plan started earlier that has not
    started, its amounts from the plan's start year.
    """
    from_year, horizon = replanned.from_year, replanned.horizon
    planned_start = dict(plan.start_year) if plan is not None else {}
    progress = model.progress[model.progress["year"] < from_year]
    spent = progress.dropna(subset=["spent"]).groupby("action")["spent"].sum()
    rows = []
    for row in replanned.decisions.to_dict("records"):
        action = row["action"]
        began = row["before"] != "not started"
        was_planned = planned_start.get(action, horizon + 1) < from_year
        if not (began or was_planned or row["decision"] in ("start", "continue")):
            continue
        start = int(progress.loc[progress["action"] == action, "year"].min()) if began else \
            planned_start.get(action)
        planned = _planned_before(model, action, start, from_year, horizon) if (
            began or was_planned) else 0.0
        amount = float(spent[action]) if action in spent.index else math.nan
        status = spend_status(amount, planned) if began else (
            "not started" if was_planned else "not due")
        rows.append({"lead": row["lead"], "action": action, "name": row["name"],
                     "indicator": row["indicator"],
                     "indicator_target": row["indicator_target"],
                     "indicator_value": row["indicator_value"],
                     "indicator_status": indicator_status(row["indicator_value"],
                                                          row["indicator_target"])
                     if began else "no data",
                     "planned": planned, "spent": amount, "spend_status": status,
                     "recommendation": recommendation(row)})
    table = pd.DataFrame(rows, columns=ACCOUNTABILITY_COLUMNS)
    return table.sort_values(["lead", "action"], kind="stable").reset_index(drop=True)


def review_findings(model: Model, table: pd.DataFrame, replanned: ReplanResult) -> Findings:
    """The review in sentences: indicators behind target, spend over plan, actions not
    started, and what the re-plan recommends (all computed from the table and results)."""
    resource = model.resource_names[0]
    lines = []

    def named(frame: pd.DataFrame) -> str:
        return listing([f"{action_name(model, a)} ({lead})"
                        for a, lead in zip(frame["action"], frame["lead"])])

    behind = table[table["indicator_status"] == "behind"]
    on_track = table[table["indicator_status"] == "on track"]
    no_data = table[(table["indicator_status"] == "no data")
                    & ~table["spend_status"].isin(["not started", "not due"])]
    if len(behind):
        details = listing([
            f"{action_name(model, r.action)} ({r.lead}: {r.indicator_value:,g} against a "
            f"target of {r.indicator_target:,g})" for r in behind.itertuples()])
        lines.append(f"**Behind target:** {details}.")
    lines.append(f"On track against their indicator targets: {count(len(on_track), 'action')}; "
                 f"started, with no target or no value yet: {count(len(no_data), 'action')}.")
    over = table[table["spend_status"] == "over plan"]
    if len(over):
        details = listing([
            f"{action_name(model, r.action)} ({r.lead}: {format_amount(model, resource, r.spent)}"
            f" against {format_amount(model, resource, r.planned)} planned)"
            for r in over.itertuples()])
        lines.append(f"**Over plan:** {details}.")
    late = table[table["spend_status"] == "not started"]
    if len(late):
        lines.append(f"**Planned but not started:** {named(late)}.")
    decided = replanned.decisions
    if replanned.found:
        stop = decided[decided["decision"] == "stop"]
        starting = decided[(decided["decision"] == "start")]
        keep = decided[decided["decision"] == "continue"]
        words = [f"continue {count(len(keep), 'running action')}"]
        if len(stop):
            words.append(f"stop {named(stop)}")
        if len(starting):
            words.append("start " + listing([
                f"{action_name(model, a)} in year {int(t)}"
                for a, t in zip(starting["action"], starting["start_year"])]))
        remaining = replanned.horizon - replanned.from_year + 1
        lines.append(
            f"**The re-plan from year {replanned.from_year}** ({count(remaining, 'year')} "
            f"left): {listing(words, None)}; value "
            f"{replanned.value_in_plan_units:,.1f} value points counted over the whole "
            f"{replanned.horizon}-year plan ({replanned.value:,.1f} over the remaining years "
            "alone).")
    else:
        lines.append(f"**No plan for the years from {replanned.from_year}** keeps every limit "
                     f"and rule: {listing(replanned.result.reasons, None)}")
    return Findings("\n\n".join(lines))


def review_sheets(model: Model, replanned: ReplanResult, table: pd.DataFrame
                  ) -> dict[str, pd.DataFrame]:
    """The review as tables with headers in words and units, one per sheet of a workbook:
    'Accountability' (the table of `accountability`) and 'Re-plan' (each action's
    decision). The action plan workbook's accountability sheet can take the first as it is."""
    from .units import resource_name, resource_unit

    resource = model.resource_names[0]
    unit = resource_unit(model, resource) or resource_name(model, resource)
    year = replanned.from_year
    accountable = table.rename(columns={
        "lead": "Lead", "action": "Action id", "name": "Action", "indicator": "Indicator",
        "indicator_target": "Target [the indicator's unit]",
        "indicator_value": f"Latest value before year {year} [the indicator's unit]",
        "indicator_status": "Against target", "planned": f"Planned before year {year} [{unit}]",
        "spent": f"Spent before year {year} [{unit}]", "spend_status": "Spend against plan",
        "recommendation": "Re-plan recommends"})
    decided = replanned.decisions.rename(columns={
        "action": "Action id", "name": "Action", "lead": "Lead", "theme": "Theme",
        "indicator": "Indicator", "indicator_target": "Target [the indicator's unit]",
        "indicator_value": f"Latest value before year {year} [the indicator's unit]",
        "before": f"Before year {year}", "decision": "Decision",
        "start_year": "Start year [plan year]", "years": "Runs in [plan years]"})
    return {"Accountability": accountable, "Re-plan": decided}


def write_review(model: Model, replanned: ReplanResult, table: pd.DataFrame, path,
                 overwrite: bool = False):
    """Write the review: .xlsx (sheets 'Accountability' and 'Re-plan') or .csv (the
    accountability table). Text that a spreadsheet would run as a formula is escaped; the
    file is written whole to a temporary name, then moved into place. Returns the path."""
    import os
    import tempfile
    from pathlib import Path

    from .errors import WorkbenchError
    from .io import escape_formula

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise WorkbenchError(f"--out {path}: write a .xlsx workbook or a .csv file")
    if path.exists() and not overwrite:
        raise WorkbenchError(f"{path} exists: choose another name or pass --overwrite")
    sheets = {name: frame.map(lambda v: escape_formula(v) if isinstance(v, str) else v)
              for name, frame in review_sheets(model, replanned, table).items()}
    handle, temporary = tempfile.mkstemp(suffix=suffix, dir=path.parent or ".")
    os.close(handle)
    try:
        if suffix == ".csv":
            sheets["Accountability"].to_csv(temporary, index=False)
        else:
            with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
                for name, frame in sheets.items():
                    frame.to_excel(writer, sheet_name=name, index=False)
        if path.exists() and not overwrite:
            raise WorkbenchError(f"{path} exists: choose another name or pass --overwrite")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def review_year(model: Model, horizon: int | None = None) -> int:
    """The year a review re-plans from: the year after the last one progress.csv reports on
    (year 1 when it reports none), at most the plan's last year (`horizon`, default the
    model's)."""
    if model.progress.empty:
        return 1
    return int(min(model.progress["year"].max() + 1, horizon or model.horizon))
