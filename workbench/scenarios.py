"""Scenarios: named what-if settings kept in the model's `scenarios.csv`, applied to `optimise`.

A scenario is a few rows of one long table, so analysts can edit it in a spreadsheet:

    scenario,kind,target,value,note
    lean_year,limit,cost,500000,A lean year: a quarter less money
    lived_experience_first,stakeholder,lived_experience,,Weights of people with lived experience
    lived_experience_first,weight,inequalities,30,
    crisis_cafe_in,include,crisis_cafe,,Fund the crisis cafe whatever else it costs

kinds (target; value [unit]):
- `limit`: a resource (resources.csv); its limit over the whole horizon [the resource's unit].
- `stream_limit`: a funding stream (funding.csv); its limit over the whole horizon [pounds].
- `stakeholder`: whose criterion weights to start from: `agreed` (criteria.csv, the default),
  `combined` (all groups of weights.csv, combined as settings.csv `aggregation` says) or one
  stakeholder id; value blank.
- `weight`: a criterion; its weight [relative, any scale], replacing the stakeholder's.
- `include` / `exclude`: an action forced in or out; value blank.
- `horizon`: target blank; the number of years to plan for [years, 1..50].
Anything a scenario does not mention stays as the model says. `note` is free text.
"""
from __future__ import annotations

import csv
import difflib
import io as _io
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .errors import ModelError, Problem
from .export import write_table
from .model import Model

FILE = "scenarios.csv"  # in a model folder; the sheet 'scenarios' in an .xlsx workbook
REQUIRED = ("scenario", "kind", "target", "value")
COLUMNS = (*REQUIRED, "note")
ROW = "_row"  # spreadsheet row number (header = 1) carried with each row while validating
KINDS = ("limit", "stream_limit", "stakeholder", "weight", "include", "exclude", "horizon")
AGREED, COMBINED = "agreed", "combined"
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_\-]*"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LARGEST_NUMBER = 1e15  # as the model loader: beyond this a number is a typo
LONGEST_HORIZON = 50  # years, as settings.csv allows


