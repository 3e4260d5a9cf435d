"""Saving: load -> save -> load gives an equal model (CSV folder and .xlsx workbook), writes are
atomic (a failure halfway leaves the old file and no temporary file), existing files are kept
unless overwriting is asked for, and formula-like text is escaped in every output."""
from __future__ import annotations

import csv
import errno
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench import export
from workbench.cli import main
from workbench.examples import random_tables
from workbench.export import model_tables, save, write_table

TABLES = ("actions", "resources", "criteria", "scores", "interactions", "constraints", "funding",
          "portfolios", "stakeholders", "weights", "profiles", "progress")
FULL_DISK = "No space left on device"


def assert_models_equal(first: wb.Model, second: wb.Model) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), obj=name)
    assert first.settings == second.settings


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (hidden temporary files included) with its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def fill_disk(rows, target) -> None:
    """A writer that gets halfway, then finds the disk full."""
    with open(target, "w", encoding="utf-8") as handle:
        handle.write("id,name\nhalf,a row")
    raise OSError(errno.ENOSPC, FULL_DISK)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_round_trip_of_the_worked_example(example_model, tmp_path, suffix):
    path = save(example_model, tmp_path / f"copy{suffix}")
    assert_models_equal(wb.load(path), example_model)


def test_saved_folder_has_every_table_and_loads_with_the_cli(example_model, tmp_path, capsys):
    save(example_model, tmp_path / "copy")
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == sorted(
        f"{name}.csv" for name in (*TABLES, "settings", "scenarios"))
    assert main(["validate", str(tmp_path / "copy")]) == 0


@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_round_trip_with_empty_optional_tables(example_folder, tmp_path, suffix):
    for file in ("interactions.csv", "constraints.csv", "funding.csv", "portfolios.csv",
                 "weights.csv", "stakeholders.csv", "settings.csv"):
        (example_folder / file).unlink()
    model = wb.load(example_folder)
    assert_models_equal(wb.load(save(model, tmp_path / f"copy{suffix}")), model)


def test_tables_of_a_model_rebuild_it(example_model):
    assert_models_equal(wb.from_tables(model_tables(example_model)), example_model)


awkward_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Co"))
    | st.sampled_from(["\n", "\r", "\t", "=", "+", "-", "@", "'", ",", '"', ";", " "]),
    max_size=12)
plain_numbers = st.floats(min_value=0, max_value=1e9, allow_nan=False)


@st.composite
def random_models(draw) -> wb.Model:
    """A random valid model with awkward text (formula-like, quotes, commas, line breaks,
    any script) and fractional numbers where the format allows them."""
    tables = random_tables(
        draw(st.integers(2, 9)), seed=draw(st.integers(0, 10**6)),
        n_resources=draw(st.integers(1, 3)), funding=draw(st.booleans()),
        group_limits=draw(st.booleans()), forced=draw(st.booleans()),
        horizon=draw(st.integers(1, 3)), stakeholders=draw(st.integers(1, 3)))
    actions = tables["actions"]
    count = len(actions)
    actions["name"] = draw(st.lists(awkward_text, min_size=count, max_size=count))
    actions["description"] = draw(st.lists(awkward_text, min_size=count, max_size=count))
    actions["cost"] = draw(st.lists(plain_numbers, min_size=count, max_size=count))
    tables["criteria"]["name"] = draw(st.lists(awkward_text, min_size=len(tables["criteria"]),
                                               max_size=len(tables["criteria"])))
    scores = tables["scores"]
    scores["score"] = draw(st.lists(st.floats(0, 10), min_size=len(scores),
                                    max_size=len(scores)))
    interactions = tables["interactions"]
    interactions["note"] = draw(st.lists(awkward_text, min_size=len(interactions),
                                         max_size=len(interactions)))
    return wb.from_tables(tables)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=random_models())
def test_round_trip_of_random_models(tmp_path_factory, model):
    folder = tmp_path_factory.mktemp("round_trip")
    assert_models_equal(wb.load(save(model, folder / "model")), model)
    assert_models_equal(wb.load(save(model, folder / "model.xlsx")), model)


# ---------------------------------------------------------------- never overwrite unless asked


def test_refuses_to_overwrite_a_workbook(example_model, tmp_path):
    path = tmp_path / "model.xlsx"
    path.write_bytes(b"the analyst's own workbook")
    with pytest.raises(wb.ModelError) as info:
        save(example_model, path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}: already exists: pass overwrite=True (on the command line --overwrite) to "
        "replace it"]
    assert path.read_bytes() == b"the analyst's own workbook"
    save(example_model, path, overwrite=True)
    assert_models_equal(wb.load(path), example_model)


