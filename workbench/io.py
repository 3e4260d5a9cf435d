"""Load a strategy model from a folder of CSV files or one .xlsx workbook, and validate it.

Validation is lazy: every problem is collected with its file, row and column, then raised once
as a `ModelError`, so an analyst can fix a spreadsheet in one pass. Rows are counted as a
spreadsheet shows them: the header is row 1, the first data row is row 2.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .errors import ModelError, Problem
from .model import (
    CONSTRAINT_KINDS,
    DIRECTIONS,
    INTERACTION_KINDS,
    SCHEMAS,
    SETTINGS_DEFAULTS,
    SETUP_SUFFIX,
    Model,
    TableSchema,
)

ROW = "_row"  # spreadsheet row number carried alongside every loaded row
LIST_SEPARATOR = ";"
LARGEST_NUMBER = 1e15  # beyond this a cost or limit is a typo, and solvers lose precision


class _Report:
    """Collects problems; `raise_if_any` raises them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ModelError(self.problems)


# ---------------------------------------------------------------- reading raw tables


class _Folder:
    """A model folder: one CSV file per table."""

    def __init__(self, path: Path):
        self.path = path

    def label(self, schema: TableSchema) -> str:
        return schema.file

    def read(self, schema: TableSchema, report: _Report) -> pd.DataFrame | None:
        file = self.path / schema.file
        if not file.exists():
            return None
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            report.add(schema.file, None, None, f"is not UTF-8 text (byte {error.start}); "
                       "save it from your spreadsheet as 'CSV UTF-8'")
            return pd.DataFrame()
        except OSError as error:
            report.add(schema.file, None, None, f"cannot be read: {error.strerror}")
            return pd.DataFrame()
        if "\x00" in text:
            report.add(schema.file, None, None, "contains NUL bytes: it is not a CSV text file")
            return pd.DataFrame()
        if not text.strip():
            report.add(schema.file, None, None, "is empty: it needs at least a header row")
            return pd.DataFrame()
        import csv
        import io as _io

        try:
            rows = list(csv.reader(_io.StringIO(text, newline="")))
        except csv.Error as error:
            report.add(schema.file, None, None, f"is not valid CSV: {error}")
            return pd.DataFrame()
        return _rows_to_frame(rows, schema.file, report)


class _Workbook:
    """An .xlsx workbook: one sheet per table, named like the CSV file with or without '.csv'."""

    def __init__(self, path: Path, report: _Report):
        self.path = path
        self.sheets: dict[str, list[list[str]]] = {}
        try:
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            report.add(path.name, None, None, f"cannot be read as an .xlsx workbook ({error})")
            return
        for sheet in book.worksheets:
            name = sheet.title.strip().lower().removesuffix(".csv")
            self.sheets[name] = [[_cell_text(value) for value in row]
                                 for row in sheet.iter_rows(values_only=True)]
        book.close()

    def label(self, schema: TableSchema) -> str:
        return f"{self.path.name}[{schema.name}]"

    def read(self, schema: TableSchema, report: _Report) -> pd.DataFrame | None:
        rows = self.sheets.get(schema.name)
        if rows is None:
            return None
        return _rows_to_frame(rows, self.label(schema), report)


def _cell_text(value: object) -> str:
    """An .xlsx cell as the text a CSV export would hold (whole floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _rows_to_frame(rows: list[list[str]], label: str, report: _Report) -> pd.DataFrame:
    """Strip cells, drop blank rows, check the header; keep each row's spreadsheet number."""
    numbered = [(number, [cell.strip() for cell in row]) for number, row in enumerate(rows, 1)]
    numbered = [(number, row) for number, row in numbered if any(row)]
    if not numbered:
        report.add(label, None, None, "is empty: it needs at least a header row")
        return pd.DataFrame()
    header_number, header = numbered[0]
    while header and not header[-1]:
        header.pop()
    seen: set[str] = set()
    for column in header:
        if not column:
            report.add(label, header_number, None, "a column in the header row has no name")
        elif column in seen:
            report.add(label, header_number, column, "column appears twice in the header")
        seen.add(column)
    width = len(header)
    records = []
    for number, row in numbered[1:]:
        extra = [cell for cell in row[width:] if cell]
        if extra:
            report.add(label, number, None,
                       f"has {width + len(extra)} cells but the header names only {width} columns")
        cells = (row + [""] * width)[:width]
        records.append([number, *cells])
    columns = [ROW, *[c if c else f"_unnamed_{i}" for i, c in enumerate(header)]]
    if len(set(columns)) != len(columns):
        columns = [ROW, *[f"{c}_{i}" if c in columns[:i + 1] else c
                          for i, c in enumerate(columns[1:])]]
    return pd.DataFrame(records, columns=columns, dtype=object)