@dataclass(frozen=True)
class Scenario:
    """What-if settings over the model as given; empty settings change nothing.

    limits: {resource: limit over the whole horizon}; stream_limits: {stream: limit} [pounds];
    stakeholder: whose weights to start from (agreed, combined or a stakeholder id);
    weights: {criterion: weight} replacing that stakeholder's; horizon: years (None: the model's).
    """

    name: str = ""
    limits: dict[str, float] = field(default_factory=dict)
    stream_limits: dict[str, float] = field(default_factory=dict)
    stakeholder: str = AGREED
    weights: dict[str, float] = field(default_factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    horizon: int | None = None
    note: str = ""

    def key(self) -> tuple:
        """The settings as a hashable value (name and note left out): equal keys, equal answers."""
        return (tuple(sorted(self.limits.items())), tuple(sorted(self.stream_limits.items())),
                self.stakeholder, tuple(sorted(self.weights.items())),
                tuple(sorted(self.include)), tuple(sorted(self.exclude)), self.horizon)

    def changed(self, **settings) -> Scenario:
        """A copy with some settings replaced."""
        return replace(self, **settings)


# ---------------------------------------------------------------- weights


def stakeholder_choices(model: Model) -> list[str]:
    """The weightings a scenario may start from: agreed, combined, then each group with weights."""
    groups = list(dict.fromkeys(model.weights["stakeholder"]))
    return [AGREED, *([COMBINED] if groups else []), *groups]


def stakeholder_weights(model: Model, stakeholder: str = AGREED) -> pd.Series:
    """Criterion weights [relative] of a weighting choice, indexed like criteria.csv.

    agreed: criteria.csv; combined: every group's weights.csv rows combined by the model's
    aggregation (mean or median); a stakeholder id: that group's own rows (criteria it did
    not weigh take the agreed weight).
    """
    agreed = model.criteria["weight"].astype(float)
    if stakeholder == AGREED:
        return agreed.rename("weight")
    rows = model.weights
    if stakeholder != COMBINED:
        rows = rows[rows["stakeholder"] == stakeholder]
    if rows.empty:
        raise ModelError(Problem("weights.csv", None, "stakeholder", f"no weights for "
                                 f"{stakeholder!r} (choose one of "
                                 f"{', '.join(stakeholder_choices(model))})"))
    how = model.settings.get("aggregation", "mean")
    own = rows.groupby("criterion")["weight"].agg(how)
    return own.reindex(agreed.index).fillna(agreed).rename("weight")


def scenario_weights(model: Model, scenario: Scenario) -> pd.Series:
    """The weights a scenario optimises with: its stakeholder's, with its own weights on top."""
    weights = stakeholder_weights(model, scenario.stakeholder)
    for criterion, weight in scenario.weights.items():
        weights[criterion] = float(weight)
    return weights


# ---------------------------------------------------------------- applying


def apply_scenario(model: Model, scenario: Scenario | str) -> tuple[Model, dict]:
    """The model and the keyword arguments of `optimise` that a scenario asks for.

        model, options = apply_scenario(model, "lean_year")
        result = optimise(model, **options)

    Funding stream limits are not an `optimise` argument, so they come back in the model.
    """
    if isinstance(scenario, str):
        scenario = load_scenario(model, scenario)
    problems = check_scenario(model, scenario)
    if problems:
        raise ModelError(problems)
    if scenario.stream_limits:
        funding = model.funding.copy()
        for stream, limit in scenario.stream_limits.items():
            whole = (funding["stream"] == stream) & funding["year"].isna()
            if whole.any():
                funding.loc[whole, "limit"] = float(limit)
            else:  # a stream limited only per year gains a whole-horizon limit
                row = funding[funding["stream"] == stream].iloc[[0]].assign(
                    year=math.nan, limit=float(limit))
                funding = pd.concat([funding, row], ignore_index=True)
        model = replace(model, funding=funding)
    weighted = scenario.stakeholder != AGREED or scenario.weights
    options = {
        "limits": dict(scenario.limits) or None,
        "weights": scenario_weights(model, scenario) if weighted else None,
        "include": tuple(scenario.include),
        "exclude": tuple(scenario.exclude),
        "horizon": scenario.horizon,
    }
    return model, options


def check_scenario(model: Model, scenario: Scenario) -> list[Problem]:
    """Every problem with a scenario built in code (e.g. by the dashboard), as located rows."""
    named = scenario if scenario.name else scenario.changed(name="current")
    table = scenario_table(named)
    kinds = dict(zip(range(2, len(table) + 2), table["kind"]))
    # its rows exist only in memory: name the setting (e.g. 'limit') instead of a row
    return [Problem(f"scenario {named.name!r}", None, kinds.get(p.row, p.column), p.message)
            for p in _problems(table, model, FILE)]


# ---------------------------------------------------------------- the table


def scenario_table(scenario: Scenario) -> pd.DataFrame:
    """One scenario as rows of scenarios.csv (columns scenario, kind, target, value, note)."""
    rows = []
    if scenario.stakeholder != AGREED:
        rows.append(("stakeholder", scenario.stakeholder, math.nan))
    rows += [("limit", r, v) for r, v in scenario.limits.items()]
    rows += [("stream_limit", s, v) for s, v in scenario.stream_limits.items()]
    rows += [("weight", c, v) for c, v in scenario.weights.items()]
    rows += [("include", a, math.nan) for a in scenario.include]
    rows += [("exclude", a, math.nan) for a in scenario.exclude]
    if scenario.horizon is not None:
        rows.append(("horizon", "", scenario.horizon))
    table = pd.DataFrame(rows, columns=["kind", "target", "value"]).astype({"value": float})
    table.insert(0, "scenario", scenario.name)
    table["note"] = ""
    if len(table):
        table.loc[0, "note"] = scenario.note
    return table


def load_scenarios(model: Model, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every scenario of the model, validated: columns scenario, kind, target, value, note.

    path: a model folder (its scenarios.csv), an .xlsx workbook (its 'scenarios' sheet) or a
    CSV file of scenarios; default the model's own source. No scenarios table (or a model made
    in memory) gives an empty table. Bad rows raise one ModelError naming each problem as
    file:row:column.
    """
    rows, label = _read(Path(path) if path is not None else _source(model))
    if rows is None:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object)
                             for c in COLUMNS})
    frame = _frame(rows, label)
    problems = _problems(frame, model, label)
    if problems:
        raise ModelError(problems)
    table = frame.assign(kind=frame["kind"].str.lower(),
                         value=[_number(v)[0] for v in frame["value"]])
    return table[list(COLUMNS)].reset_index(drop=True)


def scenario_names(table: pd.DataFrame) -> list[str]:
    """Names of the scenarios in a scenarios table, in file order."""
    return list(dict.fromkeys(table["scenario"]))


def load_scenario(model: Model, name: str, table: pd.DataFrame | None = None) -> Scenario:
    """One named scenario from the model's scenarios table (or from `table`)."""
    table = load_scenarios(model) if table is None else table
    rows = table[table["scenario"] == name]
    if rows.empty:
        known = ", ".join(scenario_names(table)) or "none: add rows to scenarios.csv"
        raise ModelError(Problem(FILE, None, "scenario", f"no scenario named {name!r} "
                                 f"(known: {known})"))
    settings: dict = {"limits": {}, "stream_limits": {}, "weights": {}, "include": [],
                      "exclude": []}
    for row in rows.itertuples():
        if row.kind == "limit":
            settings["limits"][row.target] = float(row.value)
        elif row.kind == "stream_limit":
            settings["stream_limits"][row.target] = float(row.value)
        elif row.kind == "weight":
            settings["weights"][row.target] = float(row.value)
        elif row.kind in ("include", "exclude"):
            settings[row.kind].append(row.target)
        elif row.kind == "stakeholder":
            settings["stakeholder"] = row.target
        elif row.kind == "horizon":
            settings["horizon"] = int(row.value)
    note = " ".join(n for n in rows["note"] if n)
    return Scenario(name=name, note=note, **{**settings, "include": tuple(settings["include"]),
                                             "exclude": tuple(settings["exclude"])})


# ---------------------------------------------------------------- saving


def save_scenario(model: Model, scenario: Scenario, *, overwrite: bool = False) -> Path:
    """Write a scenario into the model folder's scenarios.csv, all at once; return its path.

    Refuses to replace a scenario of the same name unless `overwrite` (its rows are then
    replaced where they stood). Other scenarios' rows are kept exactly as they were, and no
    other file is touched: the new table goes to a temporary file in the same folder that
    is then renamed over scenarios.csv.
    """
    name = scenario.name
    if not re.fullmatch(NAME_PATTERN, name or ""):
        raise ModelError(Problem(FILE, None, "scenario", f"name {name!r}: a scenario name is "
                                 "letters, digits, '_' or '-', starting with a letter or digit "
                                 "(it is typed on the command line)"))
    folder = _source(model)
    if folder is None or not folder.is_dir():
        raise ModelError(Problem(FILE, None, None, f"scenarios are saved into a model folder's "
                                 f"scenarios.csv, and this model comes from {model.source!r}: "
                                 "load it from a folder to save scenarios"))
    problems = check_scenario(model, scenario)
    if problems:
        raise ModelError(problems)
    path = folder / FILE
    header, rows = _raw_rows(path)
    names = [row[header.index("scenario")] if "scenario" in header else "" for row in rows]
    same = [k for k, n in enumerate(names) if n == name]
    clash = sorted({n for n in names if n != name and n.casefold() == name.casefold()})
    if clash:
        raise ModelError(Problem(FILE, None, "scenario", f"name {name!r}: scenarios.csv "
                                 f"already has {clash[0]!r}, which differs only in case; choose "
                                 "another name"))
    if same and not overwrite:
        raise ModelError(Problem(FILE, None, "scenario", f"name {name!r}: a scenario of that "
                                 "name already exists; choose another name or allow replacing "
                                 "it"))
    new = [[_cell(record.get(column, "")) for column in header]
           for record in scenario_table(scenario).to_dict(orient="records")]
    if not new:
        raise ModelError(Problem(FILE, None, "scenario", f"name {name!r}: nothing to save, "
                                 "these settings are the model's own"))
    where = same[0] if same else len(rows)
    kept = [row for k, row in enumerate(rows) if k not in set(same)]
    kept[where:where] = new
    # temporary file + os.replace, formula-like text escaped (undone when read)
    write_table(pd.DataFrame(kept, columns=header, dtype=object), path, overwrite=True)
    return path


def _raw_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of an existing scenarios.csv as text (or a fresh header)."""
    rows, _ = _read(path)
    rows = [row for row in rows or [] if any(row)]
    if not rows:
        return list(COLUMNS), []
    header = rows[0]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ModelError(Problem(FILE, 1, missing[0], "required column is missing; fix the "
                                 "header before saving a scenario"))
    if "note" not in header:
        header.append("note")
    width = len(header)
    return header, [(row + [""] * width)[:width] for row in rows[1:]]


def _cell(value) -> str:
    """A cell as scenarios.csv holds it: whole numbers without '.0', blanks for NaN."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


# ---------------------------------------------------------------- reading and validating


def _source(model: Model) -> Path | None:
    """The model's folder or workbook, or None for a model made in memory."""
    if model.source.startswith(("<", "random(")):
        return None
    return Path(model.source)


def _read(path: Path | None) -> tuple[list[list[str]] | None, str]:
    """Rows of stripped text cells (header first, blank rows dropped) and the table's label.

    path: a model folder (its scenarios.csv), an .xlsx workbook (its 'scenarios' sheet) or a
    CSV file. None when there is no such table.
    """
    if path is None:
        return None, FILE
    if path.is_dir():
        path = path / FILE
    if path.suffix.lower() == ".xlsx" and path.exists():
        rows, label = _sheet_rows(path)
    elif path.is_file():
        label = path.name
        try:
            text = path.read_bytes().decode("utf-8-sig")
            rows = list(csv.reader(_io.StringIO(text, newline="")))
        except UnicodeDecodeError as error:
            raise ModelError(Problem(label, None, None, f"is not UTF-8 text (byte {error.start}): "
                                     "save it from your spreadsheet as 'CSV UTF-8'")) from None
        except (OSError, csv.Error) as error:
            raise ModelError(Problem(label, None, None, f"cannot be read: {error}")) from None
    else:
        return None, FILE
    if rows is None:
        return None, label
    return [[_unescape(cell.strip()) for cell in row] for row in rows], label


def _sheet_rows(path: Path) -> tuple[list[list[str]] | None, str]:
    """The 'scenarios' sheet of a workbook as text rows (None when it has none)."""
    label = f"{path.name}[scenarios]"
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise ModelError(Problem(path.name, None, None, f"cannot be read as an .xlsx workbook "
                                 f"({error})")) from None
    try:
        for sheet in book.worksheets:
            if sheet.title.strip().lower().removesuffix(".csv") == "scenarios":
                return [[_cell(value) if not isinstance(value, str) else value
                         for value in row] for row in sheet.iter_rows(values_only=True)], label
    finally:
        book.close()
    return None, label


def _unescape(text: str) -> str:
    """Undo the apostrophe that safe writers put before formula-like text (e.g. '=x)."""
    if text.startswith("'") and text[1:2] in FORMULA_START:
        return text[1:]
    return text


def _frame(rows: list[list[str]], label: str) -> pd.DataFrame:
    """Rows under their header, with spreadsheet row numbers; layout problems raise at once."""
    numbered = [(number, row) for number, row in enumerate(rows, 1) if any(row)]
    if not numbered:
        return pd.DataFrame(columns=[ROW, *COLUMNS])
    (header_number, header), problems = numbered[0], []
    for column in REQUIRED:
        if column not in header:
            problems.append(Problem(label, header_number, column, "required column is missing "
                                    f"(expected columns: {', '.join(REQUIRED)}, and optionally "
                                    "note)"))
    if problems:
        raise ModelError(problems)
    width = len(header)
    records = []
    for number, row in numbered[1:]:
        if any(row[width:]):
            problems.append(Problem(label, number, None, f"has more cells than the {width} "
                                    "columns of the header (a comma inside a value needs quotes)"))
        records.append([number, *(row + [""] * width)[:width]])
    if problems:
        raise ModelError(problems)
    frame = pd.DataFrame(records, columns=[ROW, *header], dtype=object)
    if "note" not in frame:
        frame["note"] = ""
    return frame[[ROW, *COLUMNS]]


def _number(text: str) -> tuple[float, str]:
    """A value cell as a number (thousands separators allowed) and a problem, if any."""
    if text == "":
        return math.nan, ""
    thousands = re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text)
    cleaned = text.replace(",", "") if thousands else text
    try:
        number = float(cleaned)
    except ValueError:
        return math.nan, f"{text!r} is not a number"
    if not math.isfinite(number) or abs(number) > LARGEST_NUMBER:
        return math.nan, f"{text!r} is not a usable number (it must lie between -1e15 and 1e15)"
    return number, ""


