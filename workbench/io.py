"""Load a strategy model from a folder of CSV files or one .xlsx workbook, and validate it.

Validation is lazy: every problem is collected with its file, row and column, then raised once
as a `ModelError`, so an analyst can fix a spreadsheet in one pass. Rows are counted as a
spreadsheet shows them: the header is row 1, the first data row is row 2. Problems with a
table's layout (missing files or columns, unnamed or repeated columns, rows with extra cells)
are reported first, since cell checks would only repeat them.

Cells are read as text and stripped of surrounding spaces; line breaks inside a cell become
'\\n' (as .xlsx stores them). A leading apostrophe that protects a formula-like text (as the
workbench's own exports write it, e.g. `'=x`) is removed again. A formula cell in a workbook
reads as the value the spreadsheet saved with it; formulas are never evaluated.

The work a model may cost is bounded before it starts: files of at most 20 MB (a workbook
unpacking to at most 200 MB), tables of at most 100,000 rows and 1,000,000 cells, cells of at
most 32,767 characters (Excel's own limit), ids, names and numbers of at most 1,000. Anything
but a regular file (a folder, a named pipe, a device, a broken link) and every error the system
reports are problems that name the file, never a hang or a traceback.
"""
from __future__ import annotations

import codecs
import csv
import difflib
import errno
import hashlib
import io as text_io
import math
import os
import posixpath
import re
import stat
import warnings
import zipfile
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from .errors import ModelError, Problem
from .model import (
    CONSTRAINT_KINDS,
    DIRECTIONS,
    INTERACTION_KINDS,
    LONGEST_HORIZON,
    PROGRESS_STATUSES,
    SCHEMAS,
    SETTINGS_DEFAULTS,
    SETUP_SUFFIX,
    STOP_SUFFIX,
    Model,
    TableSchema,
)

ROW = "_row"  # spreadsheet row number carried alongside every loaded row
LIST_SEPARATOR = ";"
LARGEST_NUMBER = 1e15  # beyond this a cost or limit is a typo, and solvers lose precision
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet may run such text as a formula
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_AMOUNT = re.compile(r"(?P<sign>[+-]?)\s*(?P<currency>[£$€])?\s*(?P<digits>[\d,]*\d(\.\d+)?)"
                     r"\s*(?P<suffix>k|m|bn)?", re.IGNORECASE)