def test_refuses_to_overwrite_a_model_folder(example_model, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "README.md").write_text("notes")
    (folder / "actions.csv").write_text("id\n")
    with pytest.raises(wb.ModelError) as info:
        save(example_model, folder)
    assert [str(p) for p in info.value.problems] == [
        f"{folder}: already holds actions.csv: pass overwrite=True (on the command line "
        "--overwrite) to replace the model's files"]
    assert snapshot(folder) == {"README.md": b"notes", "actions.csv": b"id\n"}
    save(example_model, folder, overwrite=True)
    assert_models_equal(wb.load(folder), example_model)
    assert (folder / "README.md").read_text() == "notes"


def test_saves_into_an_existing_folder_without_model_files(example_model, tmp_path):
    (tmp_path / "empty").mkdir()
    assert_models_equal(wb.load(save(example_model, tmp_path / "empty")), example_model)


def test_a_file_appearing_during_the_write_is_not_replaced(tmp_path, monkeypatch):
    path = tmp_path / "plan.csv"
    real = export._write_csv

    def someone_else_saves_meanwhile(rows, target):
        real(rows, target)
        path.write_text("theirs")

    monkeypatch.setattr(export, "_write_csv", someone_else_saves_meanwhile)
    with pytest.raises(wb.ModelError, match="already exists"):
        write_table(pd.DataFrame({"a": [1]}), path)
    assert snapshot(tmp_path) == {"plan.csv": b"theirs"}


@pytest.mark.parametrize("target, expected", [
    ("model.csv", "a model is saved as a folder (a path without a file extension) or as an "
                  ".xlsx workbook"),
    ("missing/model", "cannot be written: the folder '{tmp}/missing' does not exist"),
    ("file", "is a file: a model folder is saved as a folder (or give a path ending in .xlsx)"),
])
def test_bad_save_targets(example_model, tmp_path, target, expected):
    (tmp_path / "file").write_text("x")
    with pytest.raises(wb.ModelError) as info:
        save(example_model, tmp_path / target)
    assert str(info.value.problems[0]) == f"{tmp_path / target}: " + expected.format(
        tmp=tmp_path)


# ---------------------------------------------------------------- a failing write loses nothing


def test_full_disk_while_writing_a_table_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "plan.csv"
    write_table(pd.DataFrame({"action": ["a", "b"], "cost": [1, 2]}), path)
    before = snapshot(tmp_path)
    monkeypatch.setattr(export, "_write_csv", fill_disk)
    with pytest.raises(wb.WorkbenchError) as info:
        write_table(pd.DataFrame({"action": ["c"], "cost": [3]}), path, overwrite=True)
    assert str(info.value) == (f"{path}: could not be written ({FULL_DISK}); any earlier "
                               "version is unchanged")
    assert snapshot(tmp_path) == before


def test_full_disk_while_writing_a_workbook_keeps_the_old_one(example_model, small_model,
                                                              tmp_path, monkeypatch):
    path = save(example_model, tmp_path / "model.xlsx")
    before = snapshot(tmp_path)
    monkeypatch.setattr(export, "_write_xlsx", fill_disk)
    with pytest.raises(wb.WorkbenchError, match="could not be written"):
        save(small_model, path, overwrite=True)
    assert snapshot(tmp_path) == before
    assert_models_equal(wb.load(path), example_model)


def test_failure_halfway_through_a_folder_keeps_every_old_file(example_model, small_model,
                                                               tmp_path, monkeypatch):
    folder = save(example_model, tmp_path / "model")
    before = snapshot(tmp_path)
    real, written = export._write_csv, []

    def fail_on_the_fifth_file(rows, target):
        written.append(target)
        if len(written) == 5:
            fill_disk(rows, target)
        real(rows, target)

    monkeypatch.setattr(export, "_write_csv", fail_on_the_fifth_file)
    with pytest.raises(wb.WorkbenchError, match=FULL_DISK):
        save(small_model, folder, overwrite=True)
    assert len(written) == 5
    assert snapshot(tmp_path) == before


def test_failure_while_creating_a_new_folder_leaves_nothing(small_model, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr(export, "_write_csv", fill_disk)
    with pytest.raises(wb.WorkbenchError, match=FULL_DISK):
        save(small_model, tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, RuntimeError])
def test_interrupted_write_leaves_no_temporary_file(tmp_path, monkeypatch, interruption):
    path = tmp_path / "plan.xlsx"
    write_table(pd.DataFrame({"a": [1]}), path)
    before = snapshot(tmp_path)

    def interrupted(sheets, target):
        Path(target).write_bytes(b"PK\x03\x04half a zip")
        raise interruption()

    monkeypatch.setattr(export, "_write_xlsx", interrupted)
    with pytest.raises(interruption):
        write_table(pd.DataFrame({"a": [2]}), path, overwrite=True)
    assert snapshot(tmp_path) == before


def test_crash_at_the_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "plan.csv"
    write_table(pd.DataFrame({"a": [1]}), path)
    before = snapshot(tmp_path)

    def crash(source, target):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(wb.WorkbenchError, match="Input/output error"):
        write_table(pd.DataFrame({"a": [2]}), path, overwrite=True)
    assert snapshot(tmp_path) == before