# ---------------------------------------------------------------- cell parsing helpers


def _numbers(frame: pd.DataFrame, column: str, label: str, report: _Report, *,
             required: bool = False, minimum: float | None = None,
             integer: bool = False, default: float = math.nan) -> pd.Series:
    """Parse one column as numbers, reporting every blank, non-numeric or out-of-range cell."""
    values = []
    if column not in frame:
        return pd.Series([default] * len(frame), index=frame.index, dtype=float)
    for row, text in zip(frame[ROW], frame[column]):
        text = str(text).replace(",", "") if re.fullmatch(r"-?[\d,]+(\.\d*)?", str(text)) else text
        if text == "":
            if required:
                report.add(label, row, column, "is blank: a number is needed")
            values.append(default)
            continue
        try:
            number = float(text)
        except ValueError:
            report.add(label, row, column, f"{text!r} is not a number")
            values.append(math.nan)
            continue
        if not math.isfinite(number) or abs(number) > LARGEST_NUMBER:
            report.add(label, row, column,
                       f"{text!r} is not a usable number (must be finite and at most 1e15)")
            values.append(math.nan)
        elif minimum is not None and number < minimum:
            report.add(label, row, column, f"{text} is below the minimum of {minimum:g}")
            values.append(math.nan)
        elif integer and not number.is_integer():
            report.add(label, row, column, f"{text} must be a whole number")
            values.append(math.nan)
        else:
            values.append(number)
    return pd.Series(values, index=frame.index, dtype=float)


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(text).split(LIST_SEPARATOR) if part.strip())


def _check_columns(frame: pd.DataFrame, schema: TableSchema, label: str, report: _Report) -> bool:
    missing = [c for c in schema.required if c not in frame.columns]
    for column in missing:
        report.add(label, 1, column, "required column is missing "
                   f"(expected columns: {', '.join(schema.required)})")
    return not missing


def _check_ids(frame: pd.DataFrame, column: str, label: str, report: _Report) -> None:
    """Ids must be present and unique, also ignoring case (spreadsheets hide the difference)."""
    first_seen: dict[str, tuple[int, str]] = {}
    for row, value in zip(frame[ROW], frame[column]):
        if value == "":
            report.add(label, row, column, "is blank: every row needs an id")
            continue
        folded = value.casefold()
        if folded in first_seen:
            earlier_row, earlier = first_seen[folded]
            same = "" if earlier == value else f" (as {earlier!r}, differing only in case)"
            report.add(label, row, column, f"duplicate id {value!r}: already on row {earlier_row}{same}")
        else:
            first_seen[folded] = (row, value)


def _check_known(frame: pd.DataFrame, column: str, known: set[str], what: str, label: str,
                 report: _Report, *, allow_blank: bool = False) -> pd.Series:
    """Report references to ids that do not exist; return a mask of good rows."""
    good = []
    for row, value in zip(frame[ROW], frame[column]):
        if value == "" and allow_blank:
            good.append(True)
        elif value == "":
            report.add(label, row, column, f"is blank: name a {what}")
            good.append(False)
        elif value not in known:
            report.add(label, row, column, f"unknown {what} {value!r}{_suggest(value, known)}")
            good.append(False)
        else:
            good.append(True)
    return pd.Series(good, index=frame.index, dtype=bool)


def _suggest(value: str, known: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(known), n=1)
    if not close:
        close = [k for k in known if k.casefold() == value.casefold()]
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------- per-table validation


def _validate_resources(frame, label, report):
    frame = frame.assign(
        limit=_numbers(frame, "limit", label, report, required=True, minimum=0),
        year=_numbers(frame, "year", label, report, minimum=1, integer=True),
    )
    for row, name in zip(frame[ROW], frame["resource"]):
        if name == "":
            report.add(label, row, "resource", "is blank: name the resource, e.g. 'cost'")
        elif not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            report.add(label, row, "resource", f"{name!r} must be letters, digits and underscores")
    keys = frame["resource"] + "|" + frame["year"].fillna(0).astype(str)
    for row, duplicate in zip(frame[ROW], keys.duplicated()):
        if duplicate:
            report.add(label, row, "resource", "the same resource and year are limited twice")
    return frame[[ROW, "resource", "limit", "year"]]