_SUFFIXES = {"": 1, "k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
SUGGESTION_COMPARISONS = 20_000  # id comparisons to suggest near spellings, per load
NAME_LENGTH = 60  # longest generated interaction name (solvers' LP files limit name length)
OTHER_SHEETS = ("scenarios",)  # read from a workbook for `read_table`, not by `load`


class _Table:
    """One table while it is validated: a list per column (cells as text until parsed) and the
    spreadsheet row number of each row under ROW. Plain lists keep validation fast; the
    validated table becomes a DataFrame once, at the end."""

    def __init__(self, columns: dict[str, list]):
        self.columns = columns
        self.numeric: set[str] = set()

    @classmethod
    def unreadable(cls) -> _Table:
        """Stands for a file that exists but could not be read (its problem is reported)."""
        return cls({ROW: []})

    def __len__(self) -> int:
        return len(self.columns[ROW])

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> list:
        return self.columns[name]

    @property
    def rows(self) -> list[int]:
        return self.columns[ROW]

    def get(self, name: str, default: object = "") -> list:
        """A column, or `default` in every row where the (optional) column is absent."""
        return self.columns[name] if name in self.columns else [default] * len(self)

    def set(self, name: str, values, *, numeric: bool = False) -> None:
        self.columns[name] = list(values)
        if numeric:
            self.numeric.add(name)
        else:
            self.numeric.discard(name)

    def frame(self, columns: list[str] | None = None, index: str | None = None) -> pd.DataFrame:
        """The table as a DataFrame: numbers as float, everything else as object (text); an
        optional column the file lacks comes out blank."""
        names = [c for c in (columns or self.columns) if c != ROW]
        frame = pd.DataFrame({name: pd.Series(self.get(name),
                                              dtype=float if name in self.numeric else object)
                              for name in names})
        if index is not None:
            frame.index = pd.Index(self.columns[index], dtype=object)
        return frame


class _Report:
    """Collects problems; `raise_if_any` raises them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.comparisons_left = SUGGESTION_COMPARISONS  # spelling comparisons for `_suggest`

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ModelError(self.problems)


# ---------------------------------------------------------------- formula escaping


def needs_formula_escape(text: str) -> bool:
    """True for text a spreadsheet could run as a formula (starts, after any apostrophes, with
    = + - @ tab or carriage return) unless it is a plain number such as -5 or +1.5e3."""
    return text.lstrip("'")[:1] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(text)


def escape_formula(text: str) -> str:
    """Prefix formula-like text with an apostrophe so Excel shows it instead of running it."""
    return "'" + text if needs_formula_escape(text) else text


def unescape_formula(text: str) -> str:
    """Undo `escape_formula` exactly (text that was never escaped comes back unchanged)."""
    return text[1:] if text.startswith("'") and needs_formula_escape(text[1:]) else text


# ---------------------------------------------------------------- reading raw tables

# Bounds on the work one model may cost, checked before the work starts. Each lies far above
# any real model (the worked example's largest file is 34 kB) and below what would take more
# than a few seconds to read.
LARGEST_FILE = 20_000_000  # bytes in one CSV file or workbook [B]
LARGEST_UNPACKED = 200_000_000  # bytes a workbook's parts may unpack to [B]
LARGEST_ROWS = 100_000  # rows in one table, under its header, blank rows included
LARGEST_CELLS = 1_000_000  # cells in one table or sheet
LONGEST_CELL = 32_767  # characters in one cell (Excel's own limit)
LONGEST_NAME = 1_000  # characters in an id, a name or any other short cell
FREE_TEXT = ("description", "evidence", "indicator", "note")  # columns of prose: LONGEST_CELL
LIST_COLUMNS = {("interactions", "actions"), ("funding", "themes"), ("funding", "actions")}
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls files and encrypted .xlsx
_SHEET_TAG = re.compile(rb"<(?:([A-Za-z_][\w.-]*:))?worksheet[\s>]")


class _Unreadable(Exception):
    """A file that exists but cannot be used; the message says why and what to do."""


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file of at most LARGEST_FILE bytes.

    Raises FileNotFoundError when nothing has this name, and _Unreadable for a folder, a named
    pipe, a device, a broken or looping link, a file too large, or any OS error. The file is
    opened without blocking and checked again once open, so a pipe or a device put in its place
    meanwhile cannot hang the load.
    """
    try:
        status = os.stat(path)
    except OSError as error:
        if isinstance(error, FileNotFoundError) and not os.path.lexists(path):
            raise
        raise _Unreadable(_stat_problem(error, path)) from None
    _check_regular(status, path)
    if status.st_size > LARGEST_FILE:
        raise _Unreadable(_size_problem(status.st_size))
    # O_NONBLOCK: a pipe opened without it waits for a writer (POSIX only, like O_NOCTTY)
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        with os.fdopen(os.open(path, flags), "rb") as handle:
            _check_regular(os.fstat(handle.fileno()), path)
            data = handle.read(LARGEST_FILE + 1)
    except OSError as error:
        raise _Unreadable(_os_problem(error, path)) from None
    if len(data) > LARGEST_FILE:  # it grew since it was measured
        raise _Unreadable(_size_problem(len(data)))
    return data


def _check_regular(status: os.stat_result, path: Path) -> None:
    """Refuse anything but a regular file, naming what it is instead."""
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return
    kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    try:
        via = f" (it links to {os.readlink(path)!r})" if os.path.islink(path) else ""
    except OSError:  # the link changed meanwhile
        via = ""
    raise _Unreadable(f"is {kind}{via}, not a file: put the file itself in its place")


def _stat_problem(error: OSError, path: Path) -> str:
    """Why `path` cannot be used when even its status cannot be read."""
    if isinstance(error, FileNotFoundError):
        if os.path.lexists(path):  # the name exists: a link to nothing
            return _link_problem(path, "which does not exist")
        return "no such folder or file"
    if error.errno == errno.ELOOP:
        return _link_problem(path, "which leads round in a loop")
    return _os_problem(error, path)


def _link_problem(path: Path, what: str) -> str:
    try:
        target = repr(os.readlink(path))
    except OSError:
        target = "another name"
    return f"is a link to {target}, {what}: put the file itself in its place"


def _os_problem(error: OSError, path: Path) -> str:
    """One line for an OS error while opening or reading `path`, with what to do about it."""
    reason = error.strerror or str(error)
    if error.errno == errno.ENAMETOOLONG:
        longest = max(len(part) for part in Path(path).parts)
        if longest > 255:
            return (f"cannot be read: {reason} (a name in the path has {longest:,} characters, "
                    "more than the 255 most systems allow): shorten it")
        return (f"cannot be read: {reason} (the path has {len(str(path)):,} characters): move "
                "the model to a shorter path")
    if error.errno in (errno.EACCES, errno.EPERM):
        return (f"cannot be read: {reason}: ask for read access to it and its folder, or copy "
                "the model to a folder of your own")
    return f"cannot be read: {reason}"


def _size_problem(size: int) -> str:
    return (f"is {size / 1e6:,.1f} MB, more than the {LARGEST_FILE / 1e6:g} MB a model file may "
            "hold: delete unused rows, columns and sheets")


def _bounded_rows(rows: Iterable[list[str]], label: str, report: _Report) -> list | None:
    """The rows of a table, read one at a time up to the first bound they pass (reported, and
    None returned): LARGEST_ROWS rows under the header, LARGEST_CELLS cells, LONGEST_CELL
    characters in a cell. Stopping there keeps a huge table from costing minutes."""
    kept, cells = [], 0
    for number, row in enumerate(rows, 1):
        if number > LARGEST_ROWS + 1:
            report.add(label, None, None, f"has more than {LARGEST_ROWS:,} rows under its header, "
                       "the most a table may have (blank rows count): delete unused rows")
            return None
        cells += len(row)
        if cells > LARGEST_CELLS:
            report.add(label, number, None, f"has more than {LARGEST_CELLS:,} cells by this row, "
                       "the most a table may have: delete unused rows and columns")
            return None
        if row and max(map(len, row)) > LONGEST_CELL:
            index = next(i for i, cell in enumerate(row) if len(cell) > LONGEST_CELL)
            report.add(label, number, None, f"cell {_column_letter(index)}{number} holds "
                       f"{len(row[index]):,} characters, more than the {LONGEST_CELL:,} a cell "
                       "may hold (Excel's own limit)")
            return None
        kept.append(row)
    return kept


class _Folder:
    """A model folder: one CSV file per table."""

    def __init__(self, path: Path):
        self.path = path

    def label(self, schema: TableSchema) -> str:
        return schema.file

    def read(self, schema: TableSchema, report: _Report) -> _Table | None:
        label = schema.file
        try:
            data = _read_file(self.path / schema.file)
        except FileNotFoundError:
            return None
        except _Unreadable as problem:
            report.add(label, None, None, str(problem))
            return _Table.unreadable()
        text = _decode(data, label, report)
        if text is None:
            return _Table.unreadable()
        reader = csv.reader(text_io.StringIO(text, newline=""))
        try:
            rows = _bounded_rows(reader, label, report)
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                report.add(label, reader.line_num, None, "has a cell of more than "
                           f"{LONGEST_CELL:,} characters, the most a cell may hold (Excel's own "
                           "limit)")
            else:
                report.add(label, reader.line_num, None, f"is not valid CSV: {error}")
            return _Table.unreadable()
        if rows is None or _other_separator(rows, label, report):
            return _Table.unreadable()
        return _rows_to_table(rows, label, report)


def _other_separator(rows: list[list[str]], label: str, report: _Report) -> bool:
    """Report a CSV file whose header is one cell holding ';' or tabs: a file saved with
    another separator (as spreadsheets in many European languages do)."""
    header = next((row for row in rows if any(cell.strip() for cell in row)), [])
    named = [cell for cell in header if cell.strip()]
    if len(named) != 1:
        return False
    for separator, name in ((";", "';'"), ("\t", "tabs")):
        if len([part for part in named[0].split(separator) if part.strip()]) > 1:
            number = rows.index(header) + 1
            report.add(label, number, None, f"looks separated by {name}, not commas: save it "
                       "from your spreadsheet as comma-separated 'CSV UTF-8'")
            return True
    return False


def _decode(data: bytes, label: str, report: _Report) -> str | None:
    """CSV bytes as text: UTF-8 (with or without BOM) or UTF-16 with its BOM; else a problem."""
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
        else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding == "utf-16":
            report.add(label, None, None, "is damaged UTF-16 text: save it from your "
                       "spreadsheet as 'CSV UTF-8'")
            return None
        byte = data[error.start]
        line = data[:error.start].count(b"\n") + 1
        seen = bytes([byte]).decode("cp1252", errors="replace")
        report.add(label, line, None, f"is not UTF-8 text: byte 0x{byte:02X} ({seen!r} in "
                   "Windows-1252) cannot be read; save the file from your spreadsheet as "
                   "'CSV UTF-8'")
        return None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        report.add(label, line, None, "contains NUL characters: it is not CSV text (UTF-16 "
                   "without a byte-order mark?); save it as 'CSV UTF-8'")
        return None
    return text


class _Workbook:
    """An .xlsx workbook: one sheet per table, named like the CSV file with or without '.csv'.

    Other sheets (notes, lookups) are ignored; merged cells read as blank except the first.
    A formula cell reads as the value the spreadsheet saved with it; formulas are never
    evaluated.
    """

    def __init__(self, path: Path, report: _Report):
        self.path = path
        self.sheets: dict[str, list[list[str]]] = {}
        label = path.name
        try:
            data = _read_file(path)
        except FileNotFoundError:
            report.add(label, None, None, "no such folder or file")
            return
        except _Unreadable as problem:
            report.add(label, None, None, str(problem))
            return
        if data.startswith(_OLE_SIGNATURE):
            report.add(label, None, None, _old_or_encrypted_problem(data))
            return
        try:
            archive = zipfile.ZipFile(text_io.BytesIO(data))
        except Exception as error:  # BadZipFile, or an error in the zip's directory
            report.add(label, None, None, f"cannot be read as an .xlsx workbook "
                       f"({type(error).__name__}: {error}); save it from your spreadsheet as "
                       "'Excel Workbook (.xlsx)'")
            return
        with archive:
            self._read_sheets(archive, data, report)

    def _read_sheets(self, archive: zipfile.ZipFile, data: bytes, report: _Report) -> None:
        label = self.path.name
        problems = len(report.problems)
        try:
            files = _sheet_files(archive)
            with_formulas = _check_sheet_sizes(archive, files, label, report)
            if len(report.problems) > problems:
                return
            import openpyxl

            with warnings.catch_warnings():  # e.g. "data validation extension not supported"
                warnings.simplefilter("ignore", UserWarning)
                book = openpyxl.load_workbook(text_io.BytesIO(data), read_only=True,
                                              data_only=True)
        except Exception as error:  # zipfile and openpyxl raise many kinds on a damaged file
            report.add(label, None, None, f"cannot be read as an .xlsx workbook "
                       f"({type(error).__name__}: {error}); save it from your spreadsheet as "
                       "'Excel Workbook (.xlsx)'")
            return
        titles: dict[str, str] = {}
        try:
            for sheet in book.worksheets:
                name = sheet.title.strip().lower().removesuffix(".csv")
                if name not in SCHEMAS and name not in OTHER_SHEETS:
                    continue
                if name in titles:
                    report.add(label, None, None, f"sheets {titles[name]!r} and "
                               f"{sheet.title!r} both hold table {name!r}: keep one")
                    continue
                titles[name] = sheet.title
                sheet.reset_dimensions()  # rows as long as their cells, not a claimed size
                with warnings.catch_warnings():  # e.g. a date format on a huge number
                    warnings.simplefilter("ignore", UserWarning)
                    rows = _bounded_rows(([_cell_text(value) for value in row]
                                          for row in sheet.iter_rows(values_only=True)),
                                         f"{label}[{name}]", report)
                if rows is None:
                    continue
                self.sheets[name] = rows
                if sheet.title in with_formulas:
                    _report_unsaved_formulas(archive, files[sheet.title], rows,
                                             f"{label}[{name}]", report)
        except Exception as error:  # damaged sheet XML surfaces only while reading rows
            report.add(label, None, None, f"cannot be read as an .xlsx workbook "
                       f"({type(error).__name__}: {error})")
        finally:
            book.close()

    def label(self, schema: TableSchema) -> str:
        return f"{self.path.name}[{schema.name}]"

    def read(self, schema: TableSchema, report: _Report) -> _Table | None:
        rows = self.sheets.get(schema.name)
        if rows is None:
            return None
        return _rows_to_table(rows, self.label(schema), report)


def _old_or_encrypted_problem(data: bytes) -> str:
    """What an OLE compound file given as .xlsx is: an encrypted workbook or an old .xls."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return ("is protected by a password (encrypted): save a copy without the password "
                "(in Excel: File > Info > Protect Workbook > Encrypt with Password, and clear "
                "it) and load that")
    return ("is an Excel 97-2003 workbook (.xls), not .xlsx: save it from your spreadsheet as "
            "'Excel Workbook (.xlsx)'")


def _local(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rpartition("}")[2]


def _sheet_files(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's title and the part of the archive holding its cells; parts under
    xl/worksheets/ that no title names are listed under their own part name."""
    files: dict[str, str] = {}
    try:
        targets = {relation.get("Id"): relation.get("Target", "") for relation in
                   ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))}
        for element in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter():
            if _local(element.tag) != "sheet":
                continue
            relation = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            target = targets.get(relation, "")
            part = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join("xl", target))
            files[element.get("name", "")] = part
    except (KeyError, ElementTree.ParseError):  # openpyxl then says what is wrong
        pass
    known = set(files.values())
    for part in archive.namelist():
        if part.startswith("xl/worksheets/") and part.endswith(".xml") and part not in known:
            files[part] = part
    return files


