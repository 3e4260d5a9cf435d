"""Fuzzing the loader (issue 6 section 2): malformed tables as spreadsheets and hands make them.

Every case must either load a model that works (validated, scorable) or raise `ModelError`
whose problems all name a file of the model; never another exception, never a hang (each case
runs under a hypothesis deadline and an alarm). Harmless variations (encodings with a
byte-order mark, line endings, spaces, quoting, column order, blank lines) must load the very
same model. Cases per run: see EXAMPLES (over 2,000 in total).
"""
from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import signal
import tempfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
from openpyxl.cell.cell import MergedCell
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.examples import random_tables
from workbench.export import save
from workbench.model import SCHEMAS

EXAMPLES = {"malformed_csv": 1000, "harmless_csv": 300, "workbook": 120, "mistyped_tables": 600}
DEADLINE = timedelta(seconds=5)  # a case slower than this counts as a hang
ALARM_SECONDS = 30  # hard stop, in case a case never returns at all
FILES = [schema.file for schema in SCHEMAS.values()]
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
NASTY = ["", " ", "nan", "NaN", "inf", "-inf", "-1", "0", "-0", "2.5", "1e308", "1e400",
         "9" * 400, "1e-320", "0x1F", "1,5", "1,000", "1,000,000.5", "£5", "5%", "TRUE", "None",
         "null", "#N/A", "#DIV/0!", "=1+1", "'=x", "'", "١٢", "a;b", ";", ";;", " ; ", "higher",
         "lower", "synergy", "critical_mass", "requires", "excludes", "include", "exclude",
         "theme_min", "theme_max", "lead_max", "cost", "staff_fte", "horizon_years",
         "aggregation", "median", "51", "3", "\x00", "\ufeff", "\u00a0", '"', "\n", "é", "a\rb"]


