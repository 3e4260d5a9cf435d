"""A starter model that explains itself (`workbench init`), and the reference of every column.

`init_model(path)` writes a small, valid model to a new folder of CSV files, or to one .xlsx
workbook whose first sheet ("read me") explains every column of every table and its unit, with
drop-down lists where a cell takes one of a few words (`kind`, `direction`, settings). Every
table holds a few example rows to replace: five actions, three criteria, two resources with
names and units (money in pounds, staff time in FTE), a synergy and a critical-mass cluster,
two funding streams, a reference portfolio and two scenarios.

`column_reference()` lists every column of every table from `model.SCHEMAS` (so it follows the
format as it grows) with whether it is required, may be blank or is optional, its unit and its
meaning. The README's column table is this reference.
"""
from __future__ import annotations

import io as _io
import os
from pathlib import Path

import pandas as pd

from .errors import ModelError, Problem
from .export import save_tables, write_bytes
from .model import CONSTRAINT_KINDS, DIRECTIONS, INTERACTION_KINDS, SCHEMAS, SETTINGS_DEFAULTS

READ_ME = "read me"  # the workbook's first sheet; in a folder, read_me.csv
REQUIRED, MAY_BE_BLANK, OPTIONAL = "required", "may be blank", "optional"
STATUS_MEANING = {
    REQUIRED: "the column must be there and every row needs a value",
    MAY_BE_BLANK: "the column must be there; a cell may be left empty",
    OPTIONAL: "the column may be left out, and its cells may be empty",
}
RESOURCE = "<resource>"  # stands for each resource id in actions' amount columns

# What each table is for, for the read me and the README.
TABLE_PURPOSE = {
    "actions": "the candidate actions of the strategy, one row each",
    "resources": "what is limited (money, staff time): one row per resource, or per resource "
                 "and year",
    "criteria": "what an action is judged on, and how much each criterion matters",
    "scores": "each action's score on each criterion (one row per action and criterion, or "
              "per action, criterion and stakeholder group)",
    "interactions": "actions that do more (or less) together, clusters that need critical "
                    "mass, and rules between actions",
    "constraints": "rules on the portfolio: actions forced in or out, counts per theme or lead",
    "funding": "funding streams: how much each may pay and what it may pay for",
    "portfolios": "named portfolios to compare with, e.g. the roundtable's picks",
    "stakeholders": "the stakeholder groups who scored or weighted",
    "weights": "each stakeholder group's own criterion weights",
    "profiles": "an amount for a particular year of an action's life (a build year, tapering "
                "costs)",
    "progress": "what happened so far, for a review: which actions started, stopped, what "
                "they spent and how their indicators moved (one row per action and year)",
    "scenarios": "saved what-if settings (limits, weights, forced actions, horizon)",
    "settings": "model-wide settings",
}