def _check_sheet_sizes(archive: zipfile.ZipFile, files: dict[str, str], label: str,
                       report: _Report) -> set[str]:
    """Refuse a workbook that unpacks to more than LARGEST_UNPACKED bytes, a sheet with more
    than LARGEST_CELLS cells or LARGEST_ROWS rows, or sheets with more than LARGEST_CELLS cells
    together, before any sheet is parsed: counting the cells in the XML takes a fraction of a
    second where parsing them would take minutes. Returns the titles of the sheets holding
    formulas."""
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > LARGEST_UNPACKED:
        report.add(label, None, None, f"unpacks to {unpacked / 1e6:,.0f} MB, more than the "
                   f"{LARGEST_UNPACKED / 1e6:g} MB a model workbook may hold: delete unused "
                   "sheets, rows and columns")
        return set()
    with_formulas, total, parts = set(), 0, set(archive.namelist())
    for title, part in files.items():
        if part not in parts:
            continue
        cells, rows, formulas = _count_cells(archive, part, LARGEST_CELLS - total)
        total += cells
        if cells > LARGEST_CELLS:
            report.add(f"{label}[{title}]", None, None, f"holds more than {LARGEST_CELLS:,} "
                       "cells, the most a sheet may have: delete unused rows and columns, or "
                       "move this sheet to another workbook")
            break
        if total > LARGEST_CELLS:
            report.add(label, None, None, f"its sheets hold more than {LARGEST_CELLS:,} cells "
                       "together, the most a model workbook may have: delete unused rows, "
                       "columns and sheets")
            break
        if rows > LARGEST_ROWS + 1:
            report.add(f"{label}[{title}]", None, None, f"holds more than {LARGEST_ROWS:,} rows "
                       "under its header, the most a sheet may have (formatted blank rows count): "
                       "delete unused rows")
        elif formulas:
            with_formulas.add(title)
    return with_formulas


def _count_cells(archive: zipfile.ZipFile, part: str, most: int) -> tuple[int, int, bool]:
    """Cells and rows in a sheet's XML (counted until past `most` cells or LARGEST_ROWS rows)
    and whether it holds any formula, read in chunks and counted as bytes, without parsing.
    (zipfile never unpacks more than a part's declared size, which LARGEST_UNPACKED bounds.)"""
    cells = rows = 0
    formulas = False
    tags: dict[str, tuple[bytes, ...]] = {}
    carry = b""
    with archive.open(part) as stream:
        while cells <= most and rows <= LARGEST_ROWS + 1:
            chunk = stream.read(1 << 20)
            if not tags:  # the tags as this file writes them, e.g. <c ...> or <x:c ...>
                match = _SHEET_TAG.search(chunk)
                prefix = (match[1] if match else None) or b""
                tags = {name: tuple(b"<" + prefix + name.encode() + end for end in ends)
                        for name, ends in (("c", (b" ", b">")), ("row", (b" ", b">", b"/>")),
                                           ("f", (b" ", b">")))}
            buffer = carry + chunk
            # the tags counted are '<' and under 64 characters without '<': only one starting
            # after the last '<' and within 64 bytes of the end may be cut off by the chunk
            cut = buffer.rfind(b"<")
            if cut < 0 or not chunk or len(buffer) - cut > 64:
                cut = len(buffer)
            head, carry = buffer[:cut], buffer[cut:]
            cells += sum(head.count(tag) for tag in tags["c"])
            rows += sum(head.count(tag) for tag in tags["row"])
            formulas = formulas or any(tag in head for tag in tags["f"])
            if not chunk:
                break
    return cells, rows, formulas


def _report_unsaved_formulas(archive: zipfile.ZipFile, part: str, rows: list[list[str]],
                             label: str, report: _Report) -> None:
    """Report each formula cell saved without its value (as files written by programs that do
    not calculate, e.g. openpyxl, are): the workbench reads values and never evaluates."""
    header = next((row for row in rows if any(cell.strip() for cell in row)), [])
    for row, index, formula in _formulas_without_values(archive, part):
        name = header[index].strip() if index < len(header) else ""
        column = name or _column_letter(index)
        shown = f" (={formula if len(formula) <= 40 else formula[:40] + '…'})" if formula else ""
        report.add(label, row, column, f"holds a formula with no saved value{shown}: open and "
                   "save the file in a spreadsheet program, which stores the value")


def _formulas_without_values(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, str]]:
    """(row, 0-based column, formula) of every formula cell without a saved value. A formula
    whose saved value is empty text (type 'str') has a value: the empty text."""
    from openpyxl.utils.cell import coordinate_to_tuple

    found: list[tuple[int, int, str]] = []
    row_number = column = 0
    with archive.open(part) as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    row_number = int(element.get("r") or row_number + 1)
                    column = 0
                continue
            if tag == "row":
                element.clear()
            if tag != "c":
                continue
            reference = element.get("r")
            if reference:
                row_number, column = coordinate_to_tuple(reference)
            else:
                column += 1
            children = {_local(child.tag): child for child in element}
            if "f" not in children:
                continue
            value = children.get("v")
            if value is None or (not value.text and element.get("t") != "str"):
                found.append((row_number, column - 1, (children["f"].text or "").strip()))
    return found


