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

import codecs
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
from .export import check_replaceable, folder_lock, model_source, write_bytes
from .io import (LONGEST_CELL, LONGEST_NAME, ROW, escape_formula, parse_number, read_table,
                 unescape_formula)
from .model import LONGEST_HORIZON, Model
from .options import Options, run_options

FILE = "scenarios.csv"  # in a model folder; the sheet 'scenarios' in an .xlsx workbook
REQUIRED = ("scenario", "kind", "target", "value")
COLUMNS = (*REQUIRED, "note")
KINDS = ("limit", "stream_limit", "stakeholder", "weight", "include", "exclude", "horizon")
AGREED, COMBINED = "agreed", "combined"
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_\-]*"
LEFTOVER = re.compile(r"\.scenarios\.csv\.[0-9a-f]{8}\.tmp")  # a killed save's temporary file


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


def apply_scenario(model: Model, scenario: Scenario | str) -> tuple[Model, Options]:
    """The run a scenario asks for: the model (with its funding stream limits) and the options.

        model, options = apply_scenario(model, "lean_year")
        result = optimise(model, options)
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
    options = Options(limits=dict(scenario.limits),
                      weights=scenario_weights(model, scenario) if weighted else None,
                      include=tuple(scenario.include), exclude=tuple(scenario.exclude),
                      horizon=scenario.horizon)
    return model, run_options(model, options)


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
    file:row:column. Cells are read as `workbench.load` reads every table.
    """
    frame, label = _read(Path(path) if path is not None else model_source(model))
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "value" else object)
                             for c in COLUMNS})
    problems = _problems(frame, model, label)
    if problems:
        raise ModelError(problems)
    table = frame.assign(kind=frame["kind"].str.lower(),
                         value=[parse_number(v)[0] for v in frame["value"]])
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
    replaced where they stood). The model folder is locked while scenarios.csv is read,
    changed and written, so two saves at once never lose a row, and a name saved meanwhile by
    someone else is refused like any existing name. Only the saved scenario's rows change:
    every other row, unknown columns, the encoding (byte-order mark or not), line ends,
    spacing, quoting and the file's permissions are kept byte for byte. A file that cannot
    be read as load reads it (e.g. a row with more cells than columns) or cannot be replaced
    (read-only, a symbolic link) is refused, naming the problem. No other file is touched,
    apart from the folder's hidden lock file; temporary files left by an interrupted save
    are removed.
    """
    name = scenario.name
    if not re.fullmatch(NAME_PATTERN, name or ""):
        raise ModelError(Problem(FILE, None, "scenario", f"name {name!r}: a scenario name is "
                                 "letters, digits, '_' or '-', starting with a letter or digit "
                                 "(it is typed on the command line)"))
    if len(name) > LONGEST_NAME:
        raise ModelError(Problem(FILE, None, "scenario", f"name {name[:20]!r}…: is "
                                 f"{len(name):,} characters long, more than the "
                                 f"{LONGEST_NAME:,} a scenario name may have"))
    if len(scenario.note) > LONGEST_CELL:
        raise ModelError(Problem(FILE, None, "note", f"is {len(scenario.note):,} characters "
                                 f"long, more than the {LONGEST_CELL:,} a cell may hold "
                                 "(Excel's own limit)"))
    folder = _saving_folder(model)
    problems = check_scenario(model, scenario)
    if problems:
        raise ModelError(problems)
    new = scenario_table(scenario)
    if new.empty:
        raise ModelError(Problem(FILE, None, "scenario", f"name {name!r}: nothing to save, "
                                 "these settings are the model's own"))
    path = folder / FILE
    with folder_lock(folder):
        _remove_leftovers(folder)
        file = _ScenariosFile.read(path)
        same = [k for k, n in enumerate(file.names) if n == name]
        clash = sorted({n for n in file.names if n != name and n.casefold() == name.casefold()})
        if clash:
            raise ModelError(Problem(FILE, None, "scenario", f"name {name!r}: scenarios.csv "
                                     f"already has {clash[0]!r}, which differs only in case; "
                                     "choose another name"))
        if same and not overwrite:
            raise ModelError(Problem(FILE, None, "scenario", f"name {name!r}: a scenario of "
                                     "that name already exists; choose another name or allow "
                                     "replacing it"))
        write_bytes(file.with_rows(new, replacing=same), path, overwrite=file.exists)
    return path


def scenarios_save_problem(model: Model) -> str | None:
    """Why scenarios cannot be saved into this model's scenarios.csv, or None if they can.

    Only what blocks saving counts (no model folder, a read-only or unreadable file, a row
    that cannot be parsed, a missing column); rows naming unknown actions and the like do not
    block it, since saving keeps them as they are.
    """
    try:
        folder = _saving_folder(model)
        if not os.access(folder, os.W_OK | os.X_OK):
            return (f"{folder}: the model folder is not writable, so scenarios cannot be saved "
                    "there")
        _ScenariosFile.read(folder / FILE)  # refuses what save_scenario would refuse
    except ModelError as error:
        return str(error)
    return None


def _saving_folder(model: Model) -> Path:
    folder = model_source(model)
    if folder is None or not folder.is_dir():
        raise ModelError(Problem(FILE, None, None, f"scenarios are saved into a model folder's "
                                 f"scenarios.csv, and this model comes from {model.source!r}: "
                                 "load it from a folder to save scenarios"))
    return folder


def _remove_leftovers(folder: Path) -> None:
    """Delete temporary files of saves that were killed before they finished (the caller
    holds the folder's lock, so no save is under way)."""
    for path in folder.glob(f".{FILE}.*.tmp"):
        if LEFTOVER.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)