def _text(value) -> str:
    """A cell as text: NaN blank, whole floats without '.0', spaces stripped."""
    if isinstance(value, float):
        return _cell(value)
    return str(value).strip()


def _did_you_mean(value: str, known) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _problems(frame: pd.DataFrame, model: Model, label: str) -> list[Problem]:
    """Every problem in scenario rows (raw text cells or a scenario_table), located."""
    problems: list[Problem] = []
    frame = frame.copy()
    if ROW not in frame:
        frame.insert(0, ROW, range(2, len(frame) + 2))
    for column in COLUMNS:
        if column not in frame:
            frame[column] = ""
    text = {c: frame[c].map(_text) for c in REQUIRED}
    frame = frame.assign(**text)
    frame["kind"] = frame["kind"].str.lower()
    parsed = [_number(v) for v in frame["value"]]
    frame["number"] = [number for number, _ in parsed]
    seen_names: dict[str, str] = {}
    for row, (_, problem) in zip(frame.rename(columns={ROW: "row_number"}).itertuples(), parsed):
        where = row.row_number
        if problem:
            problems.append(Problem(label, where, "value", problem))
        if row.scenario == "":
            problems.append(Problem(label, where, "scenario", "is blank: name the scenario each "
                                    "row belongs to"))
        elif not re.fullmatch(NAME_PATTERN, row.scenario):
            problems.append(Problem(label, where, "scenario", f"{row.scenario!r} must be letters, "
                                    "digits, '_' or '-', starting with a letter or digit (it is "
                                    "typed on the command line)"))
        else:
            earlier = seen_names.setdefault(row.scenario.casefold(), row.scenario)
            if earlier != row.scenario:
                problems.append(Problem(label, where, "scenario", f"{row.scenario!r} differs from "
                                        f"scenario {earlier!r} only in case: use one spelling"))
        problems += _row_problems(row, model, label, where)
    problems += _duplicate_problems(frame, label)
    problems += _weight_problems(frame, model, label)
    return problems