def _validate_actions(frame, resources, label, report):
    _check_ids(frame, "id", label, report)
    columns = {"duration_years": _numbers(frame, "duration_years", label, report,
                                          minimum=1, integer=True),
               "earliest_start": _numbers(frame, "earliest_start", label, report, minimum=1,
                                          integer=True, default=1.0)}
    for resource in resources:
        if resource not in frame:
            report.add(label, 1, resource, f"column is missing: resources.csv names resource "
                       f"{resource!r}, so each action needs its amount per year")
        columns[resource] = _numbers(frame, resource, label, report, required=True, minimum=0)
        columns[resource + SETUP_SUFFIX] = _numbers(frame, resource + SETUP_SUFFIX, label, report,
                                                    minimum=0, default=0.0)
    for column in ("theme", "lead"):
        for row, value in zip(frame[ROW], frame[column]):
            if value == "":
                report.add(label, row, column, f"is blank: every action needs a {column}")
    frame = frame.assign(**columns)
    frame["earliest_start"] = frame["earliest_start"].fillna(1.0)
    return frame.set_index("id", drop=False).rename_axis(None)


def _validate_criteria(frame, label, report):
    _check_ids(frame, "id", label, report)
    frame = frame.assign(
        weight=_numbers(frame, "weight", label, report, required=True, minimum=0),
        scale_min=_numbers(frame, "scale_min", label, report, required=True),
        scale_max=_numbers(frame, "scale_max", label, report, required=True),
        weight_low=_numbers(frame, "weight_low", label, report, minimum=0),
        weight_high=_numbers(frame, "weight_high", label, report, minimum=0),
        direction=frame["direction"].str.lower(),
    )
    for _, c in frame.iterrows():
        if c["direction"] not in DIRECTIONS:
            report.add(label, c[ROW], "direction", f"{c['direction']!r} must be 'higher' or 'lower'")
        if c["scale_min"] >= c["scale_max"]:
            report.add(label, c[ROW], "scale_max",
                       f"scale_max {c['scale_max']:g} must be above scale_min {c['scale_min']:g}")
        if c["weight_low"] > c["weight"] or c["weight_high"] < c["weight"]:
            report.add(label, c[ROW], "weight",
                       f"weight {c['weight']:g} lies outside weight_low..weight_high")
    if len(frame) and not frame["weight"].isna().any() and frame["weight"].sum() <= 0:
        report.add(label, None, "weight", "the weights add up to zero: at least one must be positive")
    if frame.empty:
        report.add(label, None, None, "has no criteria: at least one is needed")
    return frame.set_index("id", drop=False).rename_axis(None)


def _validate_scores(frame, actions, criteria, stakeholders, label, report):
    frame = frame.assign(
        score=_numbers(frame, "score", label, report, required=True),
        low=_numbers(frame, "low", label, report),
        high=_numbers(frame, "high", label, report),
    )
    if "stakeholder" not in frame:
        frame["stakeholder"] = ""
    good = _check_known(frame, "action", set(actions.index), "action", label, report)
    good &= _check_known(frame, "criterion", set(criteria.index), "criterion", label, report)
    if len(stakeholders):
        _check_known(frame, "stakeholder", set(stakeholders), "stakeholder", label, report,
                     allow_blank=True)
    for _, s in frame[good].iterrows():
        criterion = criteria.loc[s["criterion"]]
        low, high = criterion["scale_min"], criterion["scale_max"]
        for column in ("score", "low", "high"):
            if not (low <= s[column] <= high) and not math.isnan(s[column]):
                report.add(label, s[ROW], column, f"{s[column]:g} is outside the scale "
                           f"{low:g}..{high:g} of criterion {s['criterion']!r}")
        if s["low"] > s["score"] or s["high"] < s["score"]:
            report.add(label, s[ROW], "score", f"score {s['score']:g} lies outside low..high")
    scored = set(zip(frame["action"], frame["criterion"]))
    for action in actions.index:
        missing = [c for c in criteria.index if (action, c) not in scored]
        if missing:
            report.add(label, None, "score", f"action {action!r} has no score on "
                       f"{', '.join(map(repr, missing))}")
    return frame[[ROW, "action", "criterion", "stakeholder", "score", "low", "high"]]


