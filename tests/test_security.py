"""Security: nothing read from a model is executed, and files made for spreadsheets cannot run
as formulas. (`workbench app` listening only on 127.0.0.1 unless told otherwise is tested with the
app, in test_browser.py: test_the_app_listens_on_loopback_and_hides_the_code and
test_another_interface_needs_an_explicit_flag; the served app's Host, Origin and token checks
in test_app.py.)
"""
from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from papermill.translators import PythonTranslator

import workbench as wb
from workbench.cli import main

PACKAGE = Path(wb.__file__).resolve().parent
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

# ---------------------------------------------------------------- the package source


UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle",
                  "joblib"}
UNSAFE_NAMES = {"eval", "exec", "compile", "__import__", "execfile"}
# pandas eval / DataFrame.query evaluate expression strings; os.system / popen run a shell;
# yaml.unsafe_load / full_load build arbitrary objects; read_pickle unpickles.
UNSAFE_METHODS = {"eval", "query", "system", "popen", "unsafe_load", "full_load", "read_pickle"}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader"}


def unsafe_constructs(source: str) -> list[str]:
    """Lines of code that could execute data: eval/exec, pickle and friends, yaml.load without
    a safe loader, shell=True, pandas eval/query."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            found += [f"{where}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in UNSAFE_MODULES]
        elif (isinstance(node, ast.ImportFrom)
              and (node.module or "").split(".")[0] in UNSAFE_MODULES):
            found.append(f"{where}: from {node.module} import")
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in UNSAFE_NAMES:
                found.append(f"{where}: {function.id}(...)")
            elif isinstance(function, ast.Attribute):
                owner = function.value.id if isinstance(function.value, ast.Name) else ""
                if function.attr == "load" and owner == "yaml":
                    loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
                    name = getattr(loader, "attr", getattr(loader, "id", None))
                    if name not in SAFE_YAML_LOADERS:
                        found.append(f"{where}: yaml.load without SafeLoader")
                elif function.attr == "loads" and owner in UNSAFE_MODULES:
                    found.append(f"{where}: {owner}.loads")
                elif function.attr in UNSAFE_METHODS:
                    found.append(f"{where}: .{function.attr}(...)")
            for keyword in node.keywords:
                if (keyword.arg == "shell" and isinstance(keyword.value, ast.Constant)
                        and keyword.value.value is True):
                    found.append(f"{where}: shell=True")
                if (keyword.arg == "allow_pickle" and isinstance(keyword.value, ast.Constant)
                        and keyword.value.value is True):
                    found.append(f"{where}: allow_pickle=True")
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_package_source_never_executes_data(path):
    assert unsafe_constructs(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("snippet", [
    "eval(text)", "exec(code)", "compile(text, 'f', 'exec')", "__import__(name)",
    "import pickle", "from pickle import loads", "import dill", "marshal.loads(data)",
    "yaml.load(handle)", "yaml.load(handle, Loader=yaml.Loader)", "yaml.unsafe_load(handle)",
    "subprocess.run(command, shell=True)", "os.system(command)", "frame.query(text)",
    "pd.eval(text)", "frame.eval(text)", "pd.read_pickle(path)",
    "np.load(path, allow_pickle=True)",
])
def test_the_scan_finds_each_unsafe_construct(snippet):
    assert len(unsafe_constructs(snippet)) == 1


@pytest.mark.parametrize("snippet", [
    "yaml.safe_load(handle)", "yaml.load(handle, Loader=yaml.SafeLoader)",
    "ast.literal_eval(text)", "subprocess.run(['npm', 'pack'], check=False)",
    "evaluate(model, selection)", "# eval(text) in a comment", "'exec(code) in a string'",
])
def test_the_scan_lets_safe_code_pass(snippet):
    assert unsafe_constructs(snippet) == []


# ---------------------------------------------------------------- code-like text in a model


def set_cell(path: Path, row: int, column: str, text: str) -> None:
    """Put `text` into one cell (row 2 = first data row) of a CSV file, leaving the rest."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = text
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def payloads(marker: Path) -> list[str]:
    return [f"__import__('os').system('touch {marker}')",
            f"eval(\"open('{marker}', 'w')\")",
            f"!!python/object/apply:os.system ['touch {marker}']",
            f"=cmd|' /C touch {marker}'!A0",
            f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}"]


