"""Saving never loses or damages anything: scenarios saved by two processes at once, other rows
kept byte for byte, permissions kept, links and read-only files refused, a saved model keeping
the columns and scenarios the loader leaves out."""
from __future__ import annotations

import multiprocessing
import stat
import threading
import time
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench import export
from workbench.cli import main
from workbench.export import save, write_table
from workbench.io import read_table
from workbench.scenarios import (Scenario, load_scenario, load_scenarios, save_scenario,
                                 scenario_names, scenarios_save_problem)

ROUNDS = 20
HEADER = "scenario,kind,target,value,note"


@pytest.fixture
def folder(example_folder) -> Path:
    """The worked example as a private folder, without its scenarios."""
    (example_folder / "scenarios.csv").unlink()
    return example_folder


def scenarios_file(folder: Path) -> Path:
    return folder / "scenarios.csv"


# ---------------------------------------------------------------- two processes at once


def save_in_turns(folder: str, prefix: str, barrier, results, same_name: bool) -> None:
    """A second process: each round, wait for the other one, then both save at once.
    Every outcome is reported: "saved", a refusal's text, or any other error's type and text."""
    model = wb.load(folder)
    for round_number in range(ROUNDS):
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            results.put((round_number, prefix, "the other process stopped"))
            return
        name = f"round_{round_number}" if same_name else f"{prefix}_{round_number}"
        scenario = Scenario(name=name, limits={"cost": 100000.0 + round_number},
                            note=f"saved by {prefix}")
        try:
            save_scenario(model, scenario)
            results.put((round_number, prefix, "saved"))
        except wb.ModelError as error:
            results.put((round_number, prefix, str(error)))
        except Exception as error:  # reported, so the test fails naming it
            results.put((round_number, prefix, f"{type(error).__name__}: {error}"))