@dataclass
class _ScenariosFile:
    """scenarios.csv as it is on disk: its records' exact text, so a save changes only the
    records of the scenario it saves.

    records: the text of each CSV record (blank lines included) with its line end; names:
    the scenario each record names ("" for the header and blank records); heading: the index
    of the header record.
    """

    path: Path
    exists: bool = False
    bom: bytes = codecs.BOM_UTF8
    encoding: str = "utf-8"
    line_end: str = "\r\n"
    records: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=lambda: list(COLUMNS))
    names: list[str] = field(default_factory=list)
    heading: int = 0

    @classmethod
    def read(cls, path: Path) -> _ScenariosFile:
        """Read and check the file (as `load` reads tables); a fresh one if it does not exist."""
        check_replaceable(path)
        table, label = read_table(path, "scenarios")  # raises for unreadable rows and layout
        if table is None or list(table.columns) == [ROW]:
            return cls(path, exists=table is not None and path.exists(),
                       **cls._encoding(path.read_bytes()) if path.exists() else {})
        missing = [c for c in REQUIRED if c not in table.columns]
        if missing:
            raise ModelError(Problem(label, 1, missing[0], "required column is missing; fix "
                                     "the header before saving a scenario"))
        data = path.read_bytes()
        found = cls(path, exists=True, **cls._encoding(data))
        text = data[len(found.bom):].decode(found.encoding)
        ends = re.search(r"\r\n|\n|\r", text)
        found.line_end = ends.group() if ends else found.line_end
        lines = re.findall(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$", text)
        reader = csv.reader(iter(lines))
        start, cells = 0, []
        for row in reader:
            found.records.append("".join(lines[start:reader.line_num]))
            cells.append(row)
            start = reader.line_num
        found.heading = next(k for k, row in enumerate(cells) if any(c.strip() for c in row))
        found.header = [unescape_formula(c.strip()) for c in cells[found.heading]]
        names = dict(zip(table[ROW], table["scenario"]))
        found.names = [names.get(number, "") for number in range(1, len(cells) + 1)]
        column = found.header.index("scenario")
        agrees = all(unescape_formula(cells[number - 1][column].strip()) == name
                     if column < len(cells[number - 1]) else name == ""
                     for number, name in names.items() if number <= len(cells))
        if not agrees or max(names, default=0) > len(cells) or "".join(found.records) != text:
            raise ModelError(Problem(label, None, None, "its rows cannot be told apart exactly "
                                     "as they were read, so it is not rewritten; re-save it "
                                     "from your spreadsheet as 'CSV UTF-8' and try again"))
        return found

    @staticmethod
    def _encoding(data: bytes) -> dict:
        """How the file is encoded, as `load` decodes it: UTF-8 with or without a byte-order
        mark, or UTF-16 with one."""
        for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                              (codecs.BOM_UTF16_BE, "utf-16-be")):
            if data.startswith(bom):
                return {"bom": bom, "encoding": encoding}
        return {"bom": b"", "encoding": "utf-8"} if data else {}

    def with_rows(self, table: pd.DataFrame, replacing: list[int]) -> bytes:
        """The file's bytes with `table`'s rows in place of the records `replacing` (indices
        of `records`), or after the last filled record; nothing else changes."""
        header = self.header
        records = list(self.records)
        if not records:
            records = [self._record(header)]
        elif any(table["note"]) and "note" not in header:  # the header gains the column
            text = records[self.heading]
            body = text.rstrip("\r\n")
            records[self.heading] = body + ",note" + text[len(body):]
            header = [*header, "note"]
        new = [self._record([_saved_cell(record.get(column, "")) for column in header])
               for record in table.to_dict(orient="records")]
        if replacing:
            where, drop = replacing[0], set(replacing[1:])
            records = [text for k, text in enumerate(records) if k not in drop]
            records[where:where + 1] = new
        else:
            filled = [k for k, text in enumerate(records) if text.strip("\r\n")]
            where = filled[-1] + 1 if filled else len(records)
            if not records[where - 1].endswith(("\n", "\r")):
                records[where - 1] += self.line_end
            records[where:where] = new
        return self.bom + "".join(records).encode(self.encoding)

    def _record(self, cells: list[str]) -> str:
        """One record in the file's own line ends, quoted only where a cell needs it."""
        out = _io.StringIO()
        csv.writer(out, lineterminator=self.line_end).writerow(cells)
        return out.getvalue()