def _row_problems(row, model: Model, label: str, where: int) -> list[Problem]:
    """One row's kind, target and value against the model."""
    kind, target, value, number = row.kind, row.target, row.value, row.number
    if kind not in KINDS:
        return [Problem(label, where, "kind", f"{kind!r} must be one of {', '.join(KINDS)}"
                        f"{_did_you_mean(kind, KINDS)}")]
    problems = []
    known = {
        "limit": (model.resource_names, "resource"),
        "stream_limit": (list(dict.fromkeys(model.funding["stream"])), "funding stream"),
        "weight": (list(model.criteria.index), "criterion"),
        "include": (list(model.actions.index), "action"),
        "exclude": (list(model.actions.index), "action"),
        "stakeholder": (stakeholder_choices(model), "weighting"),
    }
    if kind in known:
        names, what = known[kind]
        if target == "":
            problems.append(Problem(label, where, "target", f"is blank: name a {what}"))
        elif target not in names:
            hint = (f" (choose {', '.join(names)})" if kind == "stakeholder"
                    else _did_you_mean(target, names))
            problems.append(Problem(label, where, "target", f"unknown {what} {target!r}{hint}"))
    elif target:
        problems.append(Problem(label, where, "target", f"leave target blank for {kind} "
                                f"(found {target!r})"))
    if kind in ("limit", "stream_limit", "weight"):
        if value == "":
            needed = "a weight" if kind == "weight" else "an amount"
            problems.append(Problem(label, where, "value", f"is blank: {kind} needs {needed}"))
        elif number < 0:
            problems.append(Problem(label, where, "value", f"{value} is below the minimum of 0"))
    elif kind == "horizon":
        if math.isnan(number) or not number.is_integer() or not 1 <= number <= LONGEST_HORIZON:
            problems.append(Problem(label, where, "value", f"horizon {value!r} must be a whole "
                                    f"number of years from 1 to {LONGEST_HORIZON}"))
    elif value != "":
        problems.append(Problem(label, where, "value", f"leave value blank for {kind} "
                                f"(found {value!r})"))
    rules = model.constraints
    opposite = {"include": "exclude", "exclude": "include"}.get(kind)
    if opposite and target in set(rules.loc[rules["kind"] == opposite, "target"]):
        problems.append(Problem(label, where, "target", f"action {target!r} is {opposite}d by "
                                f"constraints.csv, so the scenario cannot {kind} it"))
    return problems