def race(folder: Path, same_name: bool) -> list[tuple]:
    """Two processes (spawned, each its own interpreter) saving in ROUNDS rounds."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=save_in_turns, daemon=True,
                               args=(str(folder), prefix, barrier, results, same_name))
               for prefix in ("first", "second")]
    for worker in workers:
        worker.start()
    try:
        outcomes = [results.get(timeout=90) for _ in range(2 * ROUNDS)]
        for worker in workers:
            worker.join(timeout=30)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    assert [worker.exitcode for worker in workers] == [0, 0]
    return outcomes


def test_two_processes_saving_different_scenarios_lose_no_row(folder):
    outcomes = race(folder, same_name=False)
    assert [outcome for outcome in outcomes if outcome[2] != "saved"] == []
    table = load_scenarios(wb.load(folder))
    expected = {f"{prefix}_{k}" for prefix in ("first", "second") for k in range(ROUNDS)}
    assert set(scenario_names(table)) == expected
    assert len(table) == 2 * ROUNDS  # one row each, none lost and none doubled
    for prefix in ("first", "second"):
        assert load_scenario(wb.load(folder), f"{prefix}_7").limits == {"cost": 100007.0}


def test_two_processes_saving_the_same_name_give_one_success_and_one_refusal(folder):
    outcomes = race(folder, same_name=True)
    for round_number in range(ROUNDS):
        results = sorted(text for k, _, text in outcomes if k == round_number)
        assert len(results) == 2 and results.count("saved") == 1, results
        refusal = next(text for text in results if text != "saved")
        assert f"scenarios.csv:scenario: name 'round_{round_number}': a scenario of that " \
               "name already exists; choose another name or allow replacing it" in refusal
    table = load_scenarios(wb.load(folder))
    assert scenario_names(table) == [f"round_{k}" for k in range(ROUNDS)]
    assert len(table) == ROUNDS


# ---------------------------------------------------------------- only the saved rows change


ODD_ROWS = [  # spacing, quoting, an unknown column, a formula escape, a quoted line break
    "scenario,kind,target,value,note,owner",
    " lean_year , limit ,cost, 500000 ,  spaced  ,finance",
    'quoted,"limit","cost","1,000","a ""quoted"" note, with a comma",',
    "dash,limit,cost,'-5,kept as typed,",
    "",
    'multi,include,crisis_cafe,,"two',
    'lines",me',
    "last,exclude,crisis_cafe,,'=not a formula,",
]


@pytest.mark.parametrize("bom, line_end", [(b"\xef\xbb\xbf", "\r\n"), (b"", "\n")])
def test_other_rows_are_kept_byte_for_byte(folder, bom, line_end):
    original = bom + line_end.join(ODD_ROWS).encode("utf-8") + line_end.encode()
    scenarios_file(folder).write_bytes(original)
    model = wb.load(folder)
    save_scenario(model, Scenario(name="added", limits={"cost": 1.5}, note="new"))
    added = f"added,limit,cost,1.5,new,{line_end}".encode()
    assert scenarios_file(folder).read_bytes() == original + added
    save_scenario(model, Scenario(name="dash", exclude=("crisis_cafe",)), overwrite=True)
    head, tail = original.split(b"dash,limit,cost,'-5,kept as typed,")
    replaced = head + b"dash,exclude,crisis_cafe,,," + tail + added
    assert scenarios_file(folder).read_bytes() == replaced


def test_a_file_without_a_final_line_end_gains_one_before_the_new_rows(folder):
    scenarios_file(folder).write_bytes(b"scenario,kind,target,value\r\nlean,limit,cost,5")
    save_scenario(wb.load(folder), Scenario(name="other", limits={"cost": 6.0}))
    assert scenarios_file(folder).read_bytes() == (b"scenario,kind,target,value\r\n"
                                                   b"lean,limit,cost,5\r\nother,limit,cost,6\r\n")


def test_a_note_adds_the_note_column_to_the_header_only(folder):
    scenarios_file(folder).write_bytes(b"scenario,kind,target,value\nlean,limit,cost,5\n")
    save_scenario(wb.load(folder), Scenario(name="other", limits={"cost": 6.0}, note="why"))
    assert scenarios_file(folder).read_bytes() == (b"scenario,kind,target,value,note\n"
                                                   b"lean,limit,cost,5\nother,limit,cost,6,why\n")
    assert load_scenario(wb.load(folder), "other").note == "why"


def test_utf16_files_stay_utf16(folder):
    text = "scenario,kind,target,value,note\r\nlean,limit,cost,5,£ five\r\n"
    original = text.encode("utf-16")  # with its byte-order mark
    scenarios_file(folder).write_bytes(original)
    save_scenario(wb.load(folder), Scenario(name="other", limits={"cost": 6.0}))
    expected = text + "other,limit,cost,6,\r\n"
    assert scenarios_file(folder).read_bytes() == expected.encode("utf-16")


def test_a_row_that_cannot_be_parsed_blocks_saving(folder):
    broken = (HEADER + "\nlean,limit,cost,5,a note, with an unquoted comma\n").encode()
    scenarios_file(folder).write_bytes(broken)
    model = wb.load(folder)
    message = ("scenarios.csv:2: has 6 cells but the header names only 5 columns (a comma "
               "inside a value needs quotes)")
    with pytest.raises(wb.ModelError) as caught:
        save_scenario(model, Scenario(name="other", limits={"cost": 6.0}))
    assert message in str(caught.value)
    assert scenarios_file(folder).read_bytes() == broken
    assert message in scenarios_save_problem(model)


def test_a_missing_required_column_blocks_saving(folder):
    scenarios_file(folder).write_bytes(b"scenario,kind,value\nlean,limit,5\n")
    model = wb.load(folder)
    with pytest.raises(wb.ModelError, match="scenarios.csv:1:target: required column is "
                                            "missing; fix the header before saving"):
        save_scenario(model, Scenario(name="other", limits={"cost": 6.0}))
    assert "required column is missing" in scenarios_save_problem(model)


def test_rows_naming_unknown_things_do_not_block_saving_and_are_kept(folder):
    original = (HEADER + "\nold,include,no_such_action,,\n").encode()
    scenarios_file(folder).write_bytes(original)
    model = wb.load(folder)
    assert scenarios_save_problem(model) is None
    save_scenario(model, Scenario(name="other", limits={"cost": 6.0}))
    assert scenarios_file(folder).read_bytes() == original + b"other,limit,cost,6,\n"


# ---------------------------------------------------------------- files that must not be replaced


def test_a_scenarios_file_keeps_its_permissions(folder):
    path = scenarios_file(folder)
    path.write_text(HEADER + "\nlean,limit,cost,5,\n")
    path.chmod(0o600)
    save_scenario(wb.load(folder), Scenario(name="other", limits={"cost": 6.0}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "other,limit,cost,6" in path.read_text()


def test_a_read_only_scenarios_file_is_not_replaced(folder):
    path = scenarios_file(folder)
    path.write_text(HEADER + "\nlean,limit,cost,5,\n")
    path.chmod(0o444)
    before = path.read_bytes()
    model = wb.load(folder)
    expected = f"{path}: is read-only: it is not replaced; make it writable (e.g. chmod u+w) " \
               "or write elsewhere"
    with pytest.raises(wb.ModelError) as caught:
        save_scenario(model, Scenario(name="other", limits={"cost": 6.0}))
    assert str(caught.value.problems[0]) == expected
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
    assert scenarios_save_problem(model).endswith(expected)


def test_a_linked_scenarios_file_is_not_replaced_by_a_file(folder, tmp_path):
    elsewhere = tmp_path / "shared_scenarios.csv"
    elsewhere.write_text(HEADER + "\nlean,limit,cost,5,\n")
    scenarios_file(folder).symlink_to(elsewhere)
    model = wb.load(folder)
    with pytest.raises(wb.ModelError, match="scenarios.csv: is a symbolic link: it is not "
                                            "replaced by a file"):
        save_scenario(model, Scenario(name="other", limits={"cost": 6.0}))
    assert scenarios_file(folder).is_symlink()
    assert "is a symbolic link" in scenarios_save_problem(model)


def test_leftovers_of_a_killed_save_are_removed_by_the_next_save(folder):
    leftover = export._temporary_name(scenarios_file(folder))  # the name a save writes to
    leftover.write_text("half a file")
    unrelated = folder / ".scenarios.csv.my-notes.tmp"  # not a name a save uses: kept
    unrelated.write_text("mine")
    save_scenario(wb.load(folder), Scenario(name="other", limits={"cost": 6.0}))
    assert not leftover.exists()
    assert unrelated.read_text() == "mine"
    assert sorted(p.name for p in folder.glob(".scenarios.csv.*")) == [
        ".scenarios.csv.lock", ".scenarios.csv.my-notes.tmp"]


def test_saving_is_possible_only_into_a_model_folder(small_model, folder):
    assert "scenarios are saved into a model folder's scenarios.csv" in \
        scenarios_save_problem(small_model)
    assert scenarios_save_problem(wb.load(folder)) is None


def test_write_table_refuses_to_replace_a_link(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("kept\n")
    link = tmp_path / "plan.csv"
    link.symlink_to(target)
    with pytest.raises(wb.ModelError) as caught:
        write_table(pd.DataFrame({"a": [1]}), link, overwrite=True)
    assert str(caught.value.problems[0]) == (
        f"{link}: is a symbolic link: it is not replaced by a file; write to the file it "
        "points to, or remove the link first")
    assert link.is_symlink() and target.read_text() == "kept\n"


def test_write_table_keeps_permissions_and_refuses_read_only_files(tmp_path):
    path = write_table(pd.DataFrame({"a": [1]}), tmp_path / "plan.csv")
    path.chmod(0o600)
    write_table(pd.DataFrame({"a": [2]}), path, overwrite=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["a", "2"]
    path.chmod(0o444)
    with pytest.raises(wb.ModelError, match="is read-only: it is not replaced"):
        write_table(pd.DataFrame({"a": [3]}), path, overwrite=True)
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["a", "2"]


def test_plan_overwrite_refuses_a_link_and_keeps_permissions(example_folder, tmp_path, capsys):
    target = tmp_path / "elsewhere.csv"
    target.write_text("kept\n")
    link = tmp_path / "plan.csv"
    link.symlink_to(target)
    arguments = ["plan", str(example_folder), "--out", str(link), "--overwrite"]
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert f"{link}: is a symbolic link: it is not replaced by a file" in error
    assert "Traceback" not in error
    assert link.is_symlink() and target.read_text() == "kept\n"
    private = tmp_path / "private.csv"
    private.write_text("old\n")
    private.chmod(0o600)
    assert main(["plan", str(example_folder), "--out", str(private), "--overwrite"]) == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text(encoding="utf-8-sig").startswith("id,name,")


def test_saving_over_a_model_folder_keeps_each_file_permissions(example_model, tmp_path):
    folder = save(example_model, tmp_path / "copy")
    (folder / "scores.csv").chmod(0o600)
    save(example_model, folder, overwrite=True)
    assert stat.S_IMODE((folder / "scores.csv").stat().st_mode) == 0o600
    (folder / "actions.csv").chmod(0o444)
    before = (folder / "actions.csv").read_bytes()
    with pytest.raises(wb.ModelError, match="actions.csv: is read-only"):
        save(example_model, folder, overwrite=True)
    assert (folder / "actions.csv").read_bytes() == before


# ---------------------------------------------------------------- save() keeps what load leaves out


@pytest.fixture
def annotated_folder(example_folder) -> Path:
    """The worked example with columns of the user's own and funding.csv's description."""
    def add(file: str, column: str, values) -> None:
        frame = pd.read_csv(example_folder / file, dtype=str, keep_default_na=False)
        frame[column] = values(len(frame)) if callable(values) else values
        frame.to_csv(example_folder / file, index=False)

    add("scores.csv", "comment", lambda n: [f"checked {k}" for k in range(n)])
    add("resources.csv", "owner", lambda n: [f"owner {k}" for k in range(n)])
    add("funding.csv", "description", lambda n: [f"=stream {k}" for k in range(n)])
    return example_folder


def extra_columns(path: Path) -> dict[str, list[str]]:
    """The added columns as a saved copy holds them (folder or workbook)."""
    return {column: read_table(path, name)[0][column].tolist()
            for name, column in (("scores", "comment"), ("resources", "owner"),
                                 ("funding", "description"))}


@pytest.mark.parametrize("target", ["copy", "copy.xlsx", None])
def test_save_keeps_added_columns_and_scenarios(annotated_folder, tmp_path, target):
    model = wb.load(annotated_folder)
    expected = extra_columns(annotated_folder)
    assert expected["description"][0] == "=stream 0"
    scenarios = load_scenarios(model)
    path = save(model, tmp_path / target if target else annotated_folder, overwrite=True)
    assert extra_columns(path) == expected
    again = wb.load(path)
    pd.testing.assert_frame_equal(load_scenarios(again), scenarios)
    for name in scenario_names(scenarios):
        assert load_scenario(again, name) == load_scenario(model, name)


def test_a_saved_workbook_holds_scenario_values_as_numbers(example_model, tmp_path):
    path = save(example_model, tmp_path / "copy.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["scenarios"].iter_rows(values_only=True))
    book.close()
    assert rows[0][:4] == ("scenario", "kind", "target", "value")
    assert ("lean_year", "limit", "cost", 500000) == rows[1][:4]


def test_extra_columns_follow_their_rows_when_the_model_changed(annotated_folder, tmp_path):
    model = wb.load(annotated_folder)
    resources = model.resources.iloc[::-1].reset_index(drop=True)  # rows reordered in code
    changed = replace(model, resources=resources)
    path = save(changed, tmp_path / "copy")
    saved = read_table(path, "resources")[0]
    original = read_table(annotated_folder, "resources")[0]
    assert original["resource"].is_unique and len(original) > 1
    owners = dict(zip(original["resource"], original["owner"]))
    assert saved["resource"].tolist() == original["resource"].tolist()[::-1]
    assert saved["owner"].tolist() == [owners[resource] for resource in saved["resource"]]


# ---------------------------------------------------------------- a large scenarios.csv


def test_twenty_thousand_rows_load_quickly(folder):
    model = wb.load(folder)
    actions, criteria = list(model.actions.index), list(model.criteria.index)
    lines = [HEADER]
    for k in range(5000):
        lines += [f"s{k},limit,cost,{1000 + k},note {k}",
                  f"s{k},include,{actions[k % len(actions)]},,",
                  f"s{k},weight,{criteria[k % len(criteria)]},{k % 7 + 1},",
                  f"s{k},stakeholder,combined,,"]
    scenarios_file(folder).write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    table = load_scenarios(model)
    seconds = time.perf_counter() - started
    assert len(table) == 20000
    assert seconds < 10, f"{seconds:.1f} s to load 20,000 rows (about 0.4 s when measured)"
    started = time.perf_counter()
    save_scenario(model, Scenario(name="one_more", limits={"cost": 5.0}))
    assert time.perf_counter() - started < 10
    assert scenarios_file(folder).read_text().endswith("one_more,limit,cost,5,\n")



def test_long_names_and_settings_are_refused_briefly(folder):
    model = wb.load(folder)
    with pytest.raises(wb.ModelError) as caught:
        save_scenario(model, Scenario(name="a" * 100_000, limits={"cost": 1.0}))
    assert str(caught.value.problems[0]) == (
        "scenarios.csv:scenario: name 'aaaaaaaaaaaaaaaaaaaa'…: is 100,000 characters long, "
        "more than the 1,000 a scenario name may have")
    assert not scenarios_file(folder).exists()
    long = "b" * 5_000  # a file's cells over 32,767 characters are refused by the reader
    scenarios_file(folder).write_text(f"{HEADER}\n{long},limit,cost,5,\nx,include,{long},,\n")
    with pytest.raises(wb.ModelError) as caught:
        load_scenarios(model)
    assert [str(problem) for problem in caught.value.problems] == [
        "scenarios.csv:2:scenario: is 5,000 characters long, more than the 1,000 a scenario "
        "name may have",
        "scenarios.csv:3:target: is 5,000 characters long, more than the 1,000 a setting "
        "may have"]
