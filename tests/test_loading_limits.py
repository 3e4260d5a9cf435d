"""Loading within bounds (issue 14, findings 6, 7, 10 and 11; issue 13's loader points).

Hostile or mistaken inputs must be refused before the work starts, each with one exact
`file:row:column: message` line: files too large, tables with too many rows or cells, cells and
names too long; special files (named pipes, devices, broken or looping links) in place of a
model file; errors the system reports (permission, names too long); and inputs whose message
used not to say what is wrong (a ';'-separated CSV, an encrypted or old workbook, a formula cell
without a saved value). Tests run as root, who may read anything, so a refused permission is
simulated by making the system call raise what it raises for other users.
"""
from __future__ import annotations

import contextlib
import csv
import errno
import os
import re
import signal
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

import workbench as wb
from workbench import cli
from workbench.io import (
    LARGEST_CELLS,
    LARGEST_FILE,
    LARGEST_ROWS,
    LARGEST_UNPACKED,
    LONGEST_CELL,
    LONGEST_NAME,
    SUGGESTION_COMPARISONS,
)

SHEET_PART = "xl/worksheets/sheet1.xml"  # where openpyxl writes a workbook's first sheet
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# ---------------------------------------------------------------- helpers


@contextlib.contextmanager
def alarm(seconds: float = 10):
    """Turn a load that never returns (a pipe waiting for a writer) into a failure."""
    def stop(signum, frame):
        raise TimeoutError(f"the load ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def problems(path: Path) -> list[str]:
    with alarm(), pytest.raises(wb.ModelError) as info:
        wb.load(path)
    return [str(problem) for problem in info.value.problems]


def only_problem(path: Path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def read_rows(folder: Path, file: str) -> list[list[str]]:
    with open(folder / file, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(folder: Path, file: str, rows: list[list[str]]) -> None:
    with open(folder / file, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def edit(folder: Path, file: str, row: int, column: str, value: str) -> None:
    rows = read_rows(folder, file)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(folder, file, rows)


def write_workbook(folder: Path, path: Path) -> None:
    """The model folder as a workbook, one sheet per CSV file (numbers as numbers)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for file in sorted(folder.glob("*.csv")):
        sheet = book.create_sheet(file.stem)
        for row in read_rows(folder, file.name):
            sheet.append([float(cell) if cell.replace(".", "", 1).isdigit() else cell
                          for cell in row])
    book.save(path)


def replace_part(path: Path, part: str, content: bytes) -> None:
    """Rewrite one part (file) inside a workbook's zip archive."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[part] = content
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def sheet_xml(rows: bytes, dimension: str = "") -> bytes:
    claimed = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (f'<worksheet xmlns="{MAIN}">'.encode() + claimed + b"<sheetData>" + rows
            + b"</sheetData></worksheet>")


def one_sheet_workbook(path: Path, rows: bytes) -> None:
    """A workbook whose only sheet, 'actions', holds the given <row> elements."""
    book = openpyxl.Workbook()
    book.active.title = "actions"
    book.save(path)
    replace_part(path, SHEET_PART, sheet_xml(rows))


def run_cli(argv: list[str], capsys) -> tuple[int, list[str]]:
    code = cli.main(argv)
    return code, capsys.readouterr().err.splitlines()


# ---------------------------------------------------------------- file size


def test_a_csv_file_over_the_size_limit_is_refused_unread(example_folder):
    with open(example_folder / "scores.csv", "r+b") as handle:
        handle.truncate(25_000_000)  # sparse: the size is refused before a byte is read
    assert only_problem(example_folder) == (
        "scores.csv: is 25.0 MB, more than the 20 MB a model file may hold: delete unused rows, "
        "columns and sheets")


def test_a_workbook_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "model.xlsx"
    with open(path, "wb") as handle:
        handle.truncate(LARGEST_FILE + 1)
    assert only_problem(path) == (
        "model.xlsx: is 20.0 MB, more than the 20 MB a model file may hold: delete unused rows, "
        "columns and sheets")


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(example_folder, tmp_path):
    path = tmp_path / "model.xlsx"
    write_workbook(example_folder, path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/filler.bin", bytes(LARGEST_UNPACKED))  # compresses to ~200 kB
    assert path.stat().st_size < 1_000_000
    assert only_problem(path) == (
        "model.xlsx: unpacks to 200 MB, more than the 200 MB a model workbook may hold: delete "
        "unused sheets, rows and columns")


# ---------------------------------------------------------------- rows and cells


def test_a_dense_sheet_is_refused_in_about_a_second(tmp_path):
    """1,000,100 cells in 267 kB (the issue's 267 kB sheet took 65 s to refuse)."""
    path = tmp_path / "dense.xlsx"
    one_sheet_workbook(path, (b"<row>" + b"<c><v>1</v></c>" * 100 + b"</row>") * 10_001)
    started = time.perf_counter()
    assert only_problem(path) == (
        "dense.xlsx[actions]: holds more than 1,000,000 cells, the most a sheet may have: delete "
        "unused rows and columns, or move this sheet to another workbook")
    assert time.perf_counter() - started < 5  # about 0.2 s on an idle 2-core machine


def test_cells_written_with_a_namespace_prefix_are_counted_too(tmp_path):
    """Some writers spell the tags <x:row>, <x:c>: 1,000,001 such cells, no space wasted."""
    path = tmp_path / "prefixed.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "actions"
    book.save(path)
    cells = b'<x:row r="1">' + b'<x:c r="A1"><x:v>1</x:v></x:c>' * 1_000_001 + b"</x:row>"
    replace_part(path, SHEET_PART, f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>'.encode()
                 + cells + b"</x:sheetData></x:worksheet>")
    assert only_problem(path) == (
        "prefixed.xlsx[actions]: holds more than 1,000,000 cells, the most a sheet may have: "
        "delete unused rows and columns, or move this sheet to another workbook")


def test_sheets_over_the_bound_together_are_refused(tmp_path):
    """Two sheets of 600,000 cells each: each within the bound, together beyond it."""
    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "actions"
    book.create_sheet("scores")
    book.save(path)
    rows = (b"<row>" + b"<c><v>1</v></c>" * 100 + b"</row>") * 6_000
    replace_part(path, SHEET_PART, sheet_xml(rows))
    replace_part(path, "xl/worksheets/sheet2.xml", sheet_xml(rows))
    assert only_problem(path) == (
        "two.xlsx: its sheets hold more than 1,000,000 cells together, the most a model workbook "
        "may have: delete unused rows, columns and sheets")


def test_a_sheet_of_blank_rows_is_refused(tmp_path):
    path = tmp_path / "rows.xlsx"
    one_sheet_workbook(path, b"<row/>" * (LARGEST_ROWS + 2))
    assert only_problem(path) == (
        "rows.xlsx[actions]: holds more than 100,000 rows under its header, the most a sheet may "
        "have (formatted blank rows count): delete unused rows")


def test_a_sheet_claiming_the_whole_grid_loads_only_its_cells(example_folder, example_model,
                                                             tmp_path):
    """A used range of A1:XFD1048576 (17 billion cells, e.g. after formatting whole rows) is not
    believed: rows are read as far as their cells go."""
    path = tmp_path / "model.xlsx"
    write_workbook(example_folder, path)
    with zipfile.ZipFile(path) as archive:
        names = {name for name in archive.namelist() if name.startswith("xl/worksheets/")}
        sheet = archive.read(SHEET_PART)
    assert SHEET_PART in names
    claimed, count = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>',
                             sheet)
    assert count == 1
    replace_part(path, SHEET_PART, claimed)
    started = time.perf_counter()
    with alarm(60):
        model = wb.load(path)
    assert time.perf_counter() - started < 10
    assert model.actions.index.tolist() == example_model.actions.index.tolist()


def test_a_csv_file_with_too_many_rows_is_refused(example_folder):
    rows = read_rows(example_folder, "portfolios.csv")
    write_rows(example_folder, "portfolios.csv",
               rows[:1] + [["roundtable", "crisis_cafe"]] * (LARGEST_ROWS + 1))
    assert only_problem(example_folder) == (
        "portfolios.csv: has more than 100,000 rows under its header, the most a table may have "
        "(blank rows count): delete unused rows")


def test_a_csv_file_with_too_many_cells_is_refused_at_the_row_that_passes_the_bound(
        example_folder):
    width = 1_001
    write_rows(example_folder, "weights.csv",
               [["stakeholder", "criterion", "weight", *(f"x{i}" for i in range(width - 3))]]
               + [["a"] * width] * 1_000)
    row = LARGEST_CELLS // width + 1
    assert only_problem(example_folder) == (
        f"weights.csv:{row}: has more than 1,000,000 cells by this row, the most a table may "
        "have: delete unused rows and columns")


# ---------------------------------------------------------------- long cells


def test_a_name_of_100000_characters_is_refused(example_folder):
    edit(example_folder, "actions.csv", 3, "name", "n" * 100_000)
    assert only_problem(example_folder) == (
        "actions.csv:3: cell B3 holds 100,000 characters, more than the 32,767 a cell may hold "
        "(Excel's own limit)")


def test_a_cell_beyond_the_csv_modules_own_limit_is_refused_alike(example_folder):
    edit(example_folder, "actions.csv", 3, "description", "d" * 200_000)
    assert only_problem(example_folder) == (
        "actions.csv:3: has a cell of more than 32,767 characters, the most a cell may hold "
        "(Excel's own limit)")


@pytest.mark.parametrize("file, row, column", [
    ("actions.csv", 3, "name"), ("actions.csv", 2, "id"), ("actions.csv", 4, "cost"),
    ("criteria.csv", 2, "name"), ("scores.csv", 5, "stakeholder"),
    ("funding.csv", 2, "stream")])
def test_ids_names_and_numbers_over_1000_characters_are_refused(example_folder, file, row,
                                                                column):
    edit(example_folder, file, row, column, "x" * (LONGEST_NAME + 1))
    assert only_problem(example_folder) == (
        f"{file}:{row}:{column}: is 1,001 characters long, more than the 1,000 an id, a name or "
        "a number may have (longer text belongs in a description or note column)")


def test_an_id_in_a_list_is_bounded_alone(example_folder):
    edit(example_folder, "interactions.csv", 2, "actions", "a;" + "b" * 1_500)
    assert only_problem(example_folder) == (
        "interactions.csv:2:actions: lists an id of 1,500 characters, more than the 1,000 an id "
        "may have")


def test_prose_may_be_long_up_to_excels_limit(example_folder):
    edit(example_folder, "actions.csv", 3, "description", "d" * LONGEST_CELL)
    edit(example_folder, "actions.csv", 3, "evidence", "e" * 5_000)
    model = wb.load(example_folder)
    assert len(model.actions["description"].iloc[1]) == LONGEST_CELL


def test_from_tables_bounds_names_and_cells_too():
    from workbench.examples import random_tables

    tables = random_tables(6, seed=3)
    tables["actions"].loc[0, "name"] = "n" * 2_000
    tables["actions"].loc[1, "description"] = "d" * 40_000
    with pytest.raises(wb.ModelError) as info:
        wb.from_tables(tables)
    assert [str(problem) for problem in info.value.problems] == [
        "actions.csv:2:name: is 2,000 characters long, more than the 1,000 an id, a name or a "
        "number may have (longer text belongs in a description or note column)",
        "actions.csv:3:description: is 40,000 characters long, more than the 32,767 a cell may "
        "hold (Excel's own limit)"]


# ---------------------------------------------------------------- special files


def test_a_named_pipe_is_named_not_waited_on(example_folder):
    (example_folder / "interactions.csv").unlink()
    os.mkfifo(example_folder / "interactions.csv")
    assert only_problem(example_folder) == (
        "interactions.csv: is a named pipe (FIFO), not a file: put the file itself in its place")


def test_a_link_to_a_device_is_named_not_read(example_folder):
    (example_folder / "scores.csv").unlink()
    (example_folder / "scores.csv").symlink_to("/dev/zero")
    assert only_problem(example_folder) == (
        "scores.csv: is a device (it links to '/dev/zero'), not a file: put the file itself in "
        "its place")


def test_an_optional_file_that_is_a_broken_link_is_not_taken_as_absent(example_folder):
    (example_folder / "interactions.csv").unlink()
    (example_folder / "interactions.csv").symlink_to("shared/interactions.csv")
    assert only_problem(example_folder) == (
        "interactions.csv: is a link to 'shared/interactions.csv', which does not exist: put "
        "the file itself in its place")


def test_an_optional_file_that_is_a_looping_link_is_not_taken_as_absent(example_folder):
    (example_folder / "constraints.csv").unlink()
    (example_folder / "constraints.csv").symlink_to("constraints.csv")
    assert only_problem(example_folder) == (
        "constraints.csv: is a link to 'constraints.csv', which leads round in a loop: put the "
        "file itself in its place")


def test_a_link_to_a_real_file_loads(example_folder, example_model, tmp_path):
    (tmp_path / "kept").mkdir()
    (example_folder / "funding.csv").rename(tmp_path / "kept" / "funding.csv")
    (example_folder / "funding.csv").symlink_to(tmp_path / "kept" / "funding.csv")
    assert wb.load(example_folder).funding.equals(example_model.funding)


@pytest.mark.parametrize("make, expected", [
    (os.mkfifo, "is a named pipe (FIFO), not a file: put the file itself in its place"),
    (lambda path: path.symlink_to("/dev/zero"),
     "is a device (it links to '/dev/zero'), not a file: put the file itself in its place"),
])
def test_a_workbook_that_is_a_special_file(tmp_path, make, expected):
    path = tmp_path / "model.xlsx"
    make(path)
    assert only_problem(path) == f"model.xlsx: {expected}"


def test_a_model_path_that_is_a_broken_link(tmp_path):
    (tmp_path / "model").symlink_to(tmp_path / "moved")
    assert only_problem(tmp_path / "model") == (
        f"{tmp_path / 'model'}: is a link to '{tmp_path / 'moved'}', which does not exist: put "
        "the file itself in its place")


# ---------------------------------------------------------------- errors the system reports


def test_a_folder_without_search_permission(example_folder, monkeypatch):
    """Without search (x) permission on the folder every file in it is refused: one line."""
    original = os.lstat

    def refuse(path, *args, **kwargs):
        if Path(path).parent == example_folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", refuse)
    assert only_problem(example_folder) == (
        f"{example_folder}: cannot be read: Permission denied: ask for read access to it and its "
        "folder, or copy the model to a folder of your own")


def test_a_workbook_without_read_permission(example_folder, tmp_path, monkeypatch):
    path = tmp_path / "model.xlsx"
    write_workbook(example_folder, path)
    original = os.open

    def refuse(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return original(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    assert only_problem(path) == (
        "model.xlsx: cannot be read: Permission denied: ask for read access to it and its "
        "folder, or copy the model to a folder of your own")


def test_a_name_over_255_characters(tmp_path):
    path = tmp_path / ("m" * 300)
    assert only_problem(path) == (
        f"{path}: cannot be read: File name too long (a name in the path has 300 characters, "
        "more than the 255 most systems allow): shorten it")


def test_the_command_line_prints_one_line_and_exits_2(tmp_path, example_folder, monkeypatch,
                                                      capsys):
    code, lines = run_cli(["validate", str(tmp_path / ("m" * 300))], capsys)
    assert code == 2 and len(lines) == 1 and "File name too long" in lines[0]
    original = os.lstat

    def refuse(path, *args, **kwargs):
        if Path(path).parent == example_folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", refuse)
    code, lines = run_cli(["validate", str(example_folder)], capsys)
    assert (code, lines) == (2, [
        f"workbench: {example_folder}: cannot be read: Permission denied: ask for read access "
        "to it and its folder, or copy the model to a folder of your own"])


# ---------------------------------------------------------------- messages that say what is wrong


@pytest.mark.parametrize("separator, name", [(";", "';'"), ("\t", "tabs")])
def test_a_csv_file_with_another_separator(example_folder, separator, name):
    rows = read_rows(example_folder, "resources.csv")
    (example_folder / "resources.csv").write_text(
        "\n".join(separator.join(row) for row in rows) + "\n", encoding="utf-8")
    assert only_problem(example_folder) == (
        f"resources.csv:1: looks separated by {name}, not commas: save it from your spreadsheet "
        "as comma-separated 'CSV UTF-8'")


def test_a_one_column_table_may_still_hold_a_semicolon_in_a_value(example_folder):
    rows = read_rows(example_folder, "stakeholders.csv")
    write_rows(example_folder, "stakeholders.csv", [[row[0]] for row in rows] + [["a;b"]])
    stakeholders = wb.load(example_folder).stakeholders["stakeholder"].tolist()
    assert stakeholders == [row[0] for row in rows[1:]] + ["a;b"]


def test_a_password_protected_workbook(tmp_path):
    """An encrypted .xlsx is an OLE compound file holding the streams EncryptionInfo and
    EncryptedPackage (MS-OFFCRYPTO 2.3.4); only those names matter here."""
    path = tmp_path / "model.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                     + "EncryptionInfo".encode("utf-16-le") + bytes(50)
                     + "EncryptedPackage".encode("utf-16-le") + bytes(4000))
    assert only_problem(path) == (
        "model.xlsx: is protected by a password (encrypted): save a copy without the password "
        "(in Excel: File > Info > Protect Workbook > Encrypt with Password, and clear it) and "
        "load that")


def test_an_old_xls_workbook_renamed_xlsx(tmp_path):
    path = tmp_path / "model.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                     + "Workbook".encode("utf-16-le") + bytes(4000))
    assert only_problem(path) == (
        "model.xlsx: is an Excel 97-2003 workbook (.xls), not .xlsx: save it from your "
        "spreadsheet as 'Excel Workbook (.xlsx)'")


def formula_workbook(example_folder: Path, path: Path, formula: str) -> None:
    """The example as a workbook with actions!E3... the cost of row 3 written as a formula,
    saved as openpyxl saves it: without a value (openpyxl never calculates)."""
    write_workbook(example_folder, path)
    book = openpyxl.load_workbook(path)
    sheet = book["actions"]
    column = [cell.value for cell in sheet[1]].index("cost") + 1
    sheet.cell(row=3, column=column, value=formula)
    book.save(path)


def actions_part(path: Path) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    part = book["actions"]._worksheet_path
    book.close()
    return part


def test_a_formula_without_a_saved_value_says_so(example_folder, tmp_path):
    path = tmp_path / "model.xlsx"
    formula_workbook(example_folder, path, "=12*5000")
    assert only_problem(path) == (
        "model.xlsx[actions]:3:cost: holds a formula with no saved value (=12*5000): open and "
        "save the file in a spreadsheet program, which stores the value")


def test_a_formula_with_a_saved_value_uses_that_value(example_folder, tmp_path):
    path = tmp_path / "model.xlsx"
    formula_workbook(example_folder, path, "=12*5000")
    part = actions_part(path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(part)
    assert xml.count(b"<f>12*5000</f><v />") == 1
    replace_part(path, part, xml.replace(b"<f>12*5000</f><v />", b"<f>12*5000</f><v>60000</v>"))
    model = wb.load(path)
    assert model.actions["cost"].iloc[1] == 60_000


def test_a_formula_whose_saved_value_is_empty_text_reads_blank(example_folder, tmp_path):
    path = tmp_path / "model.xlsx"
    write_workbook(example_folder, path)
    book = openpyxl.load_workbook(path)
    sheet = book["actions"]
    column = [cell.value for cell in sheet[1]].index("evidence") + 1
    sheet.cell(row=3, column=column, value='=IF(1>2,"x","")')
    book.save(path)
    part = actions_part(path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(part)
    old = b'<f>IF(1&gt;2,"x","")</f><v />'
    assert xml.count(old) == 1
    replace_part(path, part, xml.replace(old, old.replace(b"<v />", b"<v></v>")).replace(
        b'<c r="' + openpyxl.utils.get_column_letter(column).encode() + b'3">',
        b'<c r="' + openpyxl.utils.get_column_letter(column).encode() + b'3" t="str">'))
    assert wb.load(path).actions["evidence"].iloc[1] == ""


def test_many_unknown_ids_get_suggestions_only_while_the_budget_lasts(example_folder,
                                                                       example_model):
    """Each suggestion compares the unknown id with every known one: 100,000 misspelt rows took
    32 s before the budget, about 4 s after it."""
    rows = read_rows(example_folder, "scores.csv")
    action = rows[0].index("action")
    misspelt = [[*row[:action], "awareness_vidoes", *row[action + 1:]] for row in rows[1:]]
    write_rows(example_folder, "scores.csv", rows[:1] + misspelt * (5_000 // len(misspelt) + 1))
    found = problems(example_folder)
    unknown = [line for line in found if "unknown action 'awareness_vidoes'" in line]
    suggested = [line for line in unknown if line.endswith("(did you mean 'awareness_videos'?)")]
    assert len(unknown) > 5_000
    assert suggested == unknown[:SUGGESTION_COMPARISONS // len(example_model.actions)]