# table -> column -> (unit, meaning). The status comes from SCHEMAS (required or optional) and
# BLANK_ALLOWED (required columns whose cells the loader accepts empty).
COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "actions": {
        "id": ("", "short id, letters, digits and underscores (crisis_cafe); other tables use it"),
        "name": ("", "the name people read in tables, charts and the plan"),
        "theme": ("", "a group of actions; constraints and funding streams may name it"),
        "lead": ("", "the accountable organisation; constraints' lead_max uses this exact text"),
        "indicator": ("", "how success is measured, with a target where one makes sense"),
        RESOURCE: ("the resource's unit per year", "one column per resource of resources.csv: "
                   "the amount the action uses in each year it runs"),
        f"{RESOURCE}_stop": ("the resource's unit", "paid once in the year the action is "
                             "stopped early, when a review re-plans (blank: 0)"),
        f"{RESOURCE}_setup": ("the resource's unit", "a one-off amount in the action's start "
                              "year (blank: none)"),
        f"{RESOURCE}_low": ("the resource's unit per year", "the lowest plausible running "
                            "amount, for robustness"),
        f"{RESOURCE}_high": ("the resource's unit per year", "the highest plausible running "
                             "amount, for robustness"),
        "duration_years": ("years", "how long the action runs (blank: to the end of the plan)"),
        "earliest_start": ("year of the plan, from 1", "the first year it could start "
                           "(blank: year 1)"),
        "min_share": ("share, above 0 up to 1", "the action may be funded in part, at any "
                      "share from this up to 1 (amounts and value scale with it); blank: whole "
                      "or not at all"),
        "option_of": ("", "a scheme id: actions with the same scheme are alternative versions, "
                      "at most one is funded"),
        "description": ("", "what is done, in a sentence or two"),
        "evidence": ("", "where the scores and amounts come from"),
        "indicator_target": ("the indicator's own unit", "the value of the indicator that "
                             "counts as on track at a review (progress.csv)"),
    },
    "resources": {
        "resource": ("", "the resource's id; actions.csv has a column of this name"),
        "limit": ("the resource's unit", "the most that may be used: over the whole plan, or in "
                  "`year` only"),
        "year": ("year of the plan, from 1", "blank: the limit is for the whole plan; a year: "
                 "that year only"),
        "name": ("", "what people call it (Money, Staff time); blank: the id"),
        "unit": ("", "£, FTE, hours...: shown with every amount (a currency before it, other "
                 "units after it)"),
    },
    "criteria": {
        "id": ("", "short id of the criterion; scores.csv uses it"),
        "name": ("", "the name people read"),
        "weight": ("relative (any scale)", "how much the criterion matters; weights are "
                   "scaled to add up to 1"),
        "scale_min": ("score", "the lowest score on the criterion's scale"),
        "scale_max": ("score", "the highest score on the criterion's scale"),
        "direction": ("higher or lower", "which end of the scale is better"),
        "weight_low": ("relative", "the lowest plausible weight, for robustness"),
        "weight_high": ("relative", "the highest plausible weight, for robustness"),
        "baseline": ("score", "the score of doing nothing (blank: the worst end of the scale); "
                     "an action scored worse loses value"),
        "per": ("", "names a numeric column of actions.csv (people reached): the score is then "
                "the benefit per person, multiplied by that column"),
        "description": ("", "what the scale means, with its ends described"),
    },
    "scores": {
        "action": ("", "an action id"),
        "criterion": ("", "a criterion id"),
        "score": ("score, on the criterion's scale", "the action's score"),
        "stakeholder": ("", "the group that gave the score (blank: agreed); several groups' "
                        "scores are combined by settings' aggregation"),
        "low": ("score", "the lowest plausible score, for robustness"),
        "high": ("score", "the highest plausible score, for robustness"),
    },
    "interactions": {
        "kind": ("", "synergy, critical_mass, requires or excludes"),
        "actions": ("", "the action ids, separated by ; (requires: x;y means x only if y)"),
        "threshold": ("number of actions", "critical_mass: how many of the listed actions must "
                      "run for the bonus"),
        "bonus": ("value points", "synergy and critical_mass: the value added (a synergy may be "
                  "negative, for overlap)"),
        "lag": ("years", "requires in a plan of several years: x starts at least this long "
                "after y (blank: 0)"),
        "note": ("", "why: the reasoning or evidence"),
        "name": ("", "a short name (a critical-mass cluster should have one)"),
    },
    "constraints": {
        "kind": ("", "include, exclude, theme_min, theme_max or lead_max"),
        "target": ("", "an action (include, exclude), a theme or a lead"),
        "value": ("number of actions", "theme_min, theme_max, lead_max: the count; blank for "
                  "include and exclude"),
    },
    "funding": {
        "stream": ("", "the funding stream's id"),
        "limit": ("the resource's unit", "the most the stream may pay, over the whole plan or "
                  "in `year`"),
        "resource": ("", "the resource it pays towards (blank: cost)"),
        "themes": ("", "themes it may pay for, separated by ; (themes and actions both "
                   "blank: anything)"),
        "actions": ("", "actions it may pay for, separated by ;"),
        "year": ("year of the plan, from 1", "blank: the whole plan; a year: that year only"),
        "description": ("", "where the money comes from and what it may pay for, in words"),
    },
    "portfolios": {
        "portfolio": ("", "the portfolio's name, e.g. roundtable"),
        "action": ("", "an action id in it (one row per action)"),
    },
    "stakeholders": {
        "stakeholder": ("", "the group's id; scores and weights use it"),
        "name": ("", "the group's name"),
        "description": ("", "who is in the group"),
    },
    "weights": {
        "stakeholder": ("", "a stakeholder id"),
        "criterion": ("", "a criterion id"),
        "weight": ("relative", "that group's weight for the criterion"),
    },
    "profiles": {
        "action": ("", "an action id"),
        "resource": ("", "a resource id"),
        "year": ("year of the action's life, from 1", "which year of the action (1: the year it "
                 "starts)"),
        "amount": ("the resource's unit", "the amount in that year of the action's life, "
                   "instead of its flat amount (the one-off set-up amount still comes on top "
                   "in year 1)"),
    },
    "scenarios": {
        "scenario": ("", "the scenario's name (letters, digits, _ and -)"),
        "kind": ("", "limit, stream_limit, stakeholder, weight, include, exclude or horizon"),
        "target": ("", "a resource, stream, stakeholder, criterion or action (blank for "
                   "horizon)"),
        "value": ("the resource's unit, relative weight or years", "the new limit, weight or "
                  "horizon; blank for stakeholder, include and exclude"),
        "note": ("", "why, in words"),
    },
    "progress": {
        "action": ("", "an action id"),
        "year": ("year of the plan, from 1", "the year this row reports on"),
        "status": ("", "started (its first year), running or stopped (it ran no more from "
                   "this year)"),
        "spent": ("the first resource's unit", "what the action spent that year"),
        "indicator_value": ("the indicator's own unit", "the indicator's value that year"),
        "note": ("", "anything a reviewer should know, in words"),
    },
    "settings": {
        "setting": ("", "one of " + ", ".join(SETTINGS_DEFAULTS) + " (one row each)"),
        "value": ("years for horizon_years", "horizon_years: the plan's length, 1 to 20 "
                  "(default 1); aggregation: mean or median (default mean); title and "
                  "description: text shown at the top of notebooks and reports"),
    },
}