def _validate_interactions(frame, actions, label, report):
    frame = frame.assign(
        threshold=_numbers(frame, "threshold", label, report, integer=True),
        bonus=_numbers(frame, "bonus", label, report),
        lag=_numbers(frame, "lag", label, report, minimum=0, integer=True, default=0.0),
        kind=frame["kind"].str.lower(),
    )
    frame["lag"] = frame["lag"].fillna(0.0)
    for column in ("note", "name"):
        if column not in frame:
            frame[column] = ""
    members, names = [], []
    for _, i in frame.iterrows():
        row, kind = i[ROW], i["kind"]
        ids = _split_list(i["actions"])
        members.append(ids)
        names.append(_interaction_name(i["name"], kind, ids, row))
        for action in ids:
            if action not in actions.index:
                report.add(label, row, "actions", f"unknown action {action!r}"
                           f"{_suggest(action, set(actions.index))}")
        if len(set(ids)) != len(ids):
            report.add(label, row, "actions", "lists the same action twice")
        if kind not in INTERACTION_KINDS:
            report.add(label, row, "kind", f"{kind!r} must be one of {', '.join(INTERACTION_KINDS)}")
        elif kind == "synergy" and len(ids) != 2:
            report.add(label, row, "actions", f"a synergy links exactly two actions, not {len(ids)}")
        elif kind == "requires" and len(ids) != 2:
            report.add(label, row, "actions", "'requires' takes exactly two actions: x;y "
                       "(x may be funded only if y is)")
        elif len(ids) < 2:
            report.add(label, row, "actions", f"a {kind} needs at least two actions")
        if kind in ("synergy", "critical_mass") and math.isnan(i["bonus"]):
            report.add(label, row, "bonus", f"a {kind} needs a bonus in value points")
        if kind == "critical_mass":
            threshold = i["threshold"]
            if math.isnan(threshold):
                report.add(label, row, "threshold", "a critical_mass needs a threshold (how many "
                           "of its actions must run together)")
            elif not 1 <= threshold <= len(ids):
                report.add(label, row, "threshold", f"{threshold:g} must be between 1 and the "
                           f"{len(ids)} actions listed")
    frame["members"] = members
    frame["name"] = names
    for row, duplicate in zip(frame[ROW], frame["name"].duplicated()):
        if duplicate:
            report.add(label, row, "name", "another interaction has the same name")
    _check_requires_cycles(frame, label, report)
    return frame[[ROW, "kind", "members", "threshold", "bonus", "lag", "note", "name"]]


def _interaction_name(given: str, kind: str, ids: tuple[str, ...], row: int) -> str:
    """A readable constraint-safe name: the given one, or built from the kind and actions."""
    text = given or (f"{kind}_{'_'.join(ids)}" if kind in ("synergy", "requires")
                     else f"{kind}_row{row}")
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _check_requires_cycles(frame, label, report):
    """`requires` must not loop (a needs b needs a): no action in a loop could ever start first."""
    needs: dict[str, list[tuple[str, int]]] = {}
    for _, i in frame[frame["kind"] == "requires"].iterrows():
        if len(i["members"]) == 2:
            needs.setdefault(i["members"][0], []).append((i["members"][1], i[ROW]))
    state: dict[str, int] = {}

    def visit(node: str, path: list[tuple[str, int]]) -> None:
        state[node] = 1
        for target, row in needs.get(node, []):
            if state.get(target) == 1:
                start = next(k for k, (n, _) in enumerate(path + [(node, row)]) if n == target)
                loop = [n for n, _ in (path + [(node, row)])[start:]] + [target]
                report.add(label, row, "actions", "'requires' forms a cycle: "
                           + " requires ".join(loop))
            elif target not in state:
                visit(target, path + [(node, row)])
        state[node] = 2

    for node in list(needs):
        if node not in state:
            visit(node, [])