def _saved_cell(value) -> str:
    """A cell as scenarios.csv holds it: text formula-escaped, whole numbers without '.0'."""
    return escape_formula(_cell(value))


def _cell(value) -> str:
    """A cell as text: whole numbers without '.0', blanks for NaN."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


# ---------------------------------------------------------------- reading and validating


def _read(path: Path | None) -> tuple[pd.DataFrame | None, str]:
    """The scenarios table under `path` (a model folder, a workbook or a CSV file) as text
    cells with row numbers, read by `workbench.io.read_table`; None when there is none."""
    if path is None:
        return None, FILE
    table, label = read_table(path, "scenarios")
    if table is None:
        return None, FILE
    if list(table.columns) == [ROW]:
        return pd.DataFrame(columns=[ROW, *COLUMNS]), label
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ModelError([Problem(label, 1, column, "required column is missing (expected "
                                  f"columns: {', '.join(REQUIRED)}, and optionally note)")
                          for column in missing])
    if "note" not in table:
        table["note"] = ""
    return table[[ROW, *COLUMNS]], label


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
    parsed = [parse_number(v) for v in frame["value"]]
    frame["number"] = [number for number, _ in parsed]
    rules = model.constraints
    context = {
        "known": {
            "limit": (model.resource_names, "resource"),
            "stream_limit": (list(dict.fromkeys(model.funding["stream"])), "funding stream"),
            "weight": (list(model.criteria.index), "criterion"),
            "include": ([*model.actions.index, *model.schemes], "action"),
            "exclude": ([*model.actions.index, *model.schemes], "action"),
            "stakeholder": (stakeholder_choices(model), "weighting"),
        },
        "forced": {kind: set(rules.loc[rules["kind"] == kind, "target"])
                   for kind in ("include", "exclude")},
    }
    context["sets"] = {kind: set(names) for kind, (names, _) in context["known"].items()}
    seen_names: dict[str, str] = {}
    columns = (frame[ROW], frame["scenario"], frame["kind"], frame["target"], frame["value"],
               frame["number"], parsed)
    for where, scenario, kind, target, value, number, (_, problem) in zip(*columns):
        if problem:
            problems.append(Problem(label, where, "value", problem))
        if scenario == "":
            problems.append(Problem(label, where, "scenario", "is blank: name the scenario each "
                                    "row belongs to"))
        elif not re.fullmatch(NAME_PATTERN, scenario):
            problems.append(Problem(label, where, "scenario", f"{scenario[:60]!r} must be "
                                    "letters, digits, '_' or '-', starting with a letter or "
                                    "digit (it is typed on the command line)"))
        elif len(scenario) > LONGEST_NAME:
            problems.append(Problem(label, where, "scenario", f"is {len(scenario):,} characters "
                                    f"long, more than the {LONGEST_NAME:,} a scenario name may "
                                    "have"))
        else:
            earlier = seen_names.setdefault(scenario.casefold(), scenario)
            if earlier != scenario:
                problems.append(Problem(label, where, "scenario", f"{scenario!r} differs from "
                                        f"scenario {earlier!r} only in case: use one spelling"))
        long = [(column, cell) for column, cell in (("kind", kind), ("target", target),
                                                     ("value", value)) if len(cell) > LONGEST_NAME]
        for column, cell in long:
            problems.append(Problem(label, where, column, f"is {len(cell):,} characters long, "
                                    f"more than the {LONGEST_NAME:,} a setting may have"))
        if not long:
            problems += _row_problems(kind, target, value, number, context, label, where)
    problems += _duplicate_problems(frame, label)
    problems += _weight_problems(frame, model, label)
    return problems


def _row_problems(kind: str, target: str, value: str, number: float, context: dict,
                  label: str, where: int) -> list[Problem]:
    """One row's kind, target and value against the model (`context`: its known names)."""
    if kind not in KINDS:
        return [Problem(label, where, "kind", f"{kind!r} must be one of {', '.join(KINDS)}"
                        f"{_did_you_mean(kind, KINDS)}")]
    problems = []
    if kind in context["known"]:
        names, what = context["known"][kind]
        if target == "":
            problems.append(Problem(label, where, "target", f"is blank: name a {what}"))
        elif target not in context["sets"][kind]:
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
    opposite = {"include": "exclude", "exclude": "include"}.get(kind)
    if opposite and target in context["forced"][opposite]:
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
    both = forced.groupby(["scenario", "target"], sort=False)["kind"].transform("nunique") > 1
    clashes = forced[both].drop_duplicates(["scenario", "target"], keep="last")
    for row, scenario, target in zip(clashes[ROW], clashes["scenario"], clashes["target"]):
        problems.append(Problem(label, int(row), "target", f"action {target!r} is both "
                                f"included and excluded in scenario {scenario!r}"))
    return problems