def test_written_files_get_ordinary_permissions(tmp_path):
    ordinary = tmp_path / "ordinary.txt"
    ordinary.write_text("x")
    write_table(pd.DataFrame({"a": [1]}), tmp_path / "plan.csv")
    assert (tmp_path / "plan.csv").stat().st_mode == ordinary.stat().st_mode


# ---------------------------------------------------------------- formula injection


INJECTIONS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tx", "\rx",
              "=HYPERLINK(\"http://evil\",\"x\")", "-", "'=x"]


def test_csv_cells_starting_like_formulas_are_escaped(tmp_path):
    frame = pd.DataFrame({"text": INJECTIONS,
                          "number": [-5, 2.5, -0.25, 1e20, 0, -1, 3, 4, 5]})
    frame.loc[0, "number"] = -5
    path = write_table(frame, tmp_path / "plan.csv")
    rows = csv_rows(path)
    assert rows[0] == ["text", "number"]
    assert [row[0] for row in rows[1:]] == ["'" + text for text in INJECTIONS]
    assert [row[1] for row in rows[1:]] == ["-5", "2.5", "-0.25", "1e+20", "0", "-1", "3", "4",
                                            "5"]


def test_number_like_text_and_plain_text_are_left_alone(tmp_path):
    frame = pd.DataFrame({"text": ["-5", "+3.5", "plain", "a=b", "", None, "1e3"]})
    rows = csv_rows(write_table(frame, tmp_path / "plan.csv"))
    assert [row[0] for row in rows[1:]] == ["-5", "+3.5", "plain", "a=b", "", "", "1e3"]


def test_xlsx_cells_starting_like_formulas_are_escaped(tmp_path):
    frame = pd.DataFrame({"text": INJECTIONS, "number": range(-4, 5)})
    path = write_table(frame, tmp_path / "plan.xlsx")
    sheet = openpyxl.load_workbook(path)["plan"]
    texts = [cell for cell in sheet["A"][1:]]
    assert [cell.value for cell in texts] == [
        "'" + text.replace("\r", "\n") for text in INJECTIONS]
    assert {cell.data_type for cell in texts} == {"s"}  # strings, never formulas
    assert [cell.value for cell in sheet["B"][1:]] == list(range(-4, 5))
    assert {cell.data_type for cell in sheet["B"][1:]} == {"n"}


def test_headers_index_and_lists_are_written(tmp_path):
    frame = pd.DataFrame({"=cost": [1.5, None], "members": [("a", "b"), ()]},
                         index=pd.Index(["x1", "x2"], name="action"))
    rows = csv_rows(write_table(frame, tmp_path / "plan.csv"))
    assert rows == [["action", "'=cost", "members"], ["x1", "1.5", "a;b"], ["x2", "", ""]]


def test_model_export_escapes_and_load_restores(example_model, tmp_path):
    tables = model_tables(example_model)
    tables["actions"].loc[0, "description"] = "=WEBSERVICE(\"http://evil\")"
    model = wb.from_tables(tables)
    folder = save(model, tmp_path / "model")
    description = csv_rows(folder / "actions.csv")[1][
        csv_rows(folder / "actions.csv")[0].index("description")]
    assert description == "'=WEBSERVICE(\"http://evil\")"
    book = save(model, tmp_path / "model.xlsx")
    sheet = openpyxl.load_workbook(book)["actions"]
    column = [cell.value for cell in sheet[1]].index("description")
    assert sheet.cell(row=2, column=column + 1).value == "'=WEBSERVICE(\"http://evil\")"
    for path in (folder, book):
        assert wb.load(path).actions["description"].iloc[0] == "=WEBSERVICE(\"http://evil\")"


def test_text_an_xlsx_cell_cannot_hold_is_refused_before_writing(tmp_path):
    frame = pd.DataFrame({"note": ["fine", "bell \x07 inside"]})
    with pytest.raises(wb.ModelError) as info:
        write_table(frame, tmp_path / "plan.xlsx")
    assert [str(p) for p in info.value.problems] == [
        "plan.xlsx:3:note: contains the control character U+0007, which an .xlsx cell cannot "
        "hold: remove it or save as CSV"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target, frame, expected", [
    ("plan.txt", pd.DataFrame(), "{path}: a table is written as a .csv or .xlsx file, not "
                                 "'.txt'"),
    ("plan.csv", [1, 2], "frame: must be a pandas DataFrame, not list"),
    ("nowhere/plan.csv", pd.DataFrame(), "{path}: cannot be written: the folder "
                                         "'{tmp}/nowhere' does not exist"),
])
def test_bad_write_table_arguments(tmp_path, target, frame, expected):
    with pytest.raises(wb.ModelError) as info:
        write_table(frame, tmp_path / target)
    assert str(info.value.problems[0]) == expected.format(path=tmp_path / target, tmp=tmp_path)
