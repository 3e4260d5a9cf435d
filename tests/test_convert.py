"""`workbench convert`: a model folder to a workbook and back, cell for cell. After a round trip
every table of the loaded model is equal, and so is every raw cell of every table (scenarios
included); bad sources, existing targets and left-out sheets are handled in words."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.cli import main
from workbench.convert import TABLES, convert
from workbench.examples import random_tables
from workbench.export import save_tables
from workbench.io import ROW, read_tables

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "mental_health_strategy"


def assert_models_equal(first: wb.Model, second: wb.Model) -> None:
    for field in dataclasses.fields(wb.Model):
        one, other = getattr(first, field.name), getattr(second, field.name)
        if isinstance(one, pd.DataFrame):
            pd.testing.assert_frame_equal(one, other, obj=field.name)
        elif field.name != "source":
            assert one == other, field.name


def raw_cells(path: Path) -> dict[str, pd.DataFrame]:
    """Every table's cells as the loader reads them (text), without the row numbers."""
    return {name: frame.drop(columns=ROW).reset_index(drop=True)
            for name, (frame, _) in read_tables(path, TABLES).items() if frame is not None}


def assert_same_cells(first: Path, second: Path) -> None:
    one, other = raw_cells(first), raw_cells(second)
    assert one.keys() == other.keys()
    for name in one:
        pd.testing.assert_frame_equal(one[name], other[name], obj=name)


def assert_round_trip(source: Path, tmp_path: Path) -> None:
    """source -> workbook -> folder: each step the same model and the same cells."""
    workbook = convert(source, tmp_path / "model.xlsx").target
    folder = convert(workbook, tmp_path / "back").target
    original = wb.load(source)
    for copy in (workbook, folder):
        assert_same_cells(source, copy)
        loaded = wb.load(copy)
        assert_models_equal(loaded, original)
        pd.testing.assert_frame_equal(wb.load_scenarios(loaded), wb.load_scenarios(original))


def test_the_worked_example_round_trips(tmp_path):
    assert_round_trip(EXAMPLE, tmp_path)
    assert len(raw_cells(tmp_path / "model.xlsx")["scenarios"]) > 0


def test_the_worked_example_folder_comes_back_byte_for_byte_apart_from_bom_and_line_ends(
        tmp_path):
    convert(convert(EXAMPLE, tmp_path / "model.xlsx").target, tmp_path / "back")
    for path in EXAMPLE.glob("*.csv"):
        copied = (tmp_path / "back" / path.name).read_text(encoding="utf-8-sig")
        assert copied.replace("\r\n", "\n") == path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize("seed,options", [
    (0, {}), (1, {"funding": True, "group_limits": True, "forced": True}),
    (2, {"horizon": 3, "funding": True}), (3, {"n_resources": 3, "stakeholders": 3}),
    (4, {"n_actions": 30, "dense_synergy": 0.1}),
])
def test_generated_models_round_trip(tmp_path, seed, options):
    options = dict(options)
    tables = random_tables(options.pop("n_actions", 10), seed, **options)
    awkward = ["=cmd|' /C calc'!A0", "-starts like a formula", "007", "1,250,000", "60k",
               "0.50", " spaced ", "two\nlines", "£5", "+44 1234"]
    tables["actions"]["description"] = [awkward[k % len(awkward)]
                                        for k in range(len(tables["actions"]))]
    tables["actions"]["note"] = [["007", "=1+1", "2024", "0.1", "-3", "", "a;b", "ü £ €"][k % 8]
                                 for k in range(len(tables["actions"]))]
    source = save_tables({name: frame.astype(object).where(frame.notna(), "").astype(str)
                          for name, frame in tables.items()}, tmp_path / "source")
    assert_round_trip(source, tmp_path)


def test_awkward_cells_keep_their_text_and_numbers_their_value(tmp_path):
    folder = shutil.copytree(EXAMPLE, tmp_path / "source")
    actions = pd.read_csv(folder / "actions.csv", dtype=str, keep_default_na=False)
    actions.loc[0, "evidence"] = "=HYPERLINK(\"http://x\")"
    actions.loc[1, "evidence"] = "007"
    actions.loc[2, "cost"] = "30,000"
    actions.loc[3, "cost"] = "24000.0"
    actions.to_csv(folder / "actions.csv", index=False)
    assert_round_trip(folder, tmp_path)
    book = openpyxl.load_workbook(tmp_path / "model.xlsx")
    sheet = book["actions"]
    header = [cell.value for cell in sheet[1]]
    cells = {name: [row[header.index(name)] for row in sheet.iter_rows(min_row=2,
                                                                      values_only=True)]
             for name in ("cost", "evidence")}
    assert cells["evidence"][1] == "007" and cells["cost"][2] == "30,000"
    assert cells["cost"][3] == "24000.0" and isinstance(cells["cost"][4], (int, float))
    assert cells["evidence"][0].startswith("'=")  # shown, never run, by a spreadsheet


# ---------------------------------------------------------------- the command line