def _weight_problems(frame: pd.DataFrame, model: Model, label: str) -> list[Problem]:
    """A scenario's weights (its stakeholder's, with its own on top) must not all be zero."""
    criteria = set(model.criteria.index)
    weighted = frame[(frame["kind"] == "weight") & frame["target"].isin(criteria)
                     & frame["number"].notna()]
    if weighted.empty:
        return []
    chosen = frame[frame["kind"] == "stakeholder"].drop_duplicates("scenario")
    stakeholder_of = dict(zip(chosen["scenario"], chosen["target"]))
    own: dict[str, dict[str, float]] = {}  # scenario: {criterion: weight}, in file order
    first_row: dict[str, int] = {}
    for row, scenario, target, number in zip(weighted[ROW], weighted["scenario"],
                                             weighted["target"], weighted["number"]):
        own.setdefault(scenario, {})[target] = number
        first_row.setdefault(scenario, int(row))
    choices = set(stakeholder_choices(model))
    start: dict[str, dict[str, float]] = {}  # each weighting's weights, worked out once
    problems = []
    for scenario, weights in own.items():
        stakeholder = stakeholder_of.get(scenario, AGREED)
        if stakeholder not in choices:
            continue
        if stakeholder not in start:
            start[stakeholder] = stakeholder_weights(model, stakeholder).to_dict()
        if sum({**start[stakeholder], **weights}.values()) <= 0:
            problems.append(Problem(label, first_row[scenario], "value", f"scenario "
                                    f"{scenario!r} leaves every criterion weight at zero: at "
                                    "least one must be positive"))
    return problems
