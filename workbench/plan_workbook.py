"""The action plan as a workbook for the action group: formatted, totalled and summarised.

`write_plan` writes `action_plan`'s table to .csv (plain, as `write_table` writes any table) or
to .xlsx with two sheets:
- `plan`: one row per action, amounts in each resource's unit as number formats ("£25,000",
  "0.2 FTE"; the cells stay numbers), columns wide enough for their text, the header frozen,
  and a total row whose amounts add up to what the portfolio uses.
- `summary`: value [value points], each limit in force and how much of it is used, each funding
  stream (with its description), scenario, horizon, solver status, and the model's files'
  SHA-256 (as the reports give it), so a plan can be traced to the model that made it.
The file is written as every table is: whole or not at all, formula-like text escaped, an
existing file replaced only when asked.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .export import _frame_rows, _write_atomically, _xlsx_cell, model_source, write_table
from .model import Model, PortfolioResult
from .options import Options, run_options
from .plan import action_plan, funding_text, yearly_column
from .portfolio.rules import whole_horizon_limits
from .tables import funding_used, limits_used
from .units import CURRENCY, format_amount, resource_label, resource_name, resource_unit

PLAN_SHEET, SUMMARY_SHEET = "plan", "summary"
TOTAL_LABEL = "total"
WIDEST = {"name": 50, "indicator": 60, "funding": 70}  # characters; other columns: 40
NARROWEST = 8


def write_plan(result: PortfolioResult, model: Model, path: str | os.PathLike, *,
               options: Options | None = None, scenario: str | None = None,
               overwrite: bool = False) -> Path:
    """Write the action plan of an optimised (or fitting) portfolio to .csv or .xlsx.

    options: the run's options (its limits appear in the summary; default the model's);
    scenario: the scenario's name, for the summary. Returns the path written.
    """
    plan = action_plan(result, model)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        return write_table(plan, path, overwrite=overwrite)  # CSV stays plain
    options = run_options(model, options, horizon=result.horizon)
    formats = number_formats(plan, model)
    rows = _frame_rows(plan, path.name, _xlsx_cell)
    rows.append(_xlsx_total_row(plan, result, model, path.name))
    summary = plan_summary(result, model, options, scenario)
    summary_rows = _frame_rows(summary, f"{path.name}[{SUMMARY_SHEET}]", _xlsx_cell)
    return _write_atomically(path, lambda target: _write_book(
        target, rows, formats, summary_rows), overwrite)


def number_formats(plan: pd.DataFrame, model: Model) -> dict[str, str]:
    """{column: spreadsheet number format} for share_funded (a percentage) and each
    `<resource>_y<t>` column, with the unit:
    '"£"#,##0' before the amount for a currency (whole units shown; the cell keeps the exact
    amount), '#,##0.0# "FTE"' after it otherwise, with no decimals when every amount is whole."""
    formats = {}
    for resource in model.resource_names:
        columns = [c for c in plan.columns if c.startswith(f"{resource}_y")
                   and c.removeprefix(f"{resource}_y").isdigit()]
        amounts = plan[columns].to_numpy(dtype=float).ravel()
        whole = _is_currency(resource_unit(model, resource)) or all(
            float(a).is_integer() for a in amounts)
        number = "#,##0" if whole else "#,##0.0#"
        for column in columns:
            formats[column] = excel_format(resource_unit(model, resource), number)
    if "share_funded" in plan.columns:
        formats["share_funded"] = "0%"  # 1 = the whole action
    return formats


def excel_format(unit: str, number: str = "#,##0") -> str:
    """A number format showing `unit`: '"£"#,##0', '#,##0.0# "FTE"', '#,##0' without a unit."""
    if not unit:
        return number
    quoted = '"' + unit.strip().replace('"', "") + '"'
    if _is_currency(unit):
        return f"{quoted}{number}"
    return f"{number} {quoted}"


def _is_currency(unit: str) -> bool:
    """A unit written before the amount, as units.format_amount writes it (£, $, €, ...)."""
    return bool(unit) and (unit.startswith(CURRENCY) or unit in {c.strip() for c in CURRENCY})


def plan_summary(result: PortfolioResult, model: Model, options: Options | None = None,
                 scenario: str | None = None) -> pd.DataFrame:
    """What the plan achieves and where it comes from, as rows of (item, value, note): the
    scenario, horizon, status, value [value points], each limit in force and its use, each
    funding stream with its description, what each amount column holds, the model and the
    SHA-256 of its files."""
    options = run_options(model, options, horizon=result.horizon)
    value = result.value
    rows = [
        ("scenario", scenario or "none (the model as given)", ""),
        ("horizon", f"{result.horizon} year{'s' * (result.horizon != 1)}",
         "years are counted from 1, the first year of the plan"),
        ("status", result.status, f"solver {result.solver}" if result.solver else ""),
        ("actions funded", str(len(result.selected)), ""),
        ("value [value points]", f"{value['total']:,.1f}",
         f"{value['standalone']:,.1f} standalone + {value['synergy']:,.1f} synergy + "
         f"{value['critical_mass']:,.1f} critical mass"),
    ]
    model_limits = whole_horizon_limits(model)
    for row in limits_used(result, model, options.limits).itertuples():
        year = f" in year {row.year}" if row.year else ""
        note = ""
        if not row.year and row.resource in options.limits:
            before = model_limits.get(row.resource)
            note = ("this run's limit" if before is None else "this run's limit; the model's "
                    f"is {format_amount(model, row.resource, before)}")
        share = f" ({row.share:.0f}%)" if row.share == row.share else ""
        rows.append((f"{row.name} used{year}", f"{format_amount(model, row.resource, row.used)}"
                     f" of {format_amount(model, row.resource, row.limit)}{share}", note))
    for row in funding_used(result, model).itertuples():
        year = f" in year {row.year}" if row.year else ""
        rows.append((f"funding stream {row.stream}{year}",
                     f"{format_amount(model, row.resource, row.used)} of "
                     f"{format_amount(model, row.resource, row.limit)}", row.description))
    last = result.horizon
    for resource in model.resource_names:
        rows.append((f"columns {yearly_column(resource, 1)}"
                     + (f" to {yearly_column(resource, last)}" if last > 1 else ""),
                     resource_label(model, resource),
                     f"what each action uses of {resource_name(model, resource)} in the year: "
                     "its set-up amount in its start year plus its running amount"))
    source = model_source(model)
    rows.append(("model", str(source) if source else model.source, ""))
    rows.append(("model files (SHA-256)", _model_hash(source),
                 "the same files give the same hash (as in the reports)"))
    return pd.DataFrame(rows, columns=["item", "value", "note"])


def _model_hash(source: Path | None) -> str:
    from .report import model_hash

    if source is None:
        return "none: the model was not loaded from files"
    return model_hash(source)


def _xlsx_total_row(plan: pd.DataFrame, result: PortfolioResult, model: Model,
                    label: str) -> list:
    """The total row: each amount column's sum, and every stream's total over the plan."""
    total = {column: None for column in plan.columns}
    total["id"] = TOTAL_LABEL
    for column in number_formats(plan, model):
        total[column] = float(plan[column].sum())
    total["funding"] = _stream_totals(result, model)
    return [_xlsx_cell(value, label, len(plan) + 2, column) for column, value in total.items()]


def _stream_totals(result: PortfolioResult, model: Model) -> str:
    """Every stream's amount over the plan, largest first: 'public_health_grant £300,000; ...'."""
    everything = result.funding.assign(action=TOTAL_LABEL)
    return funding_text(everything, model, TOTAL_LABEL)