def _duplicate_problems(frame: pd.DataFrame, label: str) -> list[Problem]:
    """One row per setting in a scenario, and no action both included and excluded."""
    problems = []
    single = frame["kind"].isin(["stakeholder", "horizon"])
    keys = frame["scenario"] + "|" + frame["kind"] + "|" + frame["target"].where(~single, "")
    for row, duplicate in zip(frame[ROW], keys.duplicated()):
        if duplicate:
            problems.append(Problem(label, row, "kind", "this setting appears twice in the "
                                    "scenario"))
    forced = frame[frame["kind"].isin(["include", "exclude"])]
    for (scenario, target), rows in forced.groupby(["scenario", "target"], sort=False):
        if rows["kind"].nunique() > 1:
            problems.append(Problem(label, int(rows[ROW].iloc[-1]), "target", f"action "
                                    f"{target!r} is both included and excluded in scenario "
                                    f"{scenario!r}"))
    return problems


def _weight_problems(frame: pd.DataFrame, model: Model, label: str) -> list[Problem]:
    """A scenario's weights (its stakeholder's, with its own on top) must not all be zero."""
    problems = []
    criteria = set(model.criteria.index)
    for scenario, rows in frame.groupby("scenario", sort=False):
        chosen = rows.loc[rows["kind"] == "stakeholder", "target"]
        stakeholder = chosen.iloc[0] if len(chosen) else AGREED
        if stakeholder not in stakeholder_choices(model):
            continue
        weights = stakeholder_weights(model, stakeholder)
        own = rows[(rows["kind"] == "weight") & rows["target"].isin(criteria)
                   & rows["number"].notna()]
        for target, number in zip(own["target"], own["number"]):
            weights[target] = number
        if len(own) and weights.sum() <= 0:
            problems.append(Problem(label, int(own[ROW].iloc[0]), "value", f"scenario "
                                    f"{scenario!r} leaves every criterion weight at zero: at "
                                    "least one must be positive"))
    return problems