# Required columns whose cells the loader accepts empty (tests check this against `load`).
BLANK_ALLOWED = {("actions", "name"), ("actions", "indicator"), ("criteria", "name"),
                 ("scenarios", "target"), ("scenarios", "value")}

# Cells that take one of a few words: a drop-down list in the workbook.
CHOICES = {
    ("interactions", "kind"): INTERACTION_KINDS,
    ("constraints", "kind"): CONSTRAINT_KINDS,
    ("criteria", "direction"): DIRECTIONS,
    ("settings", "setting"): tuple(SETTINGS_DEFAULTS),
}
YES_NO: set[tuple[str, str]] = set()  # yes/no columns (none in the format today)


def _scenario_columns() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from .scenarios import COLUMNS as SCENARIO_COLUMNS, KINDS, REQUIRED as SCENARIO_REQUIRED

    CHOICES[("scenarios", "kind")] = KINDS
    return SCENARIO_REQUIRED, tuple(c for c in SCENARIO_COLUMNS if c not in SCENARIO_REQUIRED)


def table_columns(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) columns of a table as the loader reads them; the actions' amount
    columns appear as `<resource>`, `<resource>_setup`, `<resource>_low`, `<resource>_high`."""
    if name == "scenarios":
        return _scenario_columns()
    schema = SCHEMAS[name]
    if name == "actions":
        return ((*schema.required, RESOURCE),
                (f"{RESOURCE}_setup", f"{RESOURCE}_low", f"{RESOURCE}_high", f"{RESOURCE}_stop",
                 *schema.optional))
    return schema.required, schema.optional


def reference_tables() -> list[str]:
    """Every table of a model, in the order SCHEMAS declares them, scenarios before settings."""
    names = [name for name in SCHEMAS if name != "settings"]
    return [*names, "scenarios", *(["settings"] if "settings" in SCHEMAS else [])]


def column_reference() -> pd.DataFrame:
    """Every column of every table: table, file (optional or not), column, status (required,
    may be blank, optional), unit and meaning. A column of SCHEMAS without a description here
    gets an empty meaning (a test catches it)."""
    rows = []
    for table in reference_tables():
        required, optional = table_columns(table)
        needed_file = table in SCHEMAS and SCHEMAS[table].required_file
        for column in (*required, *optional):
            unit, meaning = COLUMNS.get(table, {}).get(column, ("", ""))
            if column in optional:
                status = OPTIONAL
            elif (table, column) in BLANK_ALLOWED:
                status = MAY_BE_BLANK
            else:
                status = REQUIRED
            rows.append({"table": table, "file": "required" if needed_file else "optional",
                         "column": column, "status": status, "unit": unit, "meaning": meaning})
    return pd.DataFrame(rows)


def reference_markdown() -> str:
    """The column reference as a Markdown table (the README's)."""
    lines = ["| file | column | needed | unit | meaning |", "|---|---|---|---|---|"]
    previous = None
    for row in column_reference().itertuples():
        file = f"`{row.table}.csv`" if row.table != previous else ""
        if row.table != previous and row.file == "optional":
            file += " (optional)"
        previous = row.table
        lines.append(f"| {file} | `{row.column}` | {row.status} | {row.unit} | "
                     f"{row.meaning} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- the starter model


def starter_tables() -> dict[str, pd.DataFrame]:
    """The starter model's tables as their files hold them: a small community wellbeing plan
    for one year, money [£] and staff time [FTE] limited. Every figure is illustrative."""
    actions = pd.DataFrame(
        [["walking_groups", "Volunteer-led walking groups", "activity", "Council leisure",
          "people walking with a group each week (target 300)", 15000, 2000, 0.2,
          "Train volunteer walk leaders and run weekly led walks from libraries and GP surgeries.",
          "Example figures: replace with your own"],
         ["outdoor_gym", "Outdoor gym equipment in two parks", "activity", "Council parks",
          "monthly users counted by the equipment sensors", 4000, 40000, 0.1,
          "Install and maintain outdoor exercise equipment in two parks in deprived wards.",
          "Example figures: replace with your own"],
         ["link_worker", "Activity link worker for GP referrals", "support", "Primary care network",
          "patients referred per year and % still active after 3 months", 38000, 0, 0.3,
          "A link worker who sees patients referred by their GP and connects them to local "
          "activities.", "Example figures: replace with your own"],
         ["cooking_classes", "Family cooking classes", "food", "Community food charity",
          "families completing a six-week course per year", 18000, 0, 0.2,
          "Six-week cooking courses for families in children's centres.",
          "Example figures: replace with your own"],
         ["community_champions", "Community health champions", "support", "Voluntary sector hub",
          "active champions and conversations logged per quarter", 22000, 1500, 0.4,
          "Recruit and support residents who share health information with their neighbours.",
          "Example figures: replace with your own"]],
        columns=["id", "name", "theme", "lead", "indicator", "money", "money_setup",
                 "staff_fte", "description", "evidence"])
    resources = pd.DataFrame({"resource": ["money", "staff_fte"], "limit": [100000, 1.2],
                              "name": ["Money", "Staff time"], "unit": ["£", "FTE"]})
    criteria = pd.DataFrame(
        [["reach", "Reach", 40, 0, 10, "higher", "How many people it reaches (0: a handful, "
          "10: most residents)."],
         ["impact", "Impact and evidence", 40, 0, 10, "higher", "Benefit per person and how "
          "strong the evidence is (0: none, 10: large and well evidenced)."],
         ["delivery_risk", "Delivery risk", 20, 0, 10, "lower", "How likely it is to be "
          "late or fail (0: very safe, 10: very risky)."]],
        columns=["id", "name", "weight", "scale_min", "scale_max", "direction", "description"])
    marks = {"walking_groups": (6, 5, 2), "outdoor_gym": (5, 3, 3), "link_worker": (4, 7, 4),
             "cooking_classes": (3, 6, 3), "community_champions": (7, 4, 5)}
    scores = pd.DataFrame(
        [{"action": action, "criterion": criterion, "score": score,
          "low": max(0, score - 2) if criterion == "impact" else "",
          "high": min(10, score + 2) if criterion == "impact" else ""}
         for action, values in marks.items()
         for criterion, score in zip(criteria["id"], values)])
    interactions = pd.DataFrame(
        [["synergy", "", "link_worker;walking_groups", "", 6, "",
          "The link worker has somewhere to send people; the walks gain new walkers."],
         ["critical_mass", "active_neighbourhoods", "walking_groups;outdoor_gym;"
          "community_champions", 2, 10, "",
          "Residents notice and join in once at least two of these run in their area."],
         ["requires", "", "link_worker;community_champions", "", "", "",
          "The link worker relies on the champions to find local activities."]],
        columns=["kind", "name", "actions", "threshold", "bonus", "lag", "note"])
    constraints = pd.DataFrame({"kind": ["theme_min"], "target": ["food"], "value": [1]})
    funding = pd.DataFrame(
        [["public_health_grant", "money", 80000, "", "",
          "Public health grant: may pay for any action."],
         ["activity_fund", "money", 40000, "activity", "",
          "A physical activity grant: activity actions only."]],
        columns=["stream", "resource", "limit", "themes", "actions", "description"])
    portfolios = pd.DataFrame({"portfolio": "first_ideas",
                               "action": ["walking_groups", "outdoor_gym", "cooking_classes"]})
    stakeholders = pd.DataFrame(
        {"stakeholder": ["council", "residents"], "name": ["Council", "Residents' panel"],
         "description": ["Council public health and leisure officers.",
                         "Residents who took part in the engagement events."]})
    weights = pd.DataFrame({"stakeholder": ["council"] * 3 + ["residents"] * 3,
                            "criterion": list(criteria["id"]) * 2,
                            "weight": [40, 40, 20, 50, 30, 20]})
    scenarios = pd.DataFrame(
        [["lean_year", "limit", "money", 75000, "A lean year: £75,000 to spend instead of "
          "£100,000, with the public health grant cut to £60,000."],
         ["lean_year", "stream_limit", "public_health_grant", 60000, ""],
         ["residents_view", "stakeholder", "residents", "", "The residents' panel's weights."]],
        columns=["scenario", "kind", "target", "value", "note"])
    settings = pd.DataFrame({"setting": ["horizon_years", "aggregation"], "value": [1, "mean"]})
    if "title" in SETTINGS_DEFAULTS:  # shown at the top of notebooks and reports
        settings.loc[len(settings)] = ["title", "Community wellbeing plan (starter example)"]
    return {"actions": actions, "resources": resources, "criteria": criteria, "scores": scores,
            "interactions": interactions, "constraints": constraints, "funding": funding,
            "portfolios": portfolios, "stakeholders": stakeholders, "weights": weights,
            "scenarios": scenarios, "settings": settings}


READ_ME_HEADER = ("table", "column", "needed", "unit", "meaning")


def _resources_in_words() -> str:
    resources = starter_tables()["resources"]
    return " and ".join(f"{row.resource} ({row.name}, in {row.unit})"
                        for row in resources.itertuples())


def _read_me_rows() -> list[list[str]]:
    """The read me: how to use the file, then every column of every table."""
    rows = [
        ["Your strategy model: read me"],
        [""],
        ["Each sheet is one table of the model. Replace the example rows with your own; keep "
         "the column names in row 1 exactly as they are."],
        ["Ids (actions, criteria, resources, streams) are short: letters, digits and "
         "underscores, e.g. crisis_cafe. A list in one cell is separated by ; (a;b;c)."],
        ["Amounts are plain numbers (60000, not £60k); formulas are fine, the workbench reads "
         "the value your spreadsheet saved."],
        ["Check it: workbench validate FILE (every problem is listed with its sheet, row and "
         "column). Then: workbench optimise FILE, and workbench app FILE for the dashboard."],
        ["Tables marked optional may be deleted; sheets the workbench does not know (like this "
         "one) are ignored."],
        [f"In this example the resources are {_resources_in_words()}: so the actions sheet "
         "has one column of amounts per resource (and money_setup for one-off amounts)."],
        [""],
        *([f"{status}: {meaning}"] for status, meaning in STATUS_MEANING.items()),
        [""],
        list(READ_ME_HEADER),
    ]
    previous = None
    for row in column_reference().itertuples():
        if row.table != previous:
            optional = " (optional table)" if row.file == "optional" else ""
            rows.append([f"{row.table}{optional}: {TABLE_PURPOSE.get(row.table, '')}"])
            previous = row.table
        rows.append([row.table, row.column, row.status, row.unit, row.meaning])
    return rows


def _workbook_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """The starter workbook: the read me first, then one sheet per table, with drop-downs."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    read_me = book.active
    read_me.title = READ_ME
    for row in _read_me_rows():
        read_me.append(row)
    read_me["A1"].font = Font(bold=True, size=14)
    header = next(row[0].row for row in read_me.iter_rows()
                  if tuple(cell.value for cell in row[:5]) == READ_ME_HEADER)
    for cell in read_me[header]:
        cell.font = Font(bold=True)
    for row in read_me.iter_rows(min_row=header + 1):
        if row[0].value and len([c for c in row if c.value not in (None, "")]) == 1:
            row[0].font = Font(bold=True)  # a table's heading
    for letter, width in zip("ABCDE", (16, 18, 13, 28, 90)):
        read_me.column_dimensions[letter].width = width
    for row in read_me.iter_rows(min_row=header + 1, min_col=5, max_col=5):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    for name, frame in tables.items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for record in frame.itertuples(index=False):
            sheet.append([None if value == "" else value for value in record])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for position, column in enumerate(frame.columns, 1):
            longest = max([len(str(column))] + [len(str(v)) for v in frame[column]])
            sheet.column_dimensions[get_column_letter(position)].width = min(60, longest + 2)
            choices = CHOICES.get((name, column)) or (("yes", "no") if (name, column) in YES_NO
                                                      else None)
            if choices:
                letter = get_column_letter(position)
                check = DataValidation(type="list", formula1=f'"{",".join(choices)}"',
                                       allow_blank=True, showErrorMessage=True,
                                       errorTitle=f"{name}: {column}",
                                       error=f"Choose one of: {', '.join(choices)}")
                check.add(f"{letter}2:{letter}1000")
                sheet.add_data_validation(check)
    data = _io.BytesIO()
    book.save(data)
    return data.getvalue()


def init_model(path: str | os.PathLike, xlsx: bool = False) -> Path:
    """Write the starter model to a new folder of CSV files (with read_me.csv), or to an .xlsx
    workbook when `xlsx` or `path` ends in .xlsx ('.xlsx' is added to a path without it).
    Never replaces anything: an existing workbook, or a folder that already holds model files,
    is refused. Returns the path written."""
    _scenario_columns()  # scenario kinds for the drop-down
    path = Path(path)
    if xlsx and path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    tables = starter_tables()
    if path.suffix.lower() == ".xlsx":
        if path.exists() or path.is_symlink():
            raise ModelError(Problem(str(path), None, None, "already exists: workbench init "
                                     "never replaces a model; choose a new name, or move the "
                                     "old file away first"))
        return write_bytes(_workbook_bytes(tables), path)
    if path.exists() and not path.is_dir():
        raise ModelError(Problem(str(path), None, None, "is a file: give a new folder name "
                                 "(or a name ending in .xlsx for a workbook)"))
    if path.is_dir():
        taken = sorted(p.name for p in path.iterdir()
                       if p.suffix.lower() == ".csv" and not p.name.startswith("."))
        if taken:
            raise ModelError(Problem(str(path), None, None, f"already holds {', '.join(taken)}: "
                                     "workbench init never replaces a model; choose a new "
                                     "folder name"))
    return save_tables({**tables, "read_me": _read_me_table()}, path)


def _read_me_table() -> pd.DataFrame:
    """read_me.csv of a starter folder: a row per table (what it is for), then its columns."""
    rows = []
    for table in reference_tables():
        optional = table not in SCHEMAS or not SCHEMAS[table].required_file
        rows.append({"table": table, "column": "", "needed": "optional file" if optional
                     else "required file", "unit": "", "meaning": TABLE_PURPOSE.get(table, "")})
        reference = column_reference()
        for row in reference[reference["table"] == table].itertuples():
            rows.append({"table": table, "column": row.column, "needed": row.status,
                         "unit": row.unit, "meaning": row.meaning})
    return pd.DataFrame(rows)