@pytest.mark.parametrize("file, column", [("actions.csv", "name"),
                                          ("actions.csv", "description"),
                                          ("actions.csv", "indicator"),
                                          ("criteria.csv", "description"),
                                          ("interactions.csv", "note")])
def test_code_in_a_text_cell_loads_as_text(file, column, example_folder, tmp_path, capsys):
    marker = tmp_path / "executed"
    for number, payload in enumerate(payloads(marker)):
        set_cell(example_folder / file, 2 + number, column, payload)
    model = wb.load(example_folder)
    table = {"actions.csv": model.actions, "criteria.csv": model.criteria,
             "interactions.csv": model.interactions}[file]
    assert list(table[column].iloc[:5]) == payloads(marker)
    for command in (["validate"], ["score"], ["optimise"]):
        assert main([*command, str(example_folder)]) == 0
    capsys.readouterr()
    assert not marker.exists()


@pytest.mark.parametrize("file, row, column", [
    ("actions.csv", 2, "cost"), ("actions.csv", 3, "staff_fte"),
    ("criteria.csv", 2, "weight"), ("scores.csv", 2, "score"),
    ("resources.csv", 2, "limit"), ("interactions.csv", 2, "bonus"),
    ("interactions.csv", 2, "actions"), ("settings.csv", 2, "value"),
])
def test_code_in_a_number_or_id_cell_fails_validation(file, row, column, example_folder,
                                                      tmp_path, capsys):
    marker = tmp_path / "executed"
    set_cell(example_folder / file, row, column, payloads(marker)[0])
    with pytest.raises(wb.ModelError) as caught:
        wb.load(example_folder)
    assert any(p.file == file and p.row == row and p.column == column
               for p in caught.value.problems), str(caught.value)
    assert main(["optimise", str(example_folder)]) == 2
    assert f"workbench: {file}:{row}:{column}: " in capsys.readouterr().err
    assert not marker.exists()


def test_a_formula_in_a_number_cell_is_not_calculated(example_folder):
    set_cell(example_folder / "actions.csv", 2, "cost", "=1+1")
    with pytest.raises(wb.ModelError, match=r"actions\.csv:2:cost"):
        wb.load(example_folder)


def test_a_formula_in_a_workbook_is_never_evaluated(example_folder, tmp_path):
    """openpyxl only reads what a spreadsheet last calculated; a formula is never run here."""
    workbook = tmp_path / "model.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        for file in sorted(example_folder.glob("*.csv")):
            pd.read_csv(file, dtype=str, keep_default_na=False).to_excel(
                writer, sheet_name=file.stem, index=False)
    marker = tmp_path / "executed"
    book = openpyxl.load_workbook(workbook)
    book["actions"]["F2"] = f"=__import__('os').system('touch {marker}')"  # the cost column
    book["actions"]["B3"] = "=1+1"  # a name
    assert book["actions"]["F1"].value == "cost" and book["actions"]["B1"].value == "name"
    book.save(workbook)
    try:
        model = wb.load(workbook)
    except wb.ModelError as error:
        assert any(p.column in ("cost", "name") for p in error.problems)
    else:
        assert model.actions["name"].iloc[1] != 2
        assert model.actions["cost"].iloc[0] != 2
    assert not marker.exists()


@pytest.mark.parametrize("value", [
    '/tmp/a"; __import__("os").system("touch x"); b = "',
    "x\n__import__('os').system('touch x')",
    "x\\\"; import os; os.system('touch x') #",
    "{model_dir}'''\"\"\"",
])
def test_report_parameters_reach_the_kernel_as_data(value):
    """workbench report hands model_dir and scenario to papermill: they must stay strings."""
    source = PythonTranslator.codify({"model_dir": value, "scenario": value, "seed": 3})
    assignments = ast.parse(source).body
    assert all(isinstance(node, ast.Assign) for node in assignments)
    assert [(node.targets[0].id, ast.literal_eval(node.value)) for node in assignments] == [
        ("model_dir", value), ("scenario", value), ("seed", 3)]


# ---------------------------------------------------------------- formula escaping in outputs


def dangerous_cells(path: Path) -> list[str]:
    """Cells of a CSV or .xlsx file that a spreadsheet could run as a formula."""
    cells = []
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            cells = [(f"{path.name}:{r}", cell) for r, row in enumerate(csv.reader(handle), 1)
                     for cell in row]
    else:
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        return [f"{sheet.title}!{cell.coordinate}: formula {cell.value!r}"]
                    if isinstance(cell.value, str):
                        cells.append((f"{sheet.title}!{cell.coordinate}", cell.value))
    return [f"{where}: {text!r}" for where, text in cells
            if text[:1] in DANGEROUS_START and not PLAIN_NUMBER.fullmatch(text)]


