"""Save a model (a folder of CSV files or one .xlsx workbook) and write single tables, safely.

Every file is written to a temporary file in the target's own folder, flushed to disk, then
renamed over the target (`os.replace`), so a crash or a full disk never leaves a half-written
file. An existing file is replaced only when asked (`overwrite=True`). Text cells that a
spreadsheet could run as a formula (starting with = + - @ tab or carriage return) get a leading
apostrophe; numbers are written as numbers. `workbench.load` removes the apostrophe again, so
load -> save -> load gives back an equal model. CSV files are UTF-8 with a byte-order mark,
which Excel needs to show non-English characters (such as the pound sign) correctly.

A replaced file keeps its permissions; a symbolic link or a read-only file is never replaced.
Saving a loaded model keeps what the loader leaves out: columns the user added (read back from
the model's own files) and its scenarios.
"""
from __future__ import annotations

import csv
import math
import numbers
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from .errors import ModelError, Problem, WorkbenchError
from .io import (LARGEST_NUMBER, LIST_SEPARATOR, ROW, escape_formula, parse_number, read_table,
                 read_tables)
from .model import SCHEMAS, Model

CSV_ENCODING = "utf-8-sig"
XLSX_CELL_LIMIT = 32_767  # characters a spreadsheet cell can hold
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML forbids
_NOT_A_FOLDER = {".csv", ".xls", ".xlsm", ".ods", ".txt", ".json", ".tsv"}
SCENARIOS = "scenarios"  # the scenarios table (scenarios.py), saved with the model
LOCK_FILE = ".scenarios.csv.lock"  # in a model folder: held while scenarios.csv is rewritten
LOCK_WAIT = 30.0  # seconds to wait for another save of the same folder
# columns that tell a table's rows apart when the table has no key in its schema
_IDENTITY = {"scores": ("action", "criterion", "stakeholder"), "interactions": ("kind", "actions"),
             "constraints": ("kind", "target")}


# ---------------------------------------------------------------- the model as tables


def model_tables(model: Model) -> dict[str, pd.DataFrame]:
    """The model's tables as the files hold them: ids as columns, lists joined with ';',
    settings as setting,value rows. Every table is included, empty ones as a header only."""
    join = LIST_SEPARATOR.join
    interactions = model.interactions.assign(actions=model.interactions["members"].map(join))
    funding = model.funding.assign(themes=model.funding["themes"].map(join),
                                   actions=model.funding["actions"].map(join))
    return {
        "actions": model.actions.reset_index(drop=True),
        "resources": model.resources,
        "criteria": model.criteria.reset_index(drop=True),
        "scores": model.scores,
        "interactions": interactions[["kind", "name", "actions", "threshold", "bonus", "lag",
                                      "note"]],
        "constraints": model.constraints,
        "funding": funding,
        "portfolios": model.portfolios,
        "stakeholders": model.stakeholders,
        "weights": model.weights,
        "profiles": model.profiles,
        "progress": model.progress,
        "settings": pd.DataFrame({"setting": list(model.settings),
                                  "value": [str(value) for value in model.settings.values()]}),
    }