def _write_book(target: Path, rows: list[list], formats: dict[str, str],
                summary_rows: list[list]) -> None:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = PLAN_SHEET
    for row in rows:
        sheet.append(row)
    header = [str(c) for c in rows[0]]
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[len(rows)]):
        cell.font = bold
    for position, column in enumerate(header, 1):
        fmt = formats.get(column)
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=len(rows), min_col=position,
                                           max_col=position):
                cell.number_format = fmt
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = _width(column, [r[position - 1] for r in rows],
                                                       fmt)
    sheet.freeze_panes = "C2"
    summary = book.create_sheet(SUMMARY_SHEET)
    for row in summary_rows:
        summary.append(row)
    for cell in summary[1]:
        cell.font = bold
    for position, column in enumerate(summary_rows[0], 1):
        summary.column_dimensions[get_column_letter(position)].width = _width(
            str(column), [r[position - 1] for r in summary_rows], None,
            widest=90 if column == "note" else 70)
    book.save(target)


def _width(column: str, cells: list, fmt: str | None, widest: int | None = None) -> float:
    """A column's width [characters]: its longest text (numbers as the format shows them,
    roughly), within NARROWEST..widest."""
    widest = widest or WIDEST.get(column, 40)
    longest = 0
    for cell in cells:
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            digits = len(f"{cell:,.2f}")
            longest = max(longest, digits + (len(fmt) - len("#,##0") if fmt else 0))
        elif cell is not None:
            longest = max(longest, len(str(cell)))
    return float(min(widest, max(NARROWEST, longest + 2)))