def _cell_text(value: object) -> str:
    """A cell as the text a CSV export would hold (whole floats without '.0')."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < LARGEST_NUMBER:
        return str(int(value))
    if isinstance(value, (tuple, list)):
        return LIST_SEPARATOR.join(_cell_text(item) for item in value)
    try:
        return str(value)
    except Exception:  # an object whose str() fails is not a cell a spreadsheet could hold
        return f"<{type(value).__name__}>"


def _column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _rows_to_table(rows: list[list[str]], label: str, report: _Report) -> _Table:
    """Strip cells, drop blank rows, check the header; keep each row's spreadsheet number."""
    numbered = []
    for number, row in enumerate(rows, 1):
        cells = [unescape_formula(str(cell).strip().replace("\r\n", "\n").replace("\r", "\n"))
                 for cell in row]
        if any(cells):
            numbered.append((number, cells))
    if not numbered:
        report.add(label, None, None, "is empty: it needs at least a header row")
        return _Table.unreadable()
    header_number, header = numbered[0]
    data = numbered[1:]
    width = len(header)
    keep, names, seen = [], [], {}
    for index, column in enumerate(header):
        if not column:
            if any(index < len(row) and row[index] for _, row in data):
                report.add(label, header_number, None, f"column {_column_letter(index)} holds "
                           "values but has no name in the header row")
            continue
        if column == ROW:
            report.add(label, header_number, column, "this column name is reserved: rename it")
        elif column in seen:
            report.add(label, header_number, column, "column appears twice in the header "
                       f"(columns {_column_letter(seen[column])} and {_column_letter(index)})")
        else:
            seen[column] = index
            keep.append(index)
            names.append(column)
    for number, row in data:
        extra = [cell for cell in row[width:] if cell]
        if extra:
            report.add(label, number, None, f"has {width + len(extra)} cells but the header names "
                       f"only {width} columns (a comma inside a value needs quotes)")
    columns = {ROW: [number for number, _ in data]}
    for name, index in zip(names, keep):
        columns[name] = [row[index] if index < len(row) else "" for _, row in data]
    return _Table(columns)


# ---------------------------------------------------------------- cell parsing helpers


def _numbers(table: _Table, column: str, label: str, report: _Report, *,
             required: bool = False, minimum: float | None = None,
             integer: bool = False, default: float = math.nan) -> None:
    """Parse one column as numbers in place (a missing column becomes `default` throughout),
    reporting every blank, non-numeric or out-of-range cell."""
    if column not in table:
        table.set(column, [default] * len(table), numeric=True)
        return
    table.set(column, [_number(text, row, column, label, report, required=required,
                               minimum=minimum, integer=integer, default=default)
                       for row, text in zip(table.rows, table[column])], numeric=True)


def _number(text: str, row: int, column: str, label: str, report: _Report, *, required: bool,
            minimum: float | None, integer: bool, default: float) -> float:
    """One cell as a number (thousands separators allowed: 1,250,000)."""
    if text == "":
        if required:
            report.add(label, row, column, "is blank: a number is needed")
        return default
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        hint = ""
        plain = _plain_amount(text)
        if plain:
            hint = f" (write {plain}: the number alone, without a currency sign or k/m/bn)"
        elif re.fullmatch(r"[+-]?\d+,\d+", text):
            hint = " (write decimals with a point, e.g. 1.5)"
        elif re.search(r"\d", text) and re.search(r"[£$€%]", text):
            hint = " (write the number alone, without a currency or % sign)"
        report.add(label, row, column, f"{text!r} is not a number{hint}")
        return math.nan
    if math.isnan(number):
        report.add(label, row, column, f"{text!r} is not a number")
        return math.nan
    if abs(number) > LARGEST_NUMBER:
        report.add(label, row, column, f"{text!r} is too large: numbers must lie between "
                   "-1e15 and 1e15")
        return math.nan
    if minimum is not None and number < minimum:
        if minimum == 0:
            report.add(label, row, column, f"{text} is negative: it must be 0 or more")
        else:
            report.add(label, row, column, f"{text} is below the minimum of {minimum:g}")
        return math.nan
    if integer and not number.is_integer():
        report.add(label, row, column, f"{text} must be a whole number")
        return math.nan
    return number


def _plain_amount(text: str) -> str:
    """An amount written with a currency sign or a k/m/bn suffix ('£5,000', '60k', '1.5m') as a
    plain number ('5000', '60000', '1500000'); "" for any other text."""
    match = _AMOUNT.fullmatch(text)
    if not match or not (match["currency"] or match["suffix"]):
        return ""
    sign, digits, suffix = match["sign"], match["digits"], (match["suffix"] or "").lower()
    if "," in digits and not _THOUSANDS.fullmatch(digits):
        return ""
    try:
        amount = Decimal(digits.replace(",", "")) * _SUFFIXES[suffix]
    except InvalidOperation:
        return ""
    return sign.replace("+", "") + format(amount.normalize(), "f")


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(text).split(LIST_SEPARATOR) if part.strip())


def _check_columns(table: _Table, schema: TableSchema, label: str, report: _Report) -> bool:
    missing = [c for c in schema.required if c not in table]
    for column in missing:
        similar = [c for c in table.columns if _column_key(c) == _column_key(column)]
        hint = f" (found {similar[0]!r}: column names must match exactly)" if similar else ""
        report.add(label, 1, column, "required column is missing (expected columns: "
                   f"{', '.join(schema.required)}){hint}")
    return not missing


def _column_key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().casefold())


def _fold(value: str) -> str:
    """The form in which two ids count as the same: case and runs of spaces ignored."""
    return " ".join(value.split()).casefold()


def _check_ids(table: _Table, column: str, label: str, report: _Report, *,
               listable: bool = False) -> None:
    """Ids must be present and unique, also ignoring case and spacing (spreadsheets hide them).

    listable: the id appears in ';'-separated lists, so it must not contain ';'.
    """
    first_seen: dict[str, tuple[int, str]] = {}
    for row, value in zip(table.rows, table[column]):
        if value == "":
            report.add(label, row, column, "is blank: every row needs an id")
            continue
        if listable and LIST_SEPARATOR in value:
            report.add(label, row, column, f"{value!r} contains ';', which separates ids in "
                       "lists: use letters, digits and underscores")
        folded = _fold(value)
        if folded in first_seen:
            earlier_row, earlier = first_seen[folded]
            same = "" if earlier == value else f" as {earlier!r} (ids differing only in case " \
                "or spacing are the same)"
            report.add(label, row, column, f"duplicate id {value!r}: already on row "
                       f"{earlier_row}{same}")
        else:
            first_seen[folded] = (row, value)


def _check_lengths(table: _Table, name: str, used: set[str], label: str,
                   report: _Report) -> None:
    """Ids, names, numbers and other short cells the workbench uses hold at most LONGEST_NAME
    characters (each item of a ';'-separated list counted alone); prose (FREE_TEXT) and
    columns it does not use hold at most LONGEST_CELL."""
    for column, cells in table.columns.items():
        if column == ROW:
            continue
        short = column in used and column not in FREE_TEXT
        longest = LONGEST_NAME if short else LONGEST_CELL
        for row, text in zip(table.rows, cells):
            if len(text) <= longest:
                continue
            if not short:
                report.add(label, row, column, f"is {len(text):,} characters long, more than "
                           f"the {longest:,} a cell may hold (Excel's own limit)")
            elif (name, column) in LIST_COLUMNS:
                length = max(len(item) for item in _split_list(text))
                if length > longest:
                    report.add(label, row, column, f"lists an id of {length:,} characters, more "
                               f"than the {longest:,} an id may have")
            else:
                report.add(label, row, column, f"is {len(text):,} characters long, more than "
                           f"the {longest:,} an id, a name or a number may have (longer text "
                           "belongs in a description or note column)")


def _check_unique(table: _Table, columns: tuple[str, ...], what: str, label: str,
                  report: _Report) -> None:
    """Report rows repeating the key of an earlier row (which of the two would count?)."""
    first_seen: dict[tuple, int] = {}
    for row, *key in zip(table.rows, *(table[c] for c in columns)):
        key = tuple(-1.0 if isinstance(k, float) and math.isnan(k) else k for k in key)
        if key in first_seen:
            report.add(label, row, columns[0], f"repeats the {what} of row {first_seen[key]}: "
                       "keep one of the two rows")
        else:
            first_seen[key] = row