def save(model: Model, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write the model as a folder of CSV files, or as one .xlsx workbook if `path` ends in
    .xlsx (one sheet per table). Existing files are replaced only if `overwrite`; returns path.

    A folder is assembled beside the target and renamed into place when the target does not
    exist yet; otherwise every file is first written in full, then each is renamed over its
    old version.

    A model loaded from files keeps what the loader leaves out: columns the user added (e.g. a
    `comment` in scores.csv, funding.csv's `description`) are read back from its source and
    written beside their rows, and its scenarios are written too (scenarios.csv, or the sheet
    'scenarios'); saving over the model's own folder leaves its scenarios.csv untouched.
    """
    if not isinstance(model, Model):
        raise ModelError(Problem("model", None, None, f"must be a workbench Model, not "
                                 f"{type(model).__name__}"))
    path = Path(path)
    if path.suffix.lower() in _NOT_A_FOLDER:
        raise ModelError(Problem(str(path), None, None, "a model is saved as a folder (a path "
                                 "without a file extension) or as an .xlsx workbook"))
    source = model_source(model)
    tables = _with_source_columns(model_tables(model), source)
    if source is not None and not _same_folder(source, path):
        scenarios = _source_scenarios(source)
        if scenarios is not None:
            tables[SCENARIOS] = scenarios
    if path.suffix.lower() == ".xlsx":
        sheets = {name: _frame_rows(frame, f"{path.name}[{name}]", _xlsx_cell)
                  for name, frame in _numbers_as_numbers(tables).items()}
        return _write_atomically(path, lambda target: _write_xlsx(sheets, target), overwrite)
    files = {f"{name}.csv": _frame_rows(frame, f"{name}.csv", _csv_cell)
             for name, frame in tables.items()}
    return _save_folder(files, path, overwrite)


def save_tables(tables: dict[str, pd.DataFrame], path: str | os.PathLike,
                overwrite: bool = False) -> Path:
    """Write tables cell for cell (text as `io.read_table` reads it) as a folder of CSV files
    (`<name>.csv`) or, if `path` ends in .xlsx, one workbook (a sheet per name), safely as
    `save` writes. A text cell holding a number that reads back as the same text ('25000',
    '0.2', '-8') is written as a number; any other text as text ('007', '1,250,000', '60k').
    Used to copy a model between a folder and a workbook without changing a cell."""
    path = Path(path)
    if path.suffix.lower() in _NOT_A_FOLDER:
        raise ModelError(Problem(str(path), None, None, "a model is saved as a folder (a path "
                                 "without a file extension) or as an .xlsx workbook"))
    tables = {name: frame.map(_number_or_text) for name, frame in tables.items()}
    if path.suffix.lower() == ".xlsx":
        sheets = {name: _frame_rows(frame, f"{path.name}[{name}]", _xlsx_cell)
                  for name, frame in tables.items()}
        return _write_atomically(path, lambda target: _write_xlsx(sheets, target), overwrite)
    files = {f"{name}.csv": _frame_rows(frame, f"{name}.csv", _csv_cell)
             for name, frame in tables.items()}
    return _save_folder(files, path, overwrite)


def _number_or_text(value):
    """A cell's text as a float when the float is written back as exactly that text."""
    if isinstance(value, str) and value.strip() == value and value:
        number, problem = parse_number(value)
        if not problem and math.isfinite(number) and _number_text(number) == value:
            return number
    return value


def model_source(model: Model) -> Path | None:
    """The folder or workbook a model was loaded from, or None (made in memory, or gone)."""
    if model.source.startswith(("<", "random(")):
        return None
    path = Path(model.source)
    return path if path.exists() else None


def _same_folder(source: Path, path: Path) -> bool:
    try:
        return source.is_dir() and path.is_dir() and os.path.samefile(source, path)
    except OSError:
        return False


def _with_source_columns(tables: dict[str, pd.DataFrame], source: Path | None
                         ) -> dict[str, pd.DataFrame]:
    """The tables with the columns the loader dropped, read back from the model's source.

    A source row is matched to the model's row by the table's key (e.g. stream and year); a
    table without a unique key is matched row by row when the rows still correspond. A row
    the source does not have (added in code) gets blank extra cells.
    """
    if source is None:
        return tables
    kept = dict(tables)
    sources = read_tables(source, list(tables))
    for name, frame in tables.items():
        raw, _ = sources.get(name, (None, ""))  # unreadable since loading: what the model holds
        extra = [c for c in (raw.columns if raw is not None else ()) if c != ROW
                 and c not in frame.columns]
        if not extra:
            continue
        identity = [c for c in SCHEMAS[name].key or _IDENTITY.get(name, ())
                    if c in frame.columns and c in raw.columns]
        frame_keys = _row_keys(frame, identity)
        raw_keys = _row_keys(raw, identity)
        if len(set(raw_keys)) == len(raw_keys) and identity:
            where = {key: position for position, key in enumerate(raw_keys)}
            positions = [where.get(key) for key in frame_keys]
        elif raw_keys == frame_keys:
            positions = list(range(len(raw_keys)))
        else:  # rows changed and cannot be told apart: nothing to put beside them
            continue
        kept[name] = frame.assign(**{column: [
            "" if position is None else raw[column].iloc[position] for position in positions]
            for column in extra})
    return kept


def _row_keys(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Each row's identity as comparable text: case folded, numbers and ';' lists normalised."""
    def normal(value) -> str:
        if isinstance(value, str):
            number, problem = parse_number(value.strip())
            if value.strip() and not problem:
                value = number
            else:
                return LIST_SEPARATOR.join(part.strip() for part in value.split(
                    LIST_SEPARATOR)).casefold()
        value = _plain(value)
        if value is None:
            return ""
        if isinstance(value, numbers.Real):
            return _number_text(float(value))
        return _text(value).casefold()

    values = [frame[column].tolist() for column in columns]
    return [tuple(normal(value) for value in row) for row in zip(*values)] or \
        [()] * len(frame)


def _source_scenarios(source: Path) -> pd.DataFrame | None:
    """The scenarios table of the model's source as its cells hold it, or None."""
    table, _ = read_table(source, SCENARIOS)
    if table is None or list(table.columns) == [ROW]:
        return None
    return table.drop(columns=ROW)


def _numbers_as_numbers(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Scenario values as numbers for a workbook (they are kept as text from their file)."""
    scenarios = tables.get(SCENARIOS)
    if scenarios is None or "value" not in scenarios:
        return tables
    parsed = [parse_number(text) for text in scenarios["value"]]
    values = [number if text and not problem else text
              for (number, problem), text in zip(parsed, scenarios["value"])]
    return {**tables, SCENARIOS: scenarios.assign(value=pd.Series(values, dtype=object))}


def write_table(frame: pd.DataFrame, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write one table (an action plan, a scenario, a result) to a .csv or .xlsx file, safely
    and with formula-like text escaped. A named or non-default index is written as the first
    column(s). Returns the path."""
    path = Path(path)
    if not isinstance(frame, pd.DataFrame):
        raise ModelError(Problem("frame", None, None, f"must be a pandas DataFrame, not "
                                 f"{type(frame).__name__}"))
    if not isinstance(frame.index, pd.RangeIndex) or any(frame.index.names):
        frame = frame.reset_index()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _frame_rows(frame, path.name, _csv_cell)
        return _write_atomically(path, lambda target: _write_csv(rows, target), overwrite)
    if suffix == ".xlsx":
        sheet = re.sub(r"[\[\]:*?/\\]", "_", path.stem)[:31] or "table"
        rows = _frame_rows(frame, path.name, _xlsx_cell)
        return _write_atomically(path, lambda target: _write_xlsx({sheet: rows}, target),
                                 overwrite)
    raise ModelError(Problem(str(path), None, None, "a table is written as a .csv or .xlsx "
                             f"file, not {path.suffix or 'a file without extension'!r}"))


# ---------------------------------------------------------------- cells


def _frame_rows(frame: pd.DataFrame, label: str, cell: Callable) -> list[list]:
    """Header and rows of cells; a cell that cannot be stored raises naming file:row:column."""
    columns = [str(column) for column in frame.columns]
    rows = [[cell(column, label, 1, column) for column in columns]]
    values = [frame.iloc[:, position].tolist() for position in range(frame.shape[1])]
    for number, record in enumerate(zip(*values), 2):
        rows.append([cell(value, label, number, column)
                     for value, column in zip(record, columns)])
    return rows


def _number_text(value: float) -> str:
    """Shortest text that reads back as the same float (whole numbers without '.0')."""
    if value.is_integer() and abs(value) < LARGEST_NUMBER:
        return str(int(value))
    return repr(value)


def _plain(value):
    """numpy and pandas scalars as plain Python values; missing values as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _text(value) -> str:
    if isinstance(value, (tuple, list)):
        return LIST_SEPARATOR.join("" if _plain(item) is None else _text(_plain(item))
                                   for item in value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _csv_cell(value, label: str, row: int, column: str) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        return _number_text(value) if math.isfinite(value) else escape_formula(repr(value))
    return escape_formula(_text(value))


def _xlsx_cell(value, label: str, row: int, column: str):
    value = _plain(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else escape_formula(repr(value))
    text = escape_formula(_text(value))
    bad = _XLSX_ILLEGAL.search(text)
    if bad:
        raise ModelError(Problem(label, row, column, f"contains the control character "
                                 f"U+{ord(bad.group()):04X}, which an .xlsx cell cannot hold: "
                                 "remove it or save as CSV"))
    if len(text) > XLSX_CELL_LIMIT:
        raise ModelError(Problem(label, row, column, f"holds {len(text):,} characters; an "
                                 f".xlsx cell holds at most {XLSX_CELL_LIMIT:,}: save as CSV"))
    return text


# ---------------------------------------------------------------- writers


def _write_csv(rows: list[list[str]], target: Path) -> None:
    with open(target, "w", encoding=CSV_ENCODING, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)  # RFC 4180: quotes any CR


def _write_xlsx(sheets: dict[str, list[list]], target: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(target)


# ---------------------------------------------------------------- safe file replacement


def _temporary_name(path: Path) -> Path:
    """A hidden name beside `path`, so the final rename stays on one file system."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def _already_exists(path: Path) -> ModelError:
    return ModelError(Problem(str(path), None, None, "already exists: pass overwrite=True "
                              "(on the command line --overwrite) to replace it"))


def _sync(path: Path) -> None:
    """Flush a written file (or a folder's entries) to disk before it replaces anything."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:  # some systems cannot open a folder; its rename is still atomic
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _write_error(path: Path, error: OSError) -> WorkbenchError:
    return WorkbenchError(f"{path}: could not be written ({error.strerror or error}); "
                          "any earlier version is unchanged")


def _check_target(path: Path, overwrite: bool) -> None:
    if not path.parent.is_dir():
        raise ModelError(Problem(str(path), None, None, f"cannot be written: the folder "
                                 f"{str(path.parent)!r} does not exist"))
    if path.is_dir():
        raise ModelError(Problem(str(path), None, None, "is a folder, not a file"))
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise _already_exists(path)
    check_replaceable(path)


def check_replaceable(path: Path) -> None:
    """A file about to be replaced must be an ordinary, writable file (or not exist yet)."""
    if path.is_symlink():
        raise ModelError(Problem(str(path), None, None, "is a symbolic link: it is not "
                                 "replaced by a file; write to the file it points to, or "
                                 "remove the link first"))
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise ModelError(Problem(str(path), None, None, f"cannot be checked before writing "
                                 f"({error.strerror or error})")) from None
    if not stat.S_ISREG(mode):
        raise ModelError(Problem(str(path), None, None, "is not an ordinary file: it is not "
                                 "replaced; choose another name"))
    if not mode & 0o222 or not os.access(path, os.W_OK):
        raise ModelError(Problem(str(path), None, None, "is read-only: it is not replaced; "
                                 "make it writable (e.g. chmod u+w) or write elsewhere"))


def _keep_permissions(temporary: Path, path: Path) -> None:
    """Give the finished file the permissions of the file it replaces (0600 stays 0600)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    os.chmod(temporary, mode)


def _write_atomically(path: Path, write: Callable[[Path], None], overwrite: bool) -> Path:
    """Write via `write(temporary)` beside `path`, then rename; nothing is left on failure."""
    _check_target(path, overwrite)
    temporary = _temporary_name(path)
    try:
        with open(temporary, "xb"):  # claims the name; permissions follow the umask
            pass
        write(temporary)
        _sync(temporary)
        if overwrite:
            _keep_permissions(temporary, path)
        _commit(temporary, path, overwrite)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _write_error(path, error) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync(path.parent)
    return path


def write_bytes(data: bytes, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a whole file's bytes safely (temporary file, then rename), as `write_table` does."""
    path = Path(path)
    return _write_atomically(path, lambda target: target.write_bytes(data), overwrite)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the model folder's lock (a hidden lock file in it) while a file there is read,
    changed and written, so two processes saving at once cannot lose each other's rows."""
    from filelock import FileLock, Timeout

    lock = FileLock(folder / LOCK_FILE, timeout=LOCK_WAIT)
    try:
        lock.acquire()
    except Timeout:
        raise WorkbenchError(f"{folder}: another save into this model folder has not finished "
                             f"after {LOCK_WAIT:g} s; try again (if none is running, delete "
                             f"{LOCK_FILE} there)") from None
    except OSError as error:
        raise WorkbenchError(f"{folder}: cannot be locked for saving "
                             f"({error.strerror or error}); check that the folder is "
                             "writable") from None
    try:
        yield
    finally:
        lock.release()


def _commit(temporary: Path, path: Path, overwrite: bool) -> None:
    """Rename the finished file into place; without `overwrite` never replace a file that
    appeared since the check (a hard link fails if the name is taken)."""
    if overwrite:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise _already_exists(path) from None
    except OSError:  # a file system without hard links: check, then rename
        if path.exists():
            raise _already_exists(path) from None
        os.replace(temporary, path)
    else:
        temporary.unlink()


def _save_folder(files: dict[str, list[list[str]]], path: Path, overwrite: bool) -> Path:
    if path.exists() and not path.is_dir():
        raise ModelError(Problem(str(path), None, None, "is a file: a model folder is saved "
                                 "as a folder (or give a path ending in .xlsx)"))
    if not path.parent.is_dir():
        raise ModelError(Problem(str(path), None, None, f"cannot be written: the folder "
                                 f"{str(path.parent)!r} does not exist"))
    if not path.exists():
        return _save_new_folder(files, path)
    taken = [name for name in files if (path / name).exists() or (path / name).is_symlink()]
    if taken and not overwrite:
        raise ModelError(Problem(str(path), None, None, f"already holds {', '.join(taken)}: "
                                 "pass overwrite=True (on the command line --overwrite) to "
                                 "replace the model's files"))
    for name in taken:
        check_replaceable(path / name)
    if f"{SCENARIOS}.csv" in files:  # scenarios.csv is also written by save_scenario
        with folder_lock(path):
            return _replace_files(files, path)
    return _replace_files(files, path)


def _replace_files(files: dict[str, list[list[str]]], path: Path) -> Path:
    """Write every file in full beside its old version, then rename each into place."""
    staged: dict[Path, Path] = {}
    try:
        for name, rows in files.items():
            temporary = _temporary_name(path / name)
            staged[temporary] = path / name
            with open(temporary, "x"):
                pass
            _write_csv(rows, temporary)
            _sync(temporary)
            _keep_permissions(temporary, path / name)
        for temporary, target in staged.items():
            os.replace(temporary, target)
    except OSError as error:
        raise _write_error(path, error) from error
    finally:
        for temporary in staged:
            temporary.unlink(missing_ok=True)
    _sync(path)
    return path


def _save_new_folder(files: dict[str, list[list[str]]], path: Path) -> Path:
    """Assemble the folder under a temporary name, then rename it: it appears whole or not."""
    staging = _temporary_name(path)
    try:
        staging.mkdir()
        for name, rows in files.items():
            _write_csv(rows, staging / name)
            _sync(staging / name)
        _sync(staging)
        os.rename(staging, path)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if path.exists():  # another process created the folder meanwhile
            raise _already_exists(path) from None
        raise _write_error(path, error) from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _sync(path.parent)
    return path