def fuzz_settings(name: str):
    """Randomness follows the loaded profile: derandomized in CI (conftest.py), exploring locally."""
    return settings(max_examples=EXAMPLES[name], deadline=DEADLINE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextlib.contextmanager
def alarm(seconds: int = ALARM_SECONDS):
    """Turn a case that never returns into a failure instead of a stuck test run."""
    def stop(signum, frame):
        raise TimeoutError(f"a loader case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- base models


def base_tables(seed: int) -> dict[str, pd.DataFrame]:
    """A small valid model using every table, so every table can be broken."""
    tables = random_tables(4 + seed % 3, seed=seed, funding=True, group_limits=True,
                           forced=seed % 2 == 0, horizon=1 + seed % 2, n_resources=1 + seed % 2)
    ids = tables["actions"]["id"].tolist()
    tables["portfolios"] = pd.DataFrame({"portfolio": "roundtable", "action": ids[:2]})
    tables["weights"] = pd.DataFrame(
        [{"stakeholder": s, "criterion": c, "weight": 1 + k}
         for s in tables["stakeholders"]["stakeholder"]
         for k, c in enumerate(tables["criteria"]["id"])])
    return tables


BASE_TABLES = [base_tables(seed) for seed in range(4)]
BASE_MODELS = [wb.from_tables(tables) for tables in BASE_TABLES]


def model_rows(model: wb.Model) -> dict[str, list[list[str]]]:
    """The model's CSV files as rows of text cells, exactly as `save` writes them."""
    with tempfile.TemporaryDirectory() as folder:
        save(model, Path(folder) / "model")
        result = {}
        for file in FILES:
            with open(Path(folder) / "model" / file, encoding="utf-8-sig", newline="") as handle:
                result[file] = list(csv.reader(handle))
        return result


BASE_ROWS = [model_rows(model) for model in BASE_MODELS]


def labels_for(path: Path) -> set[str]:
    """Every name a problem may carry for a model at `path`."""
    return {str(path), path.name, *FILES, *(f"{path.name}[{name}]" for name in SCHEMAS)}


def check(load, labels: set[str], *, score: bool = True) -> wb.Model | None:
    """Run one case: a usable model, or a ModelError whose every problem names a file."""
    with alarm():
        try:
            model = load()
        except wb.ModelError as error:
            assert error.problems, "a ModelError without problems"
            for problem in error.problems:
                assert problem.file in labels, problem
                assert problem.message, problem
                assert problem.row is None or (isinstance(problem.row, int) and problem.row >= 1)
                assert problem.column is None or isinstance(problem.column, str)
                assert str(problem).startswith(problem.file)
            return None
        assert_usable(model, score=score)
        return model


def assert_usable(model: wb.Model, *, score: bool = True) -> None:
    """What validation promises about a model it lets through."""
    actions = model.actions
    assert len(actions) and actions.index.is_unique
    assert {_fold(i) for i in actions.index} == {_fold(i) for i in actions.index.unique()}
    for resource in model.resource_names:
        assert np.isfinite(actions[resource]).all() and (actions[resource] >= 0).all()
    assert np.isfinite(model.resources["limit"]).all()
    assert model.criteria["weight"].sum() > 0
    members = {m for group in model.interactions["members"] for m in group}
    assert members <= set(actions.index)
    if not score:
        return
    table = wb.score(model)
    assert len(table) == len(actions)
    assert table["value"].between(-1e-9, 100 + 1e-9).all()


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def fingerprint(model: wb.Model) -> dict[str, list]:
    """Each table as sorted rows of (column, value) text, index included: equal for models
    that differ only in the order of rows and columns."""
    result = {"settings": sorted(model.settings.items())}
    for name in SCHEMAS:
        if name == "settings":
            continue
        frame = getattr(model, name)
        columns = sorted(frame.columns)
        index = ([None] * len(frame) if isinstance(frame.index, pd.RangeIndex)
                 else frame.index.tolist())  # ids index actions and criteria; others count rows
        result[name] = sorted(repr(row) for row in zip(
            index, *([(c, v) for v in frame[c].tolist()] for c in columns)))
    return result


# ---------------------------------------------------------------- writing cases to disk


def encode(rows: list[list[str]], encoding: str, newline: str, quote_all: bool,
           pad: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerows([[f" {cell} " for cell in row] if pad else row for row in rows])
    return buffer.getvalue().encode(encoding, errors="replace")


def scratch() -> tempfile.TemporaryDirectory:
    """A private folder for one case, in memory where the system offers it (much faster)."""
    return tempfile.TemporaryDirectory(dir=SCRATCH)


def write_folder(folder: Path, files: dict[str, bytes | None]) -> Path:
    folder.mkdir()
    for file, data in files.items():
        if data is not None:
            (folder / file).write_bytes(data)
    return folder


# ---------------------------------------------------------------- malformed CSV folders


def cell_address(draw, rows):
    row = draw(st.integers(0, len(rows) - 1))
    column = draw(st.integers(0, max(0, len(rows[row]) - 1)))
    return row, column


@st.composite
def malformed_folders(draw) -> dict[str, bytes | None]:
    """The files of a base model after a few random edits, written with one encoding (UTF-8,
    with or without BOM, or UTF-16), line ending, quoting and padding; perhaps one file in
    another encoding (Latin-1, Windows-1252, UTF-16 without BOM), truncated or with bytes
    inserted."""
    files = {file: [list(row) for row in rows]
             for file, rows in BASE_ROWS[draw(st.integers(0, len(BASE_ROWS) - 1))].items()}
    for _ in range(draw(st.integers(1, 4))):
        file = draw(st.sampled_from(FILES))
        rows = files[file]
        if rows is None:  # deleted by an earlier edit
            continue
        operation = draw(st.sampled_from([
            "blank", "nasty", "text", "number", "recase", "respace", "copy_id", "duplicate_row",
            "delete_row", "swap_rows", "duplicate_column", "delete_column", "swap_columns",
            "rename_header", "extra_cell", "short_row", "blank_lines", "delete_file",
            "empty_file", "header_only"]))
        if operation in ("delete_file", "empty_file", "header_only"):
            files[file] = {"delete_file": None, "empty_file": [], "header_only": rows[:1]}[
                operation]
            continue
        if not rows:
            continue
        row, column = cell_address(draw, rows)
        cells = rows[row]
        if operation == "blank" and cells:
            cells[column] = ""
        elif operation == "nasty" and cells:
            cells[column] = draw(st.sampled_from(NASTY))
        elif operation == "text" and cells:
            cells[column] = draw(st.text(max_size=15))
        elif operation == "number" and cells:
            cells[column] = repr(draw(st.one_of(st.floats(), st.integers(-10**30, 10**30))))
        elif operation == "recase" and cells:
            cells[column] = draw(st.sampled_from([str.upper, str.title, str.swapcase]))(
                cells[column])
        elif operation == "respace" and cells:
            cells[column] = draw(st.sampled_from(["  {} ", "{} ", "{}  x", "{}\t"])).format(
                cells[column])
        elif operation == "copy_id" and len(rows) > 2 and cells and rows[-1]:
            cells[0] = rows[-1][0]  # another row's id (or key): a duplicate
        elif operation == "duplicate_row":
            rows.insert(row, list(cells))
        elif operation == "delete_row":
            del rows[row]
        elif operation == "swap_rows":
            other = draw(st.integers(0, len(rows) - 1))
            rows[row], rows[other] = rows[other], rows[row]
        elif operation == "duplicate_column":
            for line in rows:
                line.insert(column, line[column] if column < len(line) else "")
        elif operation == "delete_column":
            for line in rows:
                del line[column:column + 1]
        elif operation == "swap_columns":
            other = draw(st.integers(0, max(0, len(rows[0]) - 1)))
            for line in rows:
                if max(column, other) < len(line):
                    line[column], line[other] = line[other], line[column]
        elif operation == "rename_header" and rows[0]:
            rows[0][min(column, len(rows[0]) - 1)] = draw(st.sampled_from(
                ["", "ID", "Id ", "name", "cost", "_row", "weight", "extra", "actions"]))
        elif operation == "extra_cell":
            cells.append(draw(st.sampled_from(["x", "", "1"])))
        elif operation == "short_row":
            del cells[draw(st.integers(0, len(cells))):]
        elif operation == "blank_lines":
            rows.insert(row, [])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    newline, quote_all, pad = (draw(st.sampled_from(["\n", "\r\n", "\r"])), draw(st.booleans()),
                               draw(st.booleans()))
    odd_file = draw(st.one_of(st.none(), st.sampled_from(FILES)))
    result = {}
    for file, rows in files.items():
        if rows is None:
            result[file] = None
        elif file != odd_file:
            result[file] = encode(rows, encoding, newline, quote_all, pad)
        else:  # one file saved by another program, or damaged on the way
            result[file] = data = encode(rows, draw(st.sampled_from(
                ["latin-1", "cp1252", "utf-16-le", "utf-16-be", "utf-8"])), newline, quote_all, pad)
            damage = draw(st.sampled_from([None, "truncate", "insert"]))
            if damage and data:
                at = draw(st.integers(0, len(data)))
                result[file] = data[:at] if damage == "truncate" else (
                    data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:])
    return result


@fuzz_settings("malformed_csv")
@given(files=malformed_folders())
def test_malformed_folders_load_or_raise_model_error(files):
    with scratch() as root:
        folder = write_folder(Path(root) / "model", files)
        check(lambda: wb.load(folder), labels_for(folder))


# ---------------------------------------------------------------- harmless variations


@st.composite
def harmless_folders(draw) -> tuple[int, dict[str, bytes]]:
    """A base model's files with columns in another order, one file's rows shuffled, a blank
    line, one encoding (BOM or UTF-16), line ending, quoting and padding for the lot."""
    index = draw(st.integers(0, len(BASE_ROWS) - 1))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    newline, quote_all, pad = (draw(st.sampled_from(["\n", "\r\n", "\r"])), draw(st.booleans()),
                               draw(st.booleans()))
    shuffled = draw(st.sampled_from(FILES))
    result = {}
    for file, rows in BASE_ROWS[index].items():
        order = draw(st.permutations(range(len(rows[0]))))
        rows = [[row[k] for k in order] for row in rows]
        if file == shuffled:
            rows = [rows[0], *draw(st.permutations(rows[1:]))]
        if draw(st.booleans()):
            rows.insert(draw(st.integers(1, len(rows))), [""] * len(rows[0]))
        result[file] = encode(rows, encoding, newline, quote_all, pad)
    return index, result


EXPECTED = [fingerprint(model) for model in BASE_MODELS]


@fuzz_settings("harmless_csv")
@given(case=harmless_folders())
def test_harmless_variations_load_the_same_model(case):
    index, files = case
    with scratch() as root:
        folder = write_folder(Path(root) / "model", files)
        model = check(lambda: wb.load(folder), labels_for(folder), score=False)
    assert model is not None, "a harmless variation was rejected"
    found = fingerprint(model)
    for name, expected in EXPECTED[index].items():
        assert found[name] == expected, name


# ---------------------------------------------------------------- workbooks


SHEET_EXTRAS = ["Notes", "Sheet1", "actions (2)", "Lookup", "README"]


def spreadsheet_value(text: str, as_number: bool):
    """A cell as a spreadsheet might hold it: numbers as numbers when asked."""
    if as_number:
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and abs(number) < 1e15 else number
    return text


@st.composite
def workbooks(draw) -> bytes:
    """A model workbook with extra sheets, sheet names written differently, numbers stored
    as numbers or text, one sheet perhaps missing, and a few odd cells or merged ranges."""
    rows_by_file = BASE_ROWS[draw(st.integers(0, len(BASE_ROWS) - 1))]
    book = openpyxl.Workbook()
    book.remove(book.active)
    names = list(rows_by_file)
    for extra in draw(st.lists(st.sampled_from(SHEET_EXTRAS), max_size=2, unique=True)):
        names.insert(draw(st.integers(0, len(names))), extra)
    missing = draw(st.one_of(st.none(), st.none(), st.sampled_from(FILES[1:])))
    as_numbers = draw(st.booleans())
    for name in names:
        if name == missing:
            continue
        title = name.removesuffix(".csv")
        if name in rows_by_file:
            title = draw(st.sampled_from([title, title.title(), f"{title}.csv", f" {title} "]))
        sheet = book.create_sheet(title)
        for row in rows_by_file.get(name, [["anything"], ["an analyst", "12", ""]]):
            sheet.append([spreadsheet_value(cell, as_numbers) for cell in row])
    for _ in range(draw(st.integers(0, 3))):
        sheet = book.worksheets[draw(st.integers(0, len(book.worksheets) - 1))]
        row = draw(st.integers(1, max(1, sheet.max_row)))
        column = draw(st.integers(1, max(1, sheet.max_column)))
        edit = draw(st.sampled_from(["merge", "blank", "nasty", "bool", "date", "float", "huge",
                                     "formula", "error", "duplicate_sheet"]))
        cell = sheet.cell(row=row, column=column)
        if isinstance(cell, MergedCell):
            continue  # hidden under a merged range: a spreadsheet will not edit it either
        if edit == "merge":
            sheet.merge_cells(start_row=row, start_column=column, end_row=row + draw(
                st.integers(0, 1)), end_column=column + draw(st.integers(0, 2)))
        elif edit == "blank":
            cell.value = None
        elif edit == "nasty":
            cell.value = draw(st.sampled_from(NASTY)).replace("\x00", "")
        elif edit == "bool":
            cell.value = draw(st.booleans())
        elif edit == "date":
            cell.value = datetime(2025, 4, 1)
        elif edit == "float":
            cell.value = draw(st.floats(allow_nan=False, allow_infinity=False))
        elif edit == "huge":
            cell.value = 10 ** draw(st.integers(15, 40))
        elif edit == "formula":
            cell.value = "=1+1"  # no cached value: reads as blank
        elif edit == "error":
            cell.value = "#DIV/0!"
        elif edit == "duplicate_sheet":
            copy = book.copy_worksheet(sheet)
            copy.title = f"{sheet.title.strip()}.csv" if not sheet.title.endswith(".csv") \
                else sheet.title.removesuffix(".csv")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@fuzz_settings("workbook")
@given(data=workbooks())
def test_workbooks_load_or_raise_model_error(data):
    with scratch() as root:
        path = Path(root) / "model.xlsx"
        path.write_bytes(data)
        check(lambda: wb.load(path), labels_for(path))


# ---------------------------------------------------------------- mistyped in-memory tables


ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
    st.sampled_from([math.nan, math.inf, -math.inf, pd.NA, pd.NaT, np.int64(7),
                     np.float32(2.5), np.nan, Decimal("1.5"), datetime(2025, 1, 1),
                     pd.Timestamp("2025-01-01"), b"bytes", ("a00", "a01"), ["a00"], {"a": 1},
                     complex(1, 2), "a00", "A00", " a00 ", "c0", "cost", "synergy"]))


@st.composite
def mistyped_tables(draw) -> dict[str, pd.DataFrame]:
    tables = {name: frame.copy() for name, frame in BASE_TABLES[draw(st.integers(0, 3))].items()}
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(tables)))
        frame = tables[name].astype(object)
        operation = draw(st.sampled_from(["cell", "cell", "cell", "column_name", "drop_column",
                                          "duplicate_rows", "drop_table", "empty_table"]))
        if operation == "drop_table":
            del tables[name]
            continue
        if operation == "empty_table":
            tables[name] = frame.iloc[0:0]
            continue
        if operation == "duplicate_rows" and len(frame):
            frame = pd.concat([frame, frame.sample(n=1, random_state=draw(st.integers(0, 9)))])
        elif operation == "column_name" and len(frame.columns):
            position = draw(st.integers(0, len(frame.columns) - 1))
            frame.columns = [draw(st.sampled_from([0, None, ("a", "b"), "", "ID", " id",
                                                   "name"])) if k == position else c
                             for k, c in enumerate(frame.columns)]
        elif operation == "drop_column" and len(frame.columns):
            dropped = draw(st.integers(0, len(frame.columns) - 1))  # by position: a name may be None
            frame = frame.iloc[:, [k for k in range(len(frame.columns)) if k != dropped]]
        elif len(frame) and len(frame.columns):
            frame.iat[draw(st.integers(0, len(frame) - 1)),
                      draw(st.integers(0, len(frame.columns) - 1))] = draw(ODD_VALUES)
        tables[name] = frame
    return tables


@fuzz_settings("mistyped_tables")
@given(tables=mistyped_tables())
def test_mistyped_tables_load_or_raise_model_error(tables):
    check(lambda: wb.from_tables(tables), {*FILES, "tables"})


def test_the_fuzz_runs_enough_cases():
    assert sum(EXAMPLES.values()) >= 2000