def _check_known(table: _Table, column: str, known: set[str], what: str, label: str,
                 report: _Report, *, allow_blank: bool = False) -> list[bool]:
    """Report references to ids that do not exist; return which rows are good."""
    good = []
    for row, value in zip(table.rows, table[column]):
        if value == "" and allow_blank:
            good.append(True)
        elif value == "":
            report.add(label, row, column, f"is blank: name a {what}")
            good.append(False)
        elif value not in known:
            report.add(label, row, column,
                       f"unknown {what} {value!r}{_suggest(value, known, report)}")
            good.append(False)
        else:
            good.append(True)
    return good


def _suggest(value: str, known: set[str], report: _Report) -> str:
    """' (did you mean ...?)' naming the known id that differs only in case or spacing, or is
    spelt most alike; "" when none is close or the load's comparisons are spent (each
    suggestion compares `value` with every known id, so a file of 100,000 unknown ids would
    otherwise take minutes: the first few hundred mistakes get suggestions)."""
    if report.comparisons_left < len(known):
        return ""
    report.comparisons_left -= len(known)
    same = sorted(k for k in known if _fold(k) == _fold(value))
    close = same or difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _ids(column: list[str]) -> set[str]:
    return set(column) - {""}


# ---------------------------------------------------------------- per-table validation


def _validate_resources(table, label, report) -> list[str]:
    """Check the limits; return the usable resource names (each becomes a column of actions)."""
    _numbers(table, "limit", label, report, required=True, minimum=0)
    _numbers(table, "year", label, report, minimum=1, integer=True)
    reserved = {*SCHEMAS["actions"].required, *SCHEMAS["actions"].optional}
    for row, name in zip(table.rows, table["resource"]):
        if name == "":
            report.add(label, row, "resource", "is blank: name the resource, e.g. 'cost'")
        elif not _NAME.fullmatch(name):
            report.add(label, row, "resource", f"{name!r} must be letters, digits and "
                       "underscores, starting with a letter")
        elif name in reserved or name.endswith(SETUP_SUFFIX):
            report.add(label, row, "resource", f"{name!r} cannot name a resource: actions.csv "
                       f"uses it for another column (names ending in {SETUP_SUFFIX!r} hold "
                       "one-off amounts)")
    _check_unique(table, ("resource", "year"), "resource and year", label, report)
    return [name for name in dict.fromkeys(table["resource"])
            if _NAME.fullmatch(name) and name not in reserved and not name.endswith(SETUP_SUFFIX)]


def _validate_actions(table, resources, label, report):
    _check_ids(table, "id", label, report, listable=True)
    _numbers(table, "duration_years", label, report, minimum=1, integer=True)
    _numbers(table, "earliest_start", label, report, minimum=1, integer=True, default=1.0)
    table.set("earliest_start", [1.0 if math.isnan(start) else start
                                 for start in table["earliest_start"]], numeric=True)
    for resource in resources:
        if resource not in table:
            report.add(label, 1, resource, f"column is missing: resources.csv names resource "
                       f"{resource!r}, so each action needs its amount per year")
        _numbers(table, resource, label, report, required=True, minimum=0)
        _numbers(table, resource + SETUP_SUFFIX, label, report, minimum=0, default=0.0)
        if resource + STOP_SUFFIX in table:  # optional: what stopping early costs
            _numbers(table, resource + STOP_SUFFIX, label, report, minimum=0, default=0.0)
    if "indicator_target" in table:
        _numbers(table, "indicator_target", label, report)
    for column in ("theme", "lead"):
        for row, value in zip(table.rows, table[column]):
            if value == "":
                report.add(label, row, column, f"is blank: every action needs a {column}")
    _numbers(table, "min_share", label, report)
    for row, share in zip(table.rows, table["min_share"]):
        if share == 0:
            report.add(label, row, "min_share", "0 is refused: a share of 0 would count as "
                       "funded for bonuses at no cost; write a small share such as 0.01 for "
                       "'any share', or leave it blank for whole or nothing")
        elif not math.isnan(share) and not 0 < share <= 1:
            report.add(label, row, "min_share", f"{share:g} must be a share above 0 and at "
                       "most 1 (e.g. 0.25: at least a quarter of the action), or blank")
    table.set("option_of", table.get("option_of"))
    ids = _ids(table["id"])
    for row, scheme in zip(table.rows, table["option_of"]):
        if scheme in ids:
            report.add(label, row, "option_of", f"scheme id {scheme!r} is also an action id: "
                       "give the scheme its own id (e.g. crisis_cafe_scheme)")
        elif scheme and (LIST_SEPARATOR in scheme or not _NAME.fullmatch(scheme)):
            report.add(label, row, "option_of", f"{scheme!r} must be letters, digits and "
                       "underscores, starting with a letter")


def _targets(actions) -> set[str]:
    """Ids that interactions and constraints may name: actions and schemes (`option_of`)."""
    return _ids(actions["id"]) | {s for s in actions.get("option_of") if s}


def _validate_reach(criteria, actions, label, actions_label, report):
    """A reach criterion's `per` names a numeric column of actions.csv: people reached."""
    criteria.set("per", criteria.get("per"))
    for row, column in zip(criteria.rows, criteria["per"]):
        if not column:
            continue
        if column not in actions or column in SCHEMAS["actions"].required:
            report.add(label, row, "per", f"{column!r} is not a column of actions.csv: name the "
                       "column that holds how many people each action reaches")
            continue
        if column not in actions.numeric:
            _numbers(actions, column, actions_label, report, required=True, minimum=0)


def _validate_profiles(table, actions, resources, label, report):
    """action, resource, year of the action's life (from 1), amount [the resource's unit]."""
    _numbers(table, "year", label, report, required=True, minimum=1, integer=True)
    _numbers(table, "amount", label, report, required=True, minimum=0)
    _check_known(table, "action", _ids(actions["id"]), "action", label, report)
    _check_known(table, "resource", set(resources), "resource", label, report)
    for row, year in zip(table.rows, table["year"]):
        if year > LONGEST_HORIZON:
            report.add(label, row, "year", f"{year:g} is beyond the longest plan of "
                       f"{LONGEST_HORIZON} years")
    _check_unique(table, ("action", "resource", "year"), "action, resource and year", label,
                  report)


def _validate_progress(table, actions, label, report):
    """action, year of the plan, status (started, running or stopped), spent [the first
    resource's unit], indicator_value [the indicator's unit], note: one row per action and year,
    a started row before any other of the action's rows, nothing after a stopped row."""
    _numbers(table, "year", label, report, required=True, minimum=1, integer=True)
    _numbers(table, "spent", label, report, minimum=0)
    _numbers(table, "indicator_value", label, report)
    _check_known(table, "action", _ids(actions["id"]), "action", label, report)
    table.set("status", [status.lower() for status in table["status"]])
    for row, status, year in zip(table.rows, table["status"], table["year"]):
        if status not in PROGRESS_STATUSES:
            report.add(label, row, "status", f"{status!r} must be one of "
                       f"{', '.join(PROGRESS_STATUSES)}")
        if year > LONGEST_HORIZON:
            report.add(label, row, "year", f"{year:g} is beyond the longest plan of "
                       f"{LONGEST_HORIZON} years: years count as in the plan, from 1")
    _check_unique(table, ("action", "year"), "action and year", label, report)
    rows: dict[str, list[tuple[float, str, int]]] = {}
    for row, action, year, status in zip(table.rows, table["action"], table["year"],
                                         table["status"]):
        if year == year and status in PROGRESS_STATUSES:
            rows.setdefault(action, []).append((year, status, row))
    for action, history in rows.items():
        history.sort()
        first_year, first_status, first_row = history[0]
        if first_status != "started":
            report.add(label, first_row, "status", f"{action!r} is {first_status} in year "
                       f"{first_year:g} but has no earlier 'started' row: add the year it started")
        for year, status, row in history[1:]:
            if status == "started":
                report.add(label, row, "status", f"{action!r} started again in year {year:g}: "
                           f"it started in year {first_year:g} (write running or stopped)")
        stops = [(year, row) for year, status, row in history if status == "stopped"]
        for year, row in ((y, r) for y, s, r in history if stops and y > stops[0][0]):
            report.add(label, row, "year", f"{action!r} has a row for year {year:g} after it "
                       f"stopped in year {stops[0][0]:g}: remove it")


