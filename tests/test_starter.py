"""`workbench init`: a starter model that loads, optimises and round-trips, explains every
column (the workbook's "read me" sheet, a folder's read_me.csv, the README's column table) with
drop-down lists in the workbook, and never replaces a model."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench.cli import main
from workbench.export import save
from workbench.io import from_tables
from workbench.model import CONSTRAINT_KINDS, DIRECTIONS, INTERACTION_KINDS, SCHEMAS
from workbench.scenarios import KINDS as SCENARIO_KINDS
from workbench.starter import (MAY_BE_BLANK, OPTIONAL, READ_ME, REQUIRED, RESOURCE,
                               column_reference, init_model, reference_markdown, starter_tables)

ROOT = Path(__file__).resolve().parents[1]


def assert_models_equal(first: wb.Model, second: wb.Model) -> None:
    """Every table of the two models equal, and the settings."""
    for field in dataclasses.fields(wb.Model):
        one, other = getattr(first, field.name), getattr(second, field.name)
        if isinstance(one, pd.DataFrame):
            pd.testing.assert_frame_equal(one, other, obj=field.name)
        elif field.name != "source":
            assert one == other, field.name


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("starter")
    return {"folder": init_model(folder / "model"),
            "workbook": init_model(folder / "model", xlsx=True)}


# ---------------------------------------------------------------- a model that works


@pytest.mark.parametrize("kind", ["folder", "workbook"])
def test_the_starter_loads_optimises_and_keeps_its_limits(starter, kind):
    model = wb.load(starter[kind])
    result = wb.optimise(model)
    assert result.found and result.selected
    limits = model.resources.set_index("resource")["limit"]
    for resource, used in result.cost.items():
        assert used <= limits[resource] + 1e-6
    assert wb.evaluate(model, result.selected).fits


def test_the_starter_shows_each_part_of_the_format(starter):
    model = wb.load(starter["folder"])
    assert 3 <= len(model.actions) <= 8
    assert "cost" not in model.resource_names  # nothing assumes a resource called cost
    assert model.resources["name"].ne("").all() and model.resources["unit"].ne("").all()
    assert {"synergy", "critical_mass"} <= set(model.interactions["kind"])
    cluster = model.interactions[model.interactions["kind"] == "critical_mass"].iloc[0]
    assert 2 <= cluster["threshold"] <= len(cluster["members"])
    assert model.funding["stream"].nunique() == 2
    assert model.funding["description"].ne("").all()
    assert len(model.constraints) and len(model.portfolios) and len(model.weights)
    assert set(model.criteria["direction"]) == set(DIRECTIONS)
    scenarios = wb.load_scenarios(model)
    assert len(set(scenarios["scenario"])) == 2
    for name in set(scenarios["scenario"]):
        changed, options = wb.apply_scenario(model, name)
        assert wb.optimise(changed, options).found


def test_the_starter_shows_a_trade_off(starter):
    """Its limits bind: the lean year buys less, and the optimum beats the first ideas."""
    model = wb.load(starter["folder"])
    best = wb.optimise(model)
    lean, options = wb.apply_scenario(model, "lean_year")
    assert wb.optimise(lean, options).objective < best.objective
    first_ideas = wb.evaluate(model, model.reference_portfolio("first_ideas"))
    assert first_ideas.objective < best.objective
    assert {"synergy", "critical_mass"} <= set(best.earned_interactions["kind"])


def test_the_folder_and_the_workbook_hold_the_same_model(starter):
    assert_models_equal(wb.load(starter["folder"]), wb.load(starter["workbook"]))
    assert wb.load_scenarios(wb.load(starter["workbook"])).equals(
        wb.load_scenarios(wb.load(starter["folder"])))


@pytest.mark.parametrize("kind", ["folder", "workbook"])
@pytest.mark.parametrize("suffix", ["", ".xlsx"])
def test_the_starter_round_trips(starter, tmp_path, kind, suffix):
    model = wb.load(starter[kind])
    copy = wb.load(save(model, tmp_path / f"copy{suffix}"))
    assert_models_equal(copy, model)
    assert wb.load_scenarios(copy).equals(wb.load_scenarios(model))


def test_the_cli_writes_a_starter_and_says_what_next(tmp_path, capsys):
    assert main(["init", str(tmp_path / "mine")]) == 0
    out = capsys.readouterr().out
    assert "read_me.csv" in out and f"workbench validate {tmp_path / 'mine'}" in out
    assert main(["init", str(tmp_path / "mine"), "--xlsx"]) == 0
    assert (tmp_path / "mine.xlsx").is_file() and "'read me'" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "mine.xlsx")]) == 0
    assert main(["optimise", str(tmp_path / "mine")]) == 0


# ---------------------------------------------------------------- never replaces a model


def test_init_refuses_a_folder_that_holds_a_model(tmp_path, capsys):
    folder = init_model(tmp_path / "model")
    (folder / "actions.csv").write_text("id,name\nmine,My own\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["init", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "already holds actions.csv" in err and "never replaces a model" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_init_refuses_an_existing_workbook_and_a_file(tmp_path, capsys):
    (tmp_path / "model.xlsx").write_bytes(b"my own work")
    assert main(["init", str(tmp_path / "model"), "--xlsx"]) == 2
    assert "model.xlsx: already exists" in capsys.readouterr().err
    assert (tmp_path / "model.xlsx").read_bytes() == b"my own work"
    (tmp_path / "notes").write_text("a file")
    assert main(["init", str(tmp_path / "notes")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_init_fills_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    wb.load(init_model(tmp_path / "empty"))


# ---------------------------------------------------------------- the workbook explains itself


def test_the_workbook_opens_on_the_read_me_and_explains_every_column(starter):
    book = openpyxl.load_workbook(starter["workbook"])
    assert book.sheetnames[0] == READ_ME
    read_me = [[cell for cell in row] for row in book[READ_ME].iter_rows(values_only=True)]
    described = {(row[0], row[1]): row for row in read_me if len(row) >= 5 and row[1]}
    for row in column_reference().itertuples():
        table, column, status, unit, meaning = described[(row.table, row.column)]
        assert status in (REQUIRED, MAY_BE_BLANK, OPTIONAL) and meaning
    for name in starter_tables():
        assert name in book.sheetnames
        header = [cell.value for cell in book[name][1]]
        assert set(header) - {"money", "money_setup", "staff_fte"} <= set(
            column_reference().query("table == @name")["column"])


def validation_lists(sheet) -> dict[str, tuple[str, ...]]:
    """{column name: the words its drop-down list allows}."""
    header = {cell.column_letter: cell.value for cell in sheet[1]}
    found = {}
    for check in sheet.data_validations.dataValidation:
        letter = re.match(r"[A-Z]+", str(check.sqref)).group()
        found[header[letter]] = tuple(check.formula1.strip('"').split(","))
        assert check.showErrorMessage and check.allow_blank
    return found


def test_the_workbook_has_drop_downs_for_words(starter):
    book = openpyxl.load_workbook(starter["workbook"])
    assert validation_lists(book["interactions"])["kind"] == INTERACTION_KINDS
    assert validation_lists(book["constraints"])["kind"] == CONSTRAINT_KINDS
    assert validation_lists(book["criteria"])["direction"] == DIRECTIONS
    assert validation_lists(book["scenarios"])["kind"] == SCENARIO_KINDS
    assert set(validation_lists(book["settings"])["setting"]) >= {"horizon_years", "aggregation"}


def test_the_folder_has_a_read_me_the_loader_ignores(starter):
    read_me = pd.read_csv(starter["folder"] / "read_me.csv", encoding="utf-8-sig",
                          keep_default_na=False)
    assert list(read_me.columns) == ["table", "column", "needed", "unit", "meaning"]
    pairs = set(zip(read_me["table"], read_me["column"]))
    assert set(zip(column_reference()["table"], column_reference()["column"])) <= pairs


# ---------------------------------------------------------------- the column reference


def test_the_reference_lists_every_column_of_every_table():
    reference = column_reference()
    for name, schema in SCHEMAS.items():
        columns = reference.loc[reference["table"] == name]
        statuses = dict(zip(columns["column"], columns["status"]))
        for column in schema.required:
            assert statuses[column] in (REQUIRED, MAY_BE_BLANK), (name, column)
        for column in schema.optional:
            assert statuses[column] == OPTIONAL, (name, column)
    assert reference["meaning"].str.len().gt(10).all(), \
        reference.loc[reference["meaning"].str.len() <= 10, ["table", "column"]]


def blanked(tables: dict, name: str, column: str) -> dict:
    frame = tables[name].astype(object).copy()
    frame.loc[frame.index[0], column] = ""
    return {**tables, name: frame}


@pytest.mark.parametrize("table,column,status", [
    (row.table, row.column, row.status) for row in column_reference().itertuples()
    if row.status != OPTIONAL and row.table in SCHEMAS])
def test_a_blank_cell_is_refused_exactly_where_the_reference_says(table, column, status):
    tables = {name: frame for name, frame in starter_tables().items() if name in SCHEMAS}
    column = {RESOURCE: "money"}.get(column, column)
    if column not in tables.get(table, ()):
        pytest.skip(f"the starter has no {table} column {column}")
    if status == MAY_BE_BLANK:
        from_tables(blanked(tables, table, column))
    else:
        with pytest.raises(wb.ModelError) as error:
            from_tables(blanked(tables, table, column))
        assert any(p.column == column or column == "id" for p in error.value.problems)


@pytest.mark.parametrize("column,status", [("target", MAY_BE_BLANK), ("value", MAY_BE_BLANK),
                                           ("scenario", REQUIRED), ("kind", REQUIRED)])
def test_scenario_cells_blank_where_the_reference_says(tmp_path, column, status):
    reference = column_reference().query("table == 'scenarios'").set_index("column")
    assert reference.loc[column, "status"] == status
    model = wb.load(init_model(tmp_path / "model"))
    rows = pd.DataFrame({"scenario": ["longer", "cafe"], "kind": ["horizon", "include"],
                         "target": ["", "walking_groups"], "value": [3, ""]})
    if status == REQUIRED:
        rows.loc[0, column] = ""
    rows.to_csv(tmp_path / "model" / "scenarios.csv", index=False)
    if status == MAY_BE_BLANK:
        assert len(wb.load_scenarios(model)) == 2
    else:
        with pytest.raises(wb.ModelError):
            wb.load_scenarios(model)


def test_the_readme_column_table_is_the_reference():
    """The README's column table lists every column of SCHEMAS, as column_reference() does;
    regenerate it with `python -c "from workbench.starter import reference_markdown as r;
    print(r())"` when the format changes."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert reference_markdown() in readme
    for name, schema in SCHEMAS.items():
        for column in (*schema.required, *schema.optional):
            assert f"| `{column}` |" in readme, (name, column)