def _validate_constraints(frame, actions, label, report):
    frame = frame.assign(kind=frame["kind"].str.lower())
    if "value" not in frame:
        frame["value"] = ""
    frame["value"] = _numbers(frame, "value", label, report, minimum=0, integer=True)
    targets = {"include": set(actions.index), "exclude": set(actions.index),
               "theme_min": set(actions["theme"]), "theme_max": set(actions["theme"]),
               "lead_max": set(actions["lead"])}
    for _, c in frame.iterrows():
        kind, row = c["kind"], c[ROW]
        if kind not in CONSTRAINT_KINDS:
            report.add(label, row, "kind", f"{kind!r} must be one of {', '.join(CONSTRAINT_KINDS)}")
            continue
        what = {"include": "action", "exclude": "action", "lead_max": "lead"}.get(kind, "theme")
        if c["target"] not in targets[kind]:
            report.add(label, row, "target", f"unknown {what} {c['target']!r}"
                       f"{_suggest(c['target'], targets[kind])}")
        if kind not in ("include", "exclude") and math.isnan(c["value"]):
            report.add(label, row, "value", f"{kind} needs a count of actions")
    included = frame.loc[frame["kind"] == "include", "target"]
    for _, c in frame[(frame["kind"] == "exclude") & frame["target"].isin(included)].iterrows():
        report.add(label, c[ROW], "target", f"action {c['target']!r} is both included and excluded")
    return frame[[ROW, "kind", "target", "value"]]


def _validate_funding(frame, actions, resources, label, report):
    frame = frame.assign(
        limit=_numbers(frame, "limit", label, report, required=True, minimum=0),
        year=_numbers(frame, "year", label, report, minimum=1, integer=True),
    )
    if "resource" not in frame:
        frame["resource"] = ""
    frame["resource"] = frame["resource"].replace("", "cost")
    _check_known(frame, "resource", set(resources), "resource", label, report)
    for column, known, what in (("themes", set(actions["theme"]), "theme"),
                                ("actions", set(actions.index), "action")):
        if column not in frame:
            frame[column] = ""
        frame[column] = frame[column].map(_split_list)
        for row, items in zip(frame[ROW], frame[column]):
            for item in items:
                if item not in known:
                    report.add(label, row, column, f"unknown {what} {item!r}{_suggest(item, known)}")
    for row, name in zip(frame[ROW], frame["stream"]):
        if name == "":
            report.add(label, row, "stream", "is blank: name the funding stream")
    keys = frame["stream"] + "|" + frame["year"].fillna(0).astype(str)
    for row, duplicate in zip(frame[ROW], keys.duplicated()):
        if duplicate:
            report.add(label, row, "stream", "the same stream and year appear twice")
    for stream, rows in frame.groupby("stream"):
        if rows["resource"].nunique() > 1:
            report.add(label, int(rows[ROW].iloc[0]), "resource",
                       f"stream {stream!r} pays for more than one resource")
    return frame[[ROW, "stream", "resource", "limit", "year", "themes", "actions"]]


def _validate_settings(frame, label, report) -> dict:
    settings = dict(SETTINGS_DEFAULTS)
    for _, s in frame.iterrows():
        key, value = s["setting"], s["value"]
        if key == "horizon_years":
            if not re.fullmatch(r"\d+", value) or not 1 <= int(value) <= 50:
                report.add(label, s[ROW], "value", f"horizon_years {value!r} must be a whole "
                           "number of years from 1 to 50")
            else:
                settings[key] = int(value)
        elif key == "aggregation":
            if value.lower() not in ("mean", "median"):
                report.add(label, s[ROW], "value", f"aggregation {value!r} must be mean or median")
            else:
                settings[key] = value.lower()
        else:
            report.add(label, s[ROW], "setting", f"unknown setting {key!r} (known: "
                       f"{', '.join(SETTINGS_DEFAULTS)})")
    return settings


def _check_years(frame, horizon, label, report):
    for row, year in zip(frame[ROW], frame["year"]):
        if year > horizon:
            report.add(label, row, "year", f"year {year:g} is beyond the horizon of {horizon} years "
                       "(settings.csv horizon_years)")


# ---------------------------------------------------------------- the public entry point


def load(path: str | Path) -> Model:
    """Read and validate a model folder or .xlsx workbook; raise ModelError listing every problem."""
    path = Path(path)
    report = _Report()
    if not path.exists():
        raise ModelError(Problem(str(path), None, None, "no such folder or file"))
    if path.is_dir():
        source = _Folder(path)
    elif path.suffix.lower() == ".xlsx":
        source = _Workbook(path, report)
        report.raise_if_any()
    else:
        raise ModelError(Problem(str(path), None, None,
                                 "a model is a folder of CSV files or an .xlsx workbook"))
    raw = {name: source.read(schema, report) for name, schema in SCHEMAS.items()}
    labels = {name: source.label(schema) for name, schema in SCHEMAS.items()}
    return _validate(raw, labels, report, str(path))