def all_cells(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return [cell for row in csv.reader(handle) for cell in row]
    book = openpyxl.load_workbook(path)
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


FORMULAS = ['=HYPERLINK("http://example.org","open")', "+1+2", "-2+3", "@SUM(A1:A2)",
            "=cmd|' /C calc'!A0"]


@pytest.fixture
def formula_model(example_folder) -> Path:
    """The example with formula-like names, leads and indicators on the chosen actions."""
    selected = wb.optimise(wb.load(example_folder)).selected
    actions = pd.read_csv(example_folder / "actions.csv", dtype=str, keep_default_na=False)
    rows = actions.index[actions["id"].isin(selected)][:len(FORMULAS)]
    for row, text in zip(rows, FORMULAS):
        set_cell(example_folder / "actions.csv", row + 2, "name", text)
        set_cell(example_folder / "actions.csv", row + 2, "indicator", "-" + text.lstrip("=+-@"))
    set_cell(example_folder / "actions.csv", rows[0] + 2, "lead", "@council")
    with open(example_folder / "constraints.csv", "a", encoding="utf-8") as constraints:
        constraints.writelines(f"include,{actions.at[row, 'id']},\n" for row in rows)
    return example_folder  # (the renamed actions stay in the plan whatever the new lead does)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_action_plan_export_escapes_formulas(formula_model, tmp_path, suffix, capsys):
    out = tmp_path / f"plan{suffix}"
    assert main(["plan", str(formula_model), "--out", str(out)]) == 0
    assert dangerous_cells(out) == []
    cells = all_cells(out)
    for text in FORMULAS:
        assert "'" + text in cells  # kept, but as text
    if suffix == ".xlsx":
        assert any(isinstance(c, float) and c > 0 for c in cells)  # amounts stay numbers


@pytest.mark.parametrize("target", ["saved", "saved.xlsx"])
def test_model_export_escapes_formulas_but_keeps_negative_numbers(formula_model, tmp_path,
                                                                   target):
    from workbench.export import save

    model = wb.load(formula_model)
    assert (model.interactions["bonus"] < 0).any(), "the example needs a negative bonus"
    path = save(model, tmp_path / target)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    assert [cell for file in files for cell in dangerous_cells(file)] == []
    cells = [cell for file in files for cell in all_cells(file)]
    assert "'" + FORMULAS[0] in cells
    negative = model.interactions.loc[model.interactions["bonus"] < 0, "bonus"].iloc[0]
    if path.is_dir():
        assert f"{negative:g}" in cells  # a number is written as a number, unescaped
    else:
        assert float(negative) in cells
    again = wb.load(path)
    assert list(again.actions["name"]) == list(model.actions["name"])  # the apostrophe goes


def test_scenario_export_escapes_formulas(example_folder):
    from workbench.scenarios import Scenario, load_scenario, save_scenario

    model = wb.load(example_folder)
    note = "=cmd|' /C calc'!A0"
    path = save_scenario(model, Scenario(name="formula_note", limits={"cost": 500000},
                                         note=note))
    assert dangerous_cells(path) == []
    assert "'" + note in all_cells(path)
    assert load_scenario(wb.load(example_folder), "formula_note").note == note


@pytest.mark.parametrize("text", ["\t=1+1", "\r=1+1", "=1+1", "+A1", "-A1", "@A1"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_table_escapes_every_formula_start(text, suffix, tmp_path):
    from workbench.export import write_table

    frame = pd.DataFrame({"text": [text, "plain"], "number": [-5.0, 1e9],
                          "numeric_text": ["-5", "+1.5e3"]})
    path = write_table(frame, tmp_path / f"table{suffix}")
    assert dangerous_cells(path) == []
    cells = all_cells(path)
    kept = text if suffix == ".csv" else text.replace("\r", "\n")  # XML reads CR as LF
    assert "'" + kept in cells
    assert ("-5" if suffix == ".csv" else -5) in cells  # a number is written as a number
    assert "-5" in cells and ("+1.5e3" in cells)  # numeric text is no formula: unescaped