def _validate_criteria(table, label, report):
    _check_ids(table, "id", label, report)
    _numbers(table, "weight", label, report, required=True, minimum=0)
    _numbers(table, "scale_min", label, report, required=True)
    _numbers(table, "scale_max", label, report, required=True)
    _numbers(table, "weight_low", label, report, minimum=0)
    _numbers(table, "weight_high", label, report, minimum=0)
    table.set("direction", [value.lower() for value in table["direction"]])
    rows = zip(table.rows, table["direction"], table["scale_min"], table["scale_max"],
               table["weight"], table["weight_low"], table["weight_high"])
    _numbers(table, "baseline", label, report)
    for row, direction, scale_min, scale_max, baseline in zip(
            table.rows, table["direction"], table["scale_min"], table["scale_max"],
            table["baseline"]):
        best = scale_min if direction == "lower" else scale_max
        if not math.isnan(baseline) and (not scale_min <= baseline <= scale_max
                                         or baseline == best):
            report.add(label, row, "baseline", f"{baseline:g} must lie on the scale "
                       f"{scale_min:g}..{scale_max:g} and not at its best end ({best:g}): it is "
                       "the score of doing nothing")
    for row, direction, scale_min, scale_max, weight, low, high in rows:
        if direction == "":
            report.add(label, row, "direction", "is blank: write 'higher' or 'lower' (which end "
                       "of the scale is better)")
        elif direction not in DIRECTIONS:
            report.add(label, row, "direction", f"{direction!r} must be 'higher' or 'lower'")
        if scale_min >= scale_max:
            report.add(label, row, "scale_max",
                       f"scale_max {scale_max:g} must be above scale_min {scale_min:g}")
        if low > weight or high < weight:
            report.add(label, row, "weight", f"weight {weight:g} lies outside "
                       f"weight_low..weight_high ({low:g}..{high:g})")
    weights = table["weight"]
    if not len(table):
        report.add(label, None, None, "has no criteria: at least one is needed")
    elif not any(math.isnan(w) for w in weights) and sum(weights) <= 0:
        report.add(label, 1, "weight", "the weights add up to zero: at least one must be positive")


def _validate_scores(table, actions, criteria, stakeholders, label, report):
    _numbers(table, "score", label, report, required=True)
    _numbers(table, "low", label, report)
    _numbers(table, "high", label, report)
    table.set("stakeholder", table.get("stakeholder"))
    good_action = _check_known(table, "action", _ids(actions["id"]), "action", label, report)
    good_criterion = _check_known(table, "criterion", _ids(criteria["id"]), "criterion",
                                  label, report)
    if stakeholders:
        _check_known(table, "stakeholder", stakeholders, "stakeholder", label, report,
                     allow_blank=True)
    scales = {}
    for criterion, low, high in zip(criteria["id"], criteria["scale_min"], criteria["scale_max"]):
        if criterion not in scales and low < high:  # a broken scale is reported in criteria.csv
            scales[criterion] = (low, high)
    scored = set()
    rows = zip(table.rows, table["action"], table["criterion"], table["score"], table["low"],
               table["high"], good_action, good_criterion)
    for row, action, criterion, score, low, high, action_ok, criterion_ok in rows:
        if not (action_ok and criterion_ok):
            continue
        scored.add((action, criterion))
        if criterion not in scales:
            continue
        scale_min, scale_max = scales[criterion]
        for column, value in (("score", score), ("low", low), ("high", high)):
            if not math.isnan(value) and not scale_min <= value <= scale_max:
                report.add(label, row, column, f"{value:g} is outside the scale "
                           f"{scale_min:g}..{scale_max:g} of criterion {criterion!r}")
        if low > score or high < score:
            report.add(label, row, "score", f"score {score:g} lies outside low..high "
                       f"({low:g}..{high:g})")
    criteria_ids = [c for c in dict.fromkeys(criteria["id"]) if c]
    for action in dict.fromkeys(actions["id"]):
        missing = [c for c in criteria_ids if (action, c) not in scored]
        if action and missing:
            report.add(label, None, None, f"action {action!r} has no score on "
                       f"{', '.join(map(repr, missing))}: add a row action,criterion,score")


def _schemes(actions) -> dict[str, list[str]]:
    schemes: dict[str, list[str]] = {}
    for action, scheme in zip(actions["id"], actions.get("option_of")):
        if scheme:
            schemes.setdefault(scheme, []).append(action)
    return schemes


def _validate_interactions(table, actions, label, report):
    given = {column: table.get(column) for column in ("threshold", "bonus")}
    _numbers(table, "threshold", label, report, integer=True)
    _numbers(table, "bonus", label, report)
    _numbers(table, "lag", label, report, minimum=0, integer=True, default=0.0)
    table.set("lag", [0.0 if math.isnan(lag) else lag for lag in table["lag"]], numeric=True)
    table.set("kind", [value.lower() for value in table["kind"]])
    for column in ("note", "name"):
        table.set(column, table.get(column))
    action_ids = _targets(actions)
    members, names, requires, first_seen, repeats = [], [], [], {}, set()
    rows = zip(table.rows, table["kind"], table["actions"], table["name"], table["threshold"],
               given["threshold"], given["bonus"])
    for row, kind, listed, given_name, threshold, threshold_text, bonus_text in rows:
        ids = _split_list(listed)
        members.append(ids)
        names.append(_interaction_name(given_name, kind, ids))
        for action in ids:
            if action not in action_ids:
                report.add(label, row, "actions", f"unknown action {action!r}"
                           f"{_suggest(action, action_ids, report)}")
        repeated = len(set(ids)) != len(ids)
        if repeated:
            report.add(label, row, "actions", "lists the same action twice")
        if kind == "":
            report.add(label, row, "kind", f"is blank: write one of {', '.join(INTERACTION_KINDS)}")
            continue
        if kind not in INTERACTION_KINDS:
            report.add(label, row, "kind", f"{kind!r} must be one of {', '.join(INTERACTION_KINDS)}")
            continue
        if kind == "synergy" and len(ids) != 2:
            report.add(label, row, "actions", f"a synergy links exactly two actions, not {len(ids)}")
        elif kind == "requires" and len(ids) != 2:
            report.add(label, row, "actions", "'requires' takes exactly two actions: x;y "
                       "(x may be funded only if y is)")
        elif len(ids) < 2:
            report.add(label, row, "actions", f"a {kind} needs at least two actions")
        elif not repeated:
            key = (kind, ids if kind == "requires" else frozenset(ids))
            if kind != "critical_mass" and key in first_seen:
                repeats.add(row)
                report.add(label, row, "actions", f"repeats the {kind} of row {first_seen[key]}: "
                           "keep one of the two rows")
            first_seen.setdefault(key, row)
            if kind == "requires":
                requires.append((ids[0], ids[1], row))
        if kind in ("synergy", "critical_mass") and bonus_text == "":
            report.add(label, row, "bonus", f"a {kind} needs a bonus in value points")
        if kind == "critical_mass":
            if threshold_text == "":
                report.add(label, row, "threshold", "a critical_mass needs a threshold (how many "
                           "of its actions must run together)")
            elif not math.isnan(threshold) and not 1 <= threshold <= len(ids):
                report.add(label, row, "threshold", f"{threshold:g} must be between 1 and the "
                           f"{len(ids)} actions listed")
    table.set("members", members)
    table.set("name", names)
    schemes = _schemes(actions)
    for row, ids in zip(table.rows, members):
        both = [f"{s} and its version {v}" for s in ids for v in schemes.get(s, ()) if v in ids]
        if both:
            report.add(label, row, "actions", f"lists {both[0]}: name the scheme or one version")
    first_name: dict[str, int] = {}
    for row, name in zip(table.rows, names):
        if name in first_name and row not in repeats:
            report.add(label, row, "name", f"interaction name {name!r} is already used on row "
                       f"{first_name[name]}")
        first_name.setdefault(name, row)
    _check_requires_cycles(requires, label, report)