def from_tables(tables: dict[str, pd.DataFrame], source: str = "<memory>") -> Model:
    """Validate in-memory tables (as the CSV files would hold them) into a Model."""
    raw = {}
    for name, frame in tables.items():
        if name not in SCHEMAS:
            raise ModelError(f"unknown table {name!r} (known: {', '.join(SCHEMAS)})")
        rows = [list(frame.columns)] + [[_cell_text(v) if not isinstance(v, str) else v
                                         for v in record] for record in
                                        frame.astype(object).where(frame.notna(), None)
                                        .itertuples(index=False)]
        raw[name] = _rows_to_frame([[str(c) for c in rows[0]], *rows[1:]], SCHEMAS[name].file,
                                   _Report())
    labels = {name: schema.file for name, schema in SCHEMAS.items()}
    return _validate(raw, labels, _Report(), source)


def _validate(raw: dict[str, pd.DataFrame | None], labels: dict[str, str], report: _Report,
              source: str) -> Model:
    """Check every table and every cross-reference, then build the Model or raise once."""
    for name, schema in SCHEMAS.items():
        frame = raw.get(name)
        if frame is None:
            if schema.required_file:
                report.add(labels[name], None, None, "is missing: every model needs this table")
            frame = pd.DataFrame(columns=[ROW, *schema.required])
        elif (frame.empty and not len(frame.columns)) or not _check_columns(
                frame, schema, labels[name], report):
            frame = pd.DataFrame(columns=[ROW, *schema.required])
        raw[name] = frame
    report.raise_if_any()

    settings = _validate_settings(raw["settings"], labels["settings"], report)
    resources = _validate_resources(raw["resources"], labels["resources"], report)
    resource_names = [r for r in dict.fromkeys(resources["resource"]) if r]
    _check_years(resources, settings["horizon_years"], labels["resources"], report)
    if resources.empty:
        report.add(labels["resources"], None, None, "has no resources: at least one limit is needed")
    actions = _validate_actions(raw["actions"], resource_names, labels["actions"], report)
    if actions.empty:
        report.add(labels["actions"], None, None, "has no actions")
    criteria = _validate_criteria(raw["criteria"], labels["criteria"], report)
    stakeholders = raw["stakeholders"]
    _check_ids(stakeholders, "stakeholder", labels["stakeholders"], report)
    scores = _validate_scores(raw["scores"], actions, criteria, set(stakeholders["stakeholder"]),
                              labels["scores"], report)
    interactions = _validate_interactions(raw["interactions"], actions, labels["interactions"],
                                          report)
    constraints = _validate_constraints(raw["constraints"], actions, labels["constraints"], report)
    funding = _validate_funding(raw["funding"], actions, resource_names, labels["funding"], report)
    _check_years(funding, settings["horizon_years"], labels["funding"], report)
    portfolios = raw["portfolios"]
    _check_known(portfolios, "action", set(actions.index), "action", labels["portfolios"], report)
    weights = raw["weights"].assign(weight=_numbers(raw["weights"], "weight", labels["weights"],
                                                    report, required=True, minimum=0))
    _check_known(weights, "criterion", set(criteria.index), "criterion", labels["weights"], report)
    if len(stakeholders):
        _check_known(weights, "stakeholder", set(stakeholders["stakeholder"]), "stakeholder",
                     labels["weights"], report)
    report.raise_if_any()

    return Model(
        actions=actions.drop(columns=ROW),
        resources=resources.drop(columns=ROW).reset_index(drop=True),
        criteria=criteria.drop(columns=ROW),
        scores=scores.drop(columns=ROW).reset_index(drop=True),
        interactions=interactions.drop(columns=ROW).reset_index(drop=True),
        constraints=constraints.drop(columns=ROW).reset_index(drop=True),
        funding=funding.drop(columns=ROW).reset_index(drop=True),
        portfolios=portfolios.drop(columns=ROW).reset_index(drop=True),
        stakeholders=stakeholders.drop(columns=ROW).reset_index(drop=True),
        weights=weights.drop(columns=ROW).reset_index(drop=True),
        settings=settings,
        source=source,
    )