def test_cli_converts_and_lists_what_it_leaves_out(tmp_path, capsys):
    assert main(["convert", str(EXAMPLE), str(tmp_path / "m.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "converted to the workbook" in out and "scenarios" in out and "not copied" not in out
    book = openpyxl.load_workbook(tmp_path / "m.xlsx")
    book.create_sheet("my notes").append(["remember to ask finance"])
    book.save(tmp_path / "m.xlsx")
    assert main(["convert", str(tmp_path / "m.xlsx"), str(tmp_path / "folder")]) == 0
    assert "not copied (not tables of a model): my notes" in capsys.readouterr().out
    assert_same_cells(EXAMPLE, tmp_path / "folder")


def test_a_bad_model_is_refused_and_nothing_is_written(tmp_path, capsys):
    folder = shutil.copytree(EXAMPLE, tmp_path / "source")
    text = (folder / "scores.csv").read_text(encoding="utf-8")
    (folder / "scores.csv").write_text(text.replace(",7.5,", ",75,", 1), encoding="utf-8")
    assert main(["convert", str(folder), str(tmp_path / "m.xlsx")]) == 2
    assert "scores.csv:2:score: 75 is outside the scale 0..10" in capsys.readouterr().err
    assert not (tmp_path / "m.xlsx").exists()


def test_bad_scenarios_are_refused_before_writing(tmp_path, capsys):
    folder = shutil.copytree(EXAMPLE, tmp_path / "source")
    with open(folder / "scenarios.csv", "a", encoding="utf-8") as handle:
        handle.write("broken,limit,cots,5,\n")
    assert main(["convert", str(folder), str(tmp_path / "copy")]) == 2
    assert "unknown resource 'cots'" in capsys.readouterr().err
    assert not (tmp_path / "copy").exists()


def test_an_existing_target_is_kept_unless_overwrite(tmp_path, capsys):
    (tmp_path / "m.xlsx").write_bytes(b"keep me")
    assert main(["convert", str(EXAMPLE), str(tmp_path / "m.xlsx")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "m.xlsx").read_bytes() == b"keep me"
    assert main(["convert", str(EXAMPLE), str(tmp_path / "m.xlsx"), "--overwrite"]) == 0
    assert_same_cells(EXAMPLE, tmp_path / "m.xlsx")


def test_overwriting_a_folder_with_tables_the_source_lacks_is_refused(tmp_path, capsys):
    source = shutil.copytree(EXAMPLE, tmp_path / "source")
    target = shutil.copytree(EXAMPLE, tmp_path / "target")
    (source / "interactions.csv").unlink()
    assert main(["convert", str(source), str(target), "--overwrite"]) == 2
    assert "holds interactions.csv, which the source has no table for" in \
        capsys.readouterr().err
    assert (target / "interactions.csv").exists()


def test_converting_onto_itself_is_refused(tmp_path, capsys):
    assert main(["convert", str(EXAMPLE), str(EXAMPLE), "--overwrite"]) == 2
    assert "is the source itself" in capsys.readouterr().err


# ---------------------------------------------------------------- formula cells


def with_formula(workbook: Path, cell: str, formula: str, saved: str | None) -> Path:
    """The workbook with a formula in `cell` of its first sheet (actions), with the value a
    spreadsheet would have saved beside it, or none (as programs that do not calculate save)."""
    import re
    import zipfile

    target = workbook.with_name(f"formula_{saved}.xlsx")
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                value = f"<v>{saved}</v>" if saved is not None else ""
                data, count = re.subn(rf'<c r="{cell}" t="n"><v>[^<]*</v></c>'.encode(),
                                      f'<c r="{cell}"><f>{formula}</f>{value}</c>'.encode(),
                                      data)
                assert count == 1
            copy.writestr(item, data)
    return target


def test_a_formula_converts_to_the_value_the_spreadsheet_saved(tmp_path):
    workbook = convert(EXAMPLE, tmp_path / "model.xlsx").target
    assert openpyxl.load_workbook(workbook)["actions"]["F1"].value == "cost"
    calculated = with_formula(workbook, "F2", "5*5000", "25000")
    folder = convert(calculated, tmp_path / "folder").target
    assert_same_cells(EXAMPLE, folder)  # the formula's saved value, 25000, as the cost


def test_a_formula_without_a_saved_value_is_refused_in_words(tmp_path, capsys):
    workbook = convert(EXAMPLE, tmp_path / "model.xlsx").target
    unsaved = with_formula(workbook, "F2", "5*5000", None)
    assert main(["convert", str(unsaved), str(tmp_path / "folder")]) == 2
    err = capsys.readouterr().err
    assert "[actions]:2:cost: holds a formula with no saved value (=5*5000)" in err
    assert "open and save the file in a spreadsheet program" in err
    assert not (tmp_path / "folder").exists()


def test_the_second_example_and_a_starter_workbook_round_trip(tmp_path):
    from workbench.starter import init_model

    (tmp_path / "second").mkdir()
    assert_round_trip(ROOT / "data" / "active_lives_strategy", tmp_path / "second")
    starter = init_model(tmp_path / "starter.xlsx")
    done = convert(starter, tmp_path / "starter_folder")
    assert done.left_out == ("read me",)
    assert_same_cells(starter, done.target)


# ---------------------------------------------------------------- any text survives

CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n"),
                    max_size=40).map(str.strip)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(CELL_TEXT, min_size=6, max_size=6))
def test_any_text_in_a_free_text_column_survives_both_ways(tmp_path_factory, texts):
    folder = tmp_path_factory.mktemp("any_text")
    tables = random_tables(6, 3)
    tables["actions"]["description"] = texts
    tables["actions"]["my_notes"] = list(reversed(texts))
    source = save_tables({name: frame.astype(object).where(frame.notna(), "").astype(str)
                          for name, frame in tables.items()}, folder / "source")
    assert_round_trip(source, folder)