def _interaction_name(given: str, kind: str, ids: tuple[str, ...]) -> str:
    """A readable constraint-safe name: the given one, or built from the kind and actions
    (not the row, so sorting the rows keeps the names); long ones end in a short hash."""
    text = re.sub(r"[^A-Za-z0-9_]", "_", given or f"{kind}_{'_'.join(ids)}")
    if len(text) > NAME_LENGTH:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
        text = f"{text[:NAME_LENGTH - 9]}_{digest}"
    return text


def _check_requires_cycles(requires: list[tuple[str, str, int]], label: str,
                           report: _Report) -> None:
    """`requires` must not loop (a needs b needs a): no action in a loop could ever start first.

    requires: (x, y, row) for each row 'x requires y'. Depth-first search without recursion,
    so a long chain of requirements cannot exhaust Python's stack.
    """
    needs: dict[str, list[tuple[str, int]]] = {}
    for needing, needed, row in requires:
        needs.setdefault(needing, []).append((needed, row))
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in needs:
        if start in state:
            continue
        state[start] = 1
        path, stack = [start], [iter(needs[start])]
        while stack:
            for target, row in stack[-1]:
                if state.get(target) == 1:
                    loop = path[path.index(target):] + [target]
                    report.add(label, row, "actions", "'requires' forms a cycle: "
                               + " requires ".join(loop) + "; remove one of these rows")
                elif target not in state:
                    state[target] = 1
                    path.append(target)
                    stack.append(iter(needs.get(target, ())))
                    break
            else:
                state[path.pop()] = 2
                stack.pop()


def _validate_constraints(table, actions, label, report):
    table.set("kind", [value.lower() for value in table["kind"]])
    given = table.get("value")
    _numbers(table, "value", label, report, minimum=0, integer=True)
    action_ids = _targets(actions)
    targets = {"include": action_ids, "exclude": action_ids,
               "theme_min": _ids(actions["theme"]), "theme_max": _ids(actions["theme"]),
               "lead_max": _ids(actions["lead"])}
    included: dict[str, int] = {}
    for row, kind, target, value in zip(table.rows, table["kind"], table["target"], given):
        if kind not in CONSTRAINT_KINDS:
            report.add(label, row, "kind", f"{kind!r} must be one of {', '.join(CONSTRAINT_KINDS)}")
            continue
        what = {"include": "action", "exclude": "action", "lead_max": "lead"}.get(kind, "theme")
        if target == "":
            report.add(label, row, "target", f"is blank: name the {what}")
        elif target not in targets[kind]:
            report.add(label, row, "target", f"unknown {what} {target!r}"
                       f"{_suggest(target, targets[kind], report)}")
        if kind not in ("include", "exclude") and value == "":
            report.add(label, row, "value", f"{kind} needs a count of actions")
        if kind == "include":
            included.setdefault(target, row)
    for row, kind, target in zip(table.rows, table["kind"], table["target"]):
        if kind == "exclude" and target in included:
            report.add(label, row, "target", f"action {target!r} is both included (row "
                       f"{included[target]}) and excluded: keep one of the two rows")


def _validate_funding(table, actions, resources, label, report):
    _numbers(table, "limit", label, report, required=True, minimum=0)
    _numbers(table, "year", label, report, minimum=1, integer=True)
    resource_names = set(resources)
    given = table.get("resource")
    for row, resource in zip(table.rows, given):
        if resource == "" and "cost" not in resource_names:
            report.add(label, row, "resource", "is blank and the model has no 'cost' resource: "
                       "name the resource this stream pays towards")
        elif resource and resource not in resource_names:
            report.add(label, row, "resource", f"unknown resource {resource!r}"
                       f"{_suggest(resource, resource_names, report)}")
    table.set("resource", [resource or "cost" for resource in given])
    for column, known, what in (("themes", _ids(actions["theme"]), "theme"),
                                ("actions", _ids(actions["id"]), "action")):
        table.set(column, [_split_list(text) for text in table.get(column)])
        for row, items in zip(table.rows, table[column]):
            for item in items:
                if item not in known:
                    report.add(label, row, column,
                               f"unknown {what} {item!r}{_suggest(item, known, report)}")
    for row, name in zip(table.rows, table["stream"]):
        if name == "":
            report.add(label, row, "stream", "is blank: name the funding stream")
    _check_unique(table, ("stream", "year"), "stream and year", label, report)
    first_resource: dict[str, tuple[str, int]] = {}
    for row, stream, resource in zip(table.rows, table["stream"], table["resource"]):
        earlier = first_resource.setdefault(stream, (resource, row))
        if earlier[0] != resource:
            report.add(label, row, "resource", f"stream {stream!r} pays towards {earlier[0]!r} "
                       f"on row {earlier[1]}: a stream pays towards one resource only")


def _validate_settings(table, label, report) -> dict:
    settings = dict(SETTINGS_DEFAULTS)
    _check_unique(table, ("setting",), "setting", label, report)
    for row, key, value in zip(table.rows, table["setting"], table["value"]):
        if key == "horizon_years":
            if not re.fullmatch(r"[0-9]+", value) or not 1 <= int(value) <= LONGEST_HORIZON:
                report.add(label, row, "value", f"horizon_years {value!r} must be a whole "
                           f"number of years from 1 to {LONGEST_HORIZON}")
            else:
                settings[key] = int(value)
        elif key == "aggregation":
            if value.lower() not in ("mean", "median"):
                report.add(label, row, "value", f"aggregation {value!r} must be mean or median")
            else:
                settings[key] = value.lower()
        elif key in ("title", "description"):  # text shown at the top of notebooks and reports
            limit = 200 if key == "title" else 1_000  # as any short cell
            if len(value) > limit:
                report.add(label, row, "value", f"{key} has {len(value):,} characters: keep it "
                           f"to {limit:,} (a line for the title, a paragraph for the description)")
            else:
                settings[key] = value.strip()
        else:
            report.add(label, row, "setting", f"unknown setting {key!r} (known: "
                       f"{', '.join(SETTINGS_DEFAULTS)})")
    return settings


def _validate_portfolios(table, actions, label, report):
    for row, name in zip(table.rows, table["portfolio"]):
        if name == "":
            report.add(label, row, "portfolio", "is blank: name the reference portfolio")
    _check_known(table, "action", _ids(actions["id"]), "action", label, report)
    _check_unique(table, ("portfolio", "action"), "portfolio and action", label, report)


def _validate_weights(table, criteria, stakeholders, label, report):
    _numbers(table, "weight", label, report, required=True, minimum=0)
    _check_known(table, "criterion", _ids(criteria["id"]), "criterion", label, report)
    _check_known(table, "stakeholder", stakeholders, "stakeholder", label, report)
    _check_unique(table, ("stakeholder", "criterion"), "stakeholder and criterion", label, report)
    totals: dict[str, list] = {}
    for row, stakeholder, weight in zip(table.rows, table["stakeholder"], table["weight"]):
        totals.setdefault(stakeholder, [row, 0.0])[1] += weight
    for stakeholder, (row, total) in totals.items():
        if stakeholder and total <= 0:  # NaN (already reported) compares False
            report.add(label, row, "weight", f"the weights of stakeholder {stakeholder!r} add "
                       "up to zero: at least one must be positive")



# ---------------------------------------------------------------- the public entry points


def load(path: str | Path) -> Model:
    """Read and validate a model folder or .xlsx workbook; raise ModelError listing every problem."""
    path = Path(path)
    report = _Report()
    if _is_folder(path):
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


def _is_folder(path: Path) -> bool:
    """Whether `path` is a folder; a ModelError naming it when it cannot be used at all (absent,
    a broken link, a path the system refuses, a folder whose files cannot be opened)."""
    try:
        folder = stat.S_ISDIR(os.stat(path).st_mode)
    except OSError as error:
        raise ModelError(Problem(str(path), None, None, _stat_problem(error, path))) from None
    if folder:
        try:  # opening files in a folder needs its search permission
            os.lstat(path / SCHEMAS["actions"].file)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise ModelError(Problem(str(path), None, None, _os_problem(error, path))) from None
    return folder


def from_tables(tables: dict[str, pd.DataFrame], source: str = "<memory>") -> Model:
    """Validate in-memory tables (as the CSV files would hold them) into a Model.

    Cells may be text, numbers or missing; tuples and lists become ';'-separated lists.
    The index is ignored. Problems name the table's CSV file, e.g. 'actions.csv:3:cost'.
    """
    if not isinstance(tables, dict):
        raise ModelError(Problem("tables", None, None, "must be a dict of table name to "
                                 f"DataFrame, not {type(tables).__name__}"))
    report = _Report()
    raw = {}
    for name, frame in tables.items():
        if name not in SCHEMAS:
            raise ModelError(Problem(str(name), None, None, f"unknown table (known: "
                                     f"{', '.join(SCHEMAS)})"))
        if not isinstance(frame, pd.DataFrame):
            raise ModelError(Problem(SCHEMAS[name].file, None, None, "must be a pandas "
                                     f"DataFrame, not {type(frame).__name__}"))
        columns = [frame.iloc[:, position].tolist() for position in range(frame.shape[1])]
        rows = [[_cell_text(column) for column in frame.columns],
                *([_cell_text(value) for value in record] for record in zip(*columns))]
        raw[name] = _rows_to_table(rows, SCHEMAS[name].file, report)
    labels = {name: schema.file for name, schema in SCHEMAS.items()}
    return _validate(raw, labels, report, source)


def _validate(raw: dict[str, _Table | None], labels: dict[str, str], report: _Report,
              source: str) -> Model:
    """Check every table and every cross-reference, then build the Model or raise once."""
    tables: dict[str, _Table] = {}
    for name, schema in SCHEMAS.items():
        table = raw.get(name)
        if table is None and schema.required_file:
            report.add(labels[name], None, None, "is missing: every model needs this table")
        if table is None or len(table.columns) == 1 or not _check_columns(
                table, schema, labels[name], report):
            table = _Table({ROW: [], **{column: [] for column in schema.required}})
        tables[name] = table
    report.raise_if_any()
    amounts = {name + suffix for name in tables["resources"]["resource"]
               for suffix in ("", SETUP_SUFFIX)}
    for name, schema in SCHEMAS.items():
        used = {*schema.required, *schema.optional, *(amounts if name == "actions" else ())}
        _check_lengths(tables[name], name, used, labels[name], report)
    report.raise_if_any()

    settings = _validate_settings(tables["settings"], labels["settings"], report)
    resources = tables["resources"]
    resource_names = _validate_resources(resources, labels["resources"], report)
    if not len(resources):
        report.add(labels["resources"], None, None, "has no resources: at least one limit is needed")
    actions = tables["actions"]
    _validate_actions(actions, resource_names, labels["actions"], report)
    if not len(actions):
        report.add(labels["actions"], None, None, "has no actions")
    criteria = tables["criteria"]
    _validate_criteria(criteria, labels["criteria"], report)
    _validate_reach(criteria, actions, labels["criteria"], labels["actions"], report)
    stakeholders = tables["stakeholders"]
    _check_ids(stakeholders, "stakeholder", labels["stakeholders"], report)
    known_stakeholders = _ids(stakeholders["stakeholder"])
    scores = tables["scores"]
    _validate_scores(scores, actions, criteria, known_stakeholders, labels["scores"], report)
    _validate_interactions(tables["interactions"], actions, labels["interactions"], report)
    _validate_constraints(tables["constraints"], actions, labels["constraints"], report)
    funding = tables["funding"]
    _validate_funding(funding, actions, resource_names, labels["funding"], report)
    _validate_portfolios(tables["portfolios"], actions, labels["portfolios"], report)
    _validate_profiles(tables["profiles"], actions, resource_names, labels["profiles"], report)
    _validate_progress(tables["progress"], actions, labels["progress"], report)
    _validate_weights(tables["weights"], criteria,
                      known_stakeholders or _ids(scores["stakeholder"]), labels["weights"], report)
    report.raise_if_any()

    return Model(
        actions=actions.frame(index="id"),
        resources=resources.frame(["resource", "limit", "year", "name", "unit"]),
        criteria=criteria.frame(index="id"),
        scores=scores.frame(["action", "criterion", "stakeholder", "score", "low", "high"]),
        interactions=tables["interactions"].frame(
            ["kind", "members", "threshold", "bonus", "lag", "note", "name"]),
        constraints=tables["constraints"].frame(["kind", "target", "value"]),
        funding=funding.frame(["stream", "resource", "limit", "year", "themes", "actions",
                               "description"]),
        portfolios=tables["portfolios"].frame(),
        stakeholders=stakeholders.frame(),
        weights=tables["weights"].frame(),
        settings=settings,
        source=source,
        profiles=tables["profiles"].frame(["action", "resource", "year", "amount"]),
        progress=tables["progress"].frame(["action", "year", "status", "spent",
                                           "indicator_value", "note"]),
    )


# ---------------------------------------------------------------- one table, for other modules


def read_table(path: str | Path, name: str) -> tuple[pd.DataFrame | None, str]:
    """One table read exactly as `load` reads it, without validating its values.

    path: a model folder (its `<name>.csv`), an .xlsx workbook (its sheet `name`) or a CSV file.
    Cells are text, stripped, with formula escapes undone; blank rows are dropped and each row
    keeps its spreadsheet number under ROW. Returns the table and its label (as problems name
    it), or None and the label when there is no such table; an empty file gives a table with
    no columns. An unreadable file or a broken layout (unnamed or repeated columns, rows with
    more cells than the header) raises one ModelError.
    """
    path = Path(path)
    return _read_one(path, name, _open_workbook(path))


def read_tables(path: str | Path, names) -> dict[str, tuple[pd.DataFrame | None, str]]:
    """Several tables of one model folder or workbook, each as `read_table` reads it (a
    workbook is opened once). A table that cannot be read is left out of the answer; read it
    alone with `read_table` for its problems."""
    path = Path(path)
    try:
        book = _open_workbook(path)
    except ModelError:
        return {}
    tables = {}
    for name in names:
        try:
            tables[name] = _read_one(path, name, book)
        except ModelError:
            continue
    return tables


def _open_workbook(path: Path) -> _Workbook | None:
    """The workbook at `path`, read once; None for a folder or a CSV file."""
    if path.suffix.lower() != ".xlsx" or not path.is_file():
        return None
    report = _Report()
    book = _Workbook(path, report)
    report.raise_if_any()
    return book


def _read_one(path: Path, name: str, book: _Workbook | None) -> tuple[pd.DataFrame | None, str]:
    report = _Report()
    if path.is_dir():
        path = path / f"{name}.csv"
    if path.suffix.lower() == ".xlsx":
        label = f"{path.name}[{name}]"
        rows = book.sheets.get(name) if book is not None else None
        table = None if rows is None else _rows_to_table(rows, label, report)
    else:
        label = path.name
        table = _Folder(path.parent).read(_OneFile(path.name), report)
    if table is None:
        return None, label
    empty = [p for p in report.problems if p.message.startswith("is empty")]
    if empty and len(report.problems) == 1:
        return pd.DataFrame({ROW: pd.Series(dtype=int)}), label
    report.raise_if_any()
    return pd.DataFrame(table.columns, dtype=object), label


class _OneFile:
    """Stands for a schema where only the file name is needed (a CSV file outside SCHEMAS)."""

    def __init__(self, file: str):
        self.file = file


def parse_number(text: str) -> tuple[float, str]:
    """A cell read as `load` reads a number (thousands separators allowed: 1,250,000).

    Returns the number and "", or NaN and what is wrong with the text (e.g. "'x' is not a
    number"); a blank cell gives NaN and "".
    """
    report = _Report()
    number = _number(text, 0, "", "", report, required=False, minimum=None, integer=False,
                     default=math.nan)
    return number, report.problems[0].message if report.problems else ""
