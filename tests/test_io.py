"""Loading and validation: one test per rule of issue 2 section 3, each asserting the exact
`file:row:column: message` text, plus the encodings and layouts a spreadsheet can produce.

Broken models are made by editing a private copy of the worked example (`example_folder`) or
from small generated tables (`random_tables`). Rows count as a spreadsheet shows them: the
header is row 1.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import workbench as wb
from workbench.examples import random_tables
from workbench.io import escape_formula, unescape_formula

TABLES = ("actions", "resources", "criteria", "scores", "interactions", "constraints", "funding",
          "portfolios", "stakeholders", "weights")


# ---------------------------------------------------------------- helpers


def read_rows(folder: Path, file: str) -> list[list[str]]:
    with open(folder / file, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(folder: Path, file: str, rows: list[list[str]]) -> None:
    with open(folder / file, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def edit(folder: Path, file: str, row: int, column: str, value: str) -> None:
    """Set one cell, addressed as a spreadsheet shows it (header is row 1)."""
    rows = read_rows(folder, file)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(folder, file, rows)


def append(folder: Path, file: str, **cells: str) -> int:
    """Add a row (missing columns blank); return its row number."""
    rows = read_rows(folder, file)
    rows.append([cells.get(column, "") for column in rows[0]])
    write_rows(folder, file, rows)
    return len(rows)


def drop_column(folder: Path, file: str, column: str) -> None:
    rows = read_rows(folder, file)
    index = rows[0].index(column)
    write_rows(folder, file, [row[:index] + row[index + 1:] for row in rows])


def problems(source) -> list[str]:
    """The problem lines a model folder, workbook or tables dict raises."""
    with pytest.raises(wb.ModelError) as info:
        wb.load(source) if isinstance(source, (str, Path)) else wb.from_tables(source)
    return [str(problem) for problem in info.value.problems]


def only_problem(source) -> str:
    found = problems(source)
    assert len(found) == 1, found
    return found[0]


def tables(**changes) -> dict[str, pd.DataFrame]:
    """Tables of a small valid random model (6 actions), with some replaced."""
    result = random_tables(6, seed=3, funding=True, group_limits=True, n_requires=0)
    result.update(changes)
    return result


def assert_models_equal(first: wb.Model, second: wb.Model) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), obj=name)
    assert first.settings == second.settings


# ---------------------------------------------------------------- the example itself


def test_the_worked_example_loads(example_model):
    assert len(example_model.actions) == 27
    assert example_model.resource_names == ["cost", "staff_fte"]
    assert example_model.actions.loc["crisis_cafe", "cost_setup"] == 35000
    members = example_model.interactions.set_index("name").loc["crisis_alternatives", "members"]
    assert members == ("peer_support", "crisis_cafe_scheme", "mh_coaching")
    assert example_model.schemes == {"crisis_cafe_scheme": ["crisis_cafe", "crisis_cafe_weekends"],
                                     "ips_scheme": ["ips_employment", "ips_one_specialist"]}
    assert example_model.actions.loc["community_navigators", "min_share"] == 0.33
    assert example_model.criteria.loc["inequalities", "baseline"] == 5
    assert example_model.criteria.loc["reach", "per"] == "people_reached"
    assert list(example_model.profiles["action"]) == ["signposting_directory"] * 3


# ---------------------------------------------------------------- missing files and columns


def test_missing_file(example_folder):
    (example_folder / "criteria.csv").unlink()
    assert only_problem(example_folder) == "criteria.csv: is missing: every model needs this table"


def test_optional_files_may_be_missing(example_folder):
    for file in ("interactions.csv", "constraints.csv", "funding.csv", "portfolios.csv",
                 "weights.csv", "settings.csv"):
        (example_folder / file).unlink()
    model = wb.load(example_folder)
    assert model.interactions.empty and model.funding.empty and model.horizon == 1


def test_missing_column(example_folder):
    drop_column(example_folder, "actions.csv", "theme")
    assert only_problem(example_folder) == (
        "actions.csv:1:theme: required column is missing "
        "(expected columns: id, name, theme, lead, indicator)")


def test_missing_column_suggests_a_differently_written_one(example_folder):
    edit(example_folder, "criteria.csv", 1, "direction", "Direction")
    assert only_problem(example_folder) == (
        "criteria.csv:1:direction: required column is missing (expected columns: id, name, "
        "weight, scale_min, scale_max, direction) (found 'Direction': column names must match "
        "exactly)")


def test_missing_resource_column(example_folder):
    drop_column(example_folder, "actions.csv", "staff_fte")
    assert only_problem(example_folder) == (
        "actions.csv:1:staff_fte: column is missing: resources.csv names resource 'staff_fte', "
        "so each action needs its amount per year")


def test_nonexistent_path_and_wrong_kind_of_file(tmp_path):
    assert only_problem(tmp_path / "nowhere") == f"{tmp_path / 'nowhere'}: no such folder or file"
    text_file = tmp_path / "model.txt"
    text_file.write_text("id,name\n")
    assert only_problem(text_file) == (
        f"{text_file}: a model is a folder of CSV files or an .xlsx workbook")


# ---------------------------------------------------------------- ids


def test_duplicate_id(example_folder):
    edit(example_folder, "actions.csv", 3, "id", "awareness_videos")
    found = problems(example_folder)
    assert found[0] == "actions.csv:3:id: duplicate id 'awareness_videos': already on row 2"


def test_ids_differing_only_in_case_or_spacing_are_duplicates(example_folder):
    edit(example_folder, "criteria.csv", 3, "id", "REACH")
    edit(example_folder, "stakeholders.csv", 3, "stakeholder", " statutory ")
    found = problems(example_folder)
    assert ("criteria.csv:3:id: duplicate id 'REACH': already on row 2 as 'reach' "
            "(ids differing only in case or spacing are the same)") in found
    assert ("stakeholders.csv:3:stakeholder: duplicate id 'statutory': already on row 2"
            in found)


def test_blank_id_and_id_with_list_separator():
    actions = tables()["actions"].copy()
    actions.loc[1, "id"] = ""
    actions.loc[2, "id"] = "a;b"
    found = problems(tables(actions=actions))
    assert "actions.csv:3:id: is blank: every row needs an id" in found
    assert ("actions.csv:4:id: 'a;b' contains ';', which separates ids in lists: use letters, "
            "digits and underscores") in found


# ---------------------------------------------------------------- unknown references


@pytest.mark.parametrize("file, row, column, value, expected", [
    ("scores.csv", 2, "action", "awareness_vidoes",
     "scores.csv:2:action: unknown action 'awareness_vidoes' (did you mean 'awareness_videos'?)"),
    ("scores.csv", 2, "criterion", "reech",
     "scores.csv:2:criterion: unknown criterion 'reech' (did you mean 'reach'?)"),
    ("scores.csv", 2, "stakeholder", "Statutory",
     "scores.csv:2:stakeholder: unknown stakeholder 'Statutory' (did you mean 'statutory'?)"),
    ("interactions.csv", 2, "actions", "awareness_campaign;social_prescibing",
     "interactions.csv:2:actions: unknown action 'social_prescibing' "
     "(did you mean 'social_prescribing'?)"),
    ("constraints.csv", 2, "target", "voice",
     "constraints.csv:2:target: unknown theme 'voice'"),
    ("constraints.csv", 5, "target", "Council public heath",
     "constraints.csv:5:target: unknown lead 'Council public heath' "
     "(did you mean 'Council public health'?)"),
    ("funding.csv", 2, "resource", "money",
     "funding.csv:2:resource: unknown resource 'money'"),
    ("funding.csv", 3, "themes", "community;peer_and_crisis;crisis",
     "funding.csv:3:themes: unknown theme 'crisis'"),
    ("funding.csv", 3, "actions", "ips_employment;coproduction",
     "funding.csv:3:actions: unknown action 'coproduction' "
     "(did you mean 'coproduction_framework'?)"),
    ("portfolios.csv", 2, "action", "coaching",
     "portfolios.csv:2:action: unknown action 'coaching' (did you mean 'mh_coaching'?)"),
    ("weights.csv", 2, "criterion", "reaches",
     "weights.csv:2:criterion: unknown criterion 'reaches' (did you mean 'reach'?)"),
    ("weights.csv", 2, "stakeholder", "council",
     "weights.csv:2:stakeholder: unknown stakeholder 'council'"),
])
def test_unknown_reference(example_folder, file, row, column, value, expected):
    edit(example_folder, file, row, column, value)
    assert only_problem(example_folder) == expected


def test_include_of_an_unknown_action(example_folder):
    row = append(example_folder, "constraints.csv", kind="include", target="crisis-cafe")
    assert only_problem(example_folder) == (
        f"constraints.csv:{row}:target: unknown action 'crisis-cafe' (did you mean 'crisis_cafe'?)")


def test_a_table_without_stakeholders_file_checks_weights_against_scores(example_folder):
    (example_folder / "stakeholders.csv").unlink()
    edit(example_folder, "weights.csv", 2, "stakeholder", "council")
    assert only_problem(example_folder) == (
        "weights.csv:2:stakeholder: unknown stakeholder 'council'")


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("value, expected", [
    ("abc", "actions.csv:2:cost: 'abc' is not a number"),
    ("nan", "actions.csv:2:cost: 'nan' is not a number"),
    ("NaN", "actions.csv:2:cost: 'NaN' is not a number"),
    ("", "actions.csv:2:cost: is blank: a number is needed"),
    ("25000,5", "actions.csv:2:cost: '25000,5' is not a number "
                "(write decimals with a point, e.g. 1.5)"),
    ("£25,000", "actions.csv:2:cost: '£25,000' is not a number "
                "(write 25000: the number alone, without a currency sign or k/m/bn)"),
    ("60k", "actions.csv:2:cost: '60k' is not a number "
            "(write 60000: the number alone, without a currency sign or k/m/bn)"),
    ("£1.5m", "actions.csv:2:cost: '£1.5m' is not a number "
              "(write 1500000: the number alone, without a currency sign or k/m/bn)"),
    ("5%", "actions.csv:2:cost: '5%' is not a number "
           "(write the number alone, without a currency or % sign)"),
    ("1e16", "actions.csv:2:cost: '1e16' is too large: numbers must lie between -1e15 and 1e15"),
    ("inf", "actions.csv:2:cost: 'inf' is too large: numbers must lie between -1e15 and 1e15"),
])
def test_non_numeric_or_nan_number(example_folder, value, expected):
    edit(example_folder, "actions.csv", 2, "cost", value)
    assert only_problem(example_folder) == expected


def test_thousands_separators_are_read(example_folder):
    edit(example_folder, "actions.csv", 2, "cost", "1,250,000")
    edit(example_folder, "resources.csv", 2, "limit", "2,000,000.50")
    model = wb.load(example_folder)
    assert model.actions.loc["awareness_videos", "cost"] == 1_250_000
    assert model.resources.loc[0, "limit"] == 2_000_000.5


@pytest.mark.parametrize("file, row, column, expected", [
    ("actions.csv", 2, "cost", "actions.csv:2:cost: -5 is negative: it must be 0 or more"),
    ("actions.csv", 3, "cost_setup",
     "actions.csv:3:cost_setup: -5 is negative: it must be 0 or more"),
    ("resources.csv", 3, "limit", "resources.csv:3:limit: -5 is negative: it must be 0 or more"),
    ("funding.csv", 2, "limit", "funding.csv:2:limit: -5 is negative: it must be 0 or more"),
])
def test_negative_cost_or_limit(example_folder, file, row, column, expected):
    edit(example_folder, file, row, column, "-5")
    assert only_problem(example_folder) == expected


def test_whole_numbers_and_minimums(example_folder):
    edit(example_folder, "actions.csv", 2, "duration_years", "1.5")
    edit(example_folder, "actions.csv", 3, "earliest_start", "0")
    found = problems(example_folder)
    assert found == ["actions.csv:2:duration_years: 1.5 must be a whole number",
                     "actions.csv:3:earliest_start: 0 is below the minimum of 1"]


# ---------------------------------------------------------------- scores and weights


def test_score_outside_its_scale(example_folder):
    edit(example_folder, "scores.csv", 2, "score", "12")  # criterion reach, scale 0..10
    assert problems(example_folder) == [
        "scores.csv:2:score: 12 is outside the scale 0..10 of criterion 'reach'",
        "scores.csv:2:score: score 12 lies outside low..high (5.5..9.5)"]


def test_score_range_outside_its_scale(example_folder):
    edit(example_folder, "scores.csv", 2, "low", "-1")
    assert only_problem(example_folder) == (
        "scores.csv:2:low: -1 is outside the scale 0..10 of criterion 'reach'")


def test_missing_score():
    scores = tables()["scores"]
    scores = scores[~((scores["action"] == "a02") & (scores["criterion"] == "c1"))]
    assert only_problem(tables(scores=scores)) == (
        "scores.csv: action 'a02' has no score on 'c1': add a row action,criterion,score")


def test_zero_total_weight():
    criteria = tables()["criteria"].assign(weight=0)
    assert only_problem(tables(criteria=criteria)) == (
        "criteria.csv:1:weight: the weights add up to zero: at least one must be positive")


def test_zero_total_weight_of_a_stakeholder(example_folder):
    rows = read_rows(example_folder, "weights.csv")
    rows = [row if row[0] != "vcs" else [row[0], row[1], "0"] for row in rows]
    write_rows(example_folder, "weights.csv", rows)
    first = next(number for number, row in enumerate(rows, 1) if row[0] == "vcs")
    assert only_problem(example_folder) == (
        f"weights.csv:{first}:weight: the weights of stakeholder 'vcs' add up to zero: "
        "at least one must be positive")


def test_criterion_scale_and_direction(example_folder):
    edit(example_folder, "criteria.csv", 2, "scale_max", "0")
    edit(example_folder, "criteria.csv", 3, "direction", "up")
    found = problems(example_folder)
    assert found[:2] == ["criteria.csv:2:scale_max: scale_max 0 must be above scale_min 0",
                         "criteria.csv:3:direction: 'up' must be 'higher' or 'lower'"]


# ---------------------------------------------------------------- interactions


def test_synergy_without_exactly_two_actions(example_folder):
    edit(example_folder, "interactions.csv", 2, "actions",
         "awareness_campaign;social_prescribing;mhfa_community")
    edit(example_folder, "interactions.csv", 3, "actions", "mhfa_community")
    assert problems(example_folder) == [
        "interactions.csv:2:actions: a synergy links exactly two actions, not 3",
        "interactions.csv:3:actions: a synergy links exactly two actions, not 1"]


@pytest.mark.parametrize("threshold, expected", [
    ("6", "interactions.csv:15:threshold: 6 must be between 1 and the 5 actions listed"),
    ("0", "interactions.csv:15:threshold: 0 must be between 1 and the 5 actions listed"),
    ("2.5", "interactions.csv:15:threshold: 2.5 must be a whole number"),
    ("", "interactions.csv:15:threshold: a critical_mass needs a threshold (how many of its "
         "actions must run together)"),
])
def test_threshold_larger_than_its_group_or_below_one(example_folder, threshold, expected):
    edit(example_folder, "interactions.csv", 15, "threshold", threshold)  # community_front_door
    assert only_problem(example_folder) == expected


def test_requires_cycle(example_folder):
    # row 19 says community_navigators requires community_asset_map; close the loop
    row = append(example_folder, "interactions.csv", kind="requires",
                 actions="community_asset_map;community_navigators")
    assert only_problem(example_folder) == (
        f"interactions.csv:{row}:actions: 'requires' forms a cycle: community_navigators "
        "requires community_asset_map requires community_navigators; remove one of these rows")


def test_longer_requires_cycle_and_long_chain():
    interactions = pd.DataFrame({"kind": ["requires"] * 3,
                                 "actions": ["a00;a01", "a01;a02", "a02;a00"]})
    assert only_problem(tables(interactions=interactions)) == (
        "interactions.csv:4:actions: 'requires' forms a cycle: a00 requires a01 requires a02 "
        "requires a00; remove one of these rows")
    chain = random_tables(1500, seed=0, n_requires=0, synergy_share=0, cluster_every=10_000,
                          n_excludes=0, stakeholders=1, n_criteria=1)
    ids = chain["actions"]["id"]
    chain["interactions"] = pd.DataFrame({"kind": "requires",
                                          "actions": [f"{a};{b}" for a, b in zip(ids, ids[1:])]})
    assert len(wb.from_tables(chain).interactions) == 1499  # no recursion limit on long chains


def test_repeated_interactions(example_folder):
    row = append(example_folder, "interactions.csv", kind="synergy",
                 actions="social_prescribing;awareness_campaign", bonus="3")
    assert only_problem(example_folder) == (
        f"interactions.csv:{row}:actions: repeats the synergy of row 2: keep one of the two rows")


def test_interaction_kind_and_bonus(example_folder):
    edit(example_folder, "interactions.csv", 2, "kind", "synergie")
    edit(example_folder, "interactions.csv", 3, "bonus", "")
    assert problems(example_folder) == [
        "interactions.csv:2:kind: 'synergie' must be one of synergy, critical_mass, requires, "
        "excludes",
        "interactions.csv:3:bonus: a synergy needs a bonus in value points"]


# ---------------------------------------------------------------- constraints, funding, settings


def test_contradictory_include_and_exclude(example_folder):
    include = append(example_folder, "constraints.csv", kind="include", target="peer_support")
    exclude = append(example_folder, "constraints.csv", kind="exclude", target="peer_support")
    assert only_problem(example_folder) == (
        f"constraints.csv:{exclude}:target: action 'peer_support' is both included "
        f"(row {include}) and excluded: keep one of the two rows")


def test_constraint_kind_and_count(example_folder):
    edit(example_folder, "constraints.csv", 2, "kind", "theme_minimum")
    edit(example_folder, "constraints.csv", 3, "value", "")
    assert problems(example_folder) == [
        "constraints.csv:2:kind: 'theme_minimum' must be one of include, exclude, theme_min, "
        "theme_max, lead_max",
        "constraints.csv:3:value: theme_min needs a count of actions"]


def test_funding_stream_rules(example_folder):
    edit(example_folder, "funding.csv", 3, "stream", "public_health_grant")
    found = problems(example_folder)
    assert found == ["funding.csv:3:stream: repeats the stream and year of row 2: "
                     "keep one of the two rows"]


def test_blank_funding_resource_needs_a_cost_resource():
    funding = tables()["funding"].assign(resource="")
    resources = tables()["resources"].replace({"cost": "money"})
    actions = tables()["actions"].rename(columns={"cost": "money", "cost_setup": "money_setup"})
    found = problems(tables(funding=funding, resources=resources, actions=actions))
    assert found == ["funding.csv:2:resource: is blank and the model has no 'cost' resource: "
                     "name the resource this stream pays towards",
                     "funding.csv:3:resource: is blank and the model has no 'cost' resource: "
                     "name the resource this stream pays towards"]


def test_resource_names(example_folder):
    edit(example_folder, "resources.csv", 3, "resource", "theme")
    found = problems(example_folder)
    assert found[0] == ("resources.csv:3:resource: 'theme' cannot name a resource: actions.csv "
                        "uses it for another column (names ending in '_setup' hold one-off "
                        "amounts)")


def test_settings(example_folder):
    edit(example_folder, "settings.csv", 2, "value", "0")
    append(example_folder, "settings.csv", setting="discount_rate", value="0.035")
    assert problems(example_folder) == [
        "settings.csv:2:value: horizon_years '0' must be a whole number of years from 1 to 20",
        "settings.csv:6:setting: unknown setting 'discount_rate' (known: horizon_years, "
        "aggregation, title, description)"]


def test_title_and_description_are_bounded_text(example_folder):
    assert wb.load(example_folder).settings["title"] == "A local mental health strategy"
    edit(example_folder, "settings.csv", 4, "value", "x" * 201)
    assert problems(example_folder) == [
        "settings.csv:4:value: title has 201 characters: keep it to 200 (a line for the title, "
        "a paragraph for the description)"]
    edit(example_folder, "settings.csv", 4, "value", "A title")
    edit(example_folder, "settings.csv", 5, "value", "y" * 1_001)
    assert problems(example_folder) == [
        "settings.csv:5:value: is 1,001 characters long, more than the 1,000 an id, a name or a "
        "number may have (longer text belongs in a description or note column)"]


def test_a_limit_for_a_year_beyond_the_horizon_waits_for_a_longer_plan(example_folder):
    write_rows(example_folder, "resources.csv", [["resource", "limit", "year"],
                                                 ["cost", "680000", ""], ["staff_fte", "5.5", ""],
                                                 ["cost", "1000", "2"]])
    model = wb.load(example_folder)
    assert wb.optimise(model).cost["cost"] > 1000  # one-year plan: the year-2 row is not used
    two_years = wb.optimise(model, horizon=2)
    assert two_years.cost_by_year.loc["cost", 2] <= 1000


def test_portfolio_repeats_an_action(example_folder):
    row = append(example_folder, "portfolios.csv", portfolio="roundtable", action="peer_support")
    assert only_problem(example_folder) == (
        f"portfolios.csv:{row}:portfolio: repeats the portfolio and action of row 3: "
        "keep one of the two rows")


# ---------------------------------------------------------------- unreadable files and encodings


def test_file_in_another_encoding(example_folder):
    rows = read_rows(example_folder, "actions.csv")
    rows[2][rows[0].index("description")] = "Costs about £60,000 a year"
    with open(example_folder / "actions.csv", "w", encoding="latin-1", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    assert only_problem(example_folder) == (
        "actions.csv:3: is not UTF-8 text: byte 0xA3 ('£' in Windows-1252) cannot be read; "
        "save the file from your spreadsheet as 'CSV UTF-8'")


def test_utf16_without_byte_order_mark(example_folder):
    text = (example_folder / "constraints.csv").read_text(encoding="utf-8")
    (example_folder / "constraints.csv").write_bytes(text.encode("utf-16-le"))
    assert only_problem(example_folder) == (
        "constraints.csv:1: contains NUL characters: it is not CSV text (UTF-16 without a "
        "byte-order mark?); save it as 'CSV UTF-8'")


def test_unreadable_file(example_folder, monkeypatch):
    (example_folder / "funding.csv").unlink()
    (example_folder / "funding.csv").mkdir()
    original = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).name == "weights.csv":
            raise PermissionError(13, "Permission denied")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)  # tests run as root, who may read anything
    assert problems(example_folder) == [
        "funding.csv: is a folder, not a file: put the file itself in its place",
        "weights.csv: cannot be read: Permission denied: ask for read access to it and its "
        "folder, or copy the model to a folder of your own"]


def test_empty_file(example_folder):
    (example_folder / "criteria.csv").write_text("\n \n")
    assert only_problem(example_folder) == (
        "criteria.csv: is empty: it needs at least a header row")


def test_damaged_workbook(tmp_path):
    path = tmp_path / "model.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip file")
    assert only_problem(path) == (
        "model.xlsx: cannot be read as an .xlsx workbook (BadZipFile: File is not a zip file); "
        "save it from your spreadsheet as 'Excel Workbook (.xlsx)'")


@pytest.mark.parametrize("encoding, newline", [
    ("utf-8-sig", "\n"), ("utf-16", "\n"), ("utf-8", "\r\n"), ("utf-16", "\r\n")])
def test_byte_order_marks_utf16_and_windows_line_endings_load(example_folder, example_model,
                                                             encoding, newline):
    for file in example_folder.glob("*.csv"):
        rows = read_rows(example_folder, file.name)
        with open(file, "w", encoding=encoding, newline="") as handle:
            csv.writer(handle, lineterminator=newline).writerows(rows)
    assert_models_equal(wb.load(example_folder), example_model)


def test_spaces_around_cells_and_blank_rows_are_ignored(example_folder, example_model):
    for file in example_folder.glob("*.csv"):
        rows = read_rows(example_folder, file.name)
        padded = [[f" {cell}  " for cell in row] for row in rows]
        write_rows(example_folder, file.name, padded[:2] + [[""] * len(rows[0]), []] + padded[2:])
    assert_models_equal(wb.load(example_folder), example_model)


# ---------------------------------------------------------------- layout of a table


def test_header_problems(example_folder):
    rows = read_rows(example_folder, "resources.csv")
    write_rows(example_folder, "resources.csv",
               [["resource", "limit", "limit", ""], ["cost", "1", "2", "x"], ["staff_fte", "5"]])
    rows = read_rows(example_folder, "criteria.csv")
    rows[3] = rows[3] + ["an extra cell"]
    write_rows(example_folder, "criteria.csv", rows)
    assert problems(example_folder) == [
        "resources.csv:1:limit: column appears twice in the header (columns B and C)",
        "resources.csv:1: column D holds values but has no name in the header row",
        "criteria.csv:4: has 12 cells but the header names only 11 columns "
        "(a comma inside a value needs quotes)"]


def test_blank_unnamed_columns_are_ignored(example_folder):
    rows = read_rows(example_folder, "resources.csv")
    write_rows(example_folder, "resources.csv", [["", *row, "", ""] for row in rows])
    assert wb.load(example_folder).resources["limit"].tolist() == [680000, 5.5]


def test_extra_columns_are_kept(example_folder):
    rows = read_rows(example_folder, "actions.csv")
    write_rows(example_folder, "actions.csv",
               [row + ([f"note {number}"] if number else ["comment"])
                for number, row in enumerate(rows)])
    assert wb.load(example_folder).actions.loc["awareness_videos", "comment"] == "note 1"


# ---------------------------------------------------------------- workbooks


def write_workbook(folder: Path, path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    book.create_sheet("Notes").append(["anything an analyst keeps beside the model"])
    for file in sorted(folder.glob("*.csv")):
        sheet = book.create_sheet(file.stem)
        for row in read_rows(folder, file.name):
            sheet.append([float(cell) if cell.replace(".", "", 1).isdigit() else cell
                          for cell in row])
    book.save(path)


def test_workbook_loads_like_the_folder(example_folder, example_model, tmp_path):
    write_workbook(example_folder, tmp_path / "model.xlsx")
    assert_models_equal(wb.load(tmp_path / "model.xlsx"), example_model)


def test_workbook_problems_name_the_sheet(example_folder, tmp_path):
    edit(example_folder, "actions.csv", 3, "cost", "lots")
    write_workbook(example_folder, tmp_path / "model.xlsx")
    assert only_problem(tmp_path / "model.xlsx") == (
        "model.xlsx[actions]:3:cost: 'lots' is not a number")


def test_workbook_with_merged_cells_and_a_sheet_twice(example_folder, tmp_path):
    path = tmp_path / "model.xlsx"
    write_workbook(example_folder, path)
    book = openpyxl.load_workbook(path)
    book["actions"].merge_cells("C2:D2")  # theme and lead of the first action
    book.create_sheet("Resources.csv").append(["resource", "limit"])
    book.save(path)
    assert problems(path) == [
        "model.xlsx: sheets 'resources' and 'Resources.csv' both hold table 'resources': "
        "keep one"]
    del book["Resources.csv"]
    book.save(path)
    assert only_problem(path) == "model.xlsx[actions]:2:lead: is blank: every action needs a lead"


# ---------------------------------------------------------------- several problems at once


def test_several_problems_in_different_files_are_reported_at_once(example_folder):
    edit(example_folder, "actions.csv", 4, "staff_fte", "two")
    edit(example_folder, "criteria.csv", 5, "weight", "-1")
    edit(example_folder, "scores.csv", 10, "criterion", "impakt")
    edit(example_folder, "interactions.csv", 16, "threshold", "4")
    edit(example_folder, "funding.csv", 4, "themes", "jobs")
    append(example_folder, "constraints.csv", kind="exclude", target="mh_coach")
    assert problems(example_folder) == [
        "actions.csv:4:staff_fte: 'two' is not a number",
        "criteria.csv:5:weight: -1 is negative: it must be 0 or more",
        "scores.csv:10:criterion: unknown criterion 'impakt' (did you mean 'impact'?)",
        "interactions.csv:16:threshold: 4 must be between 1 and the 3 actions listed",
        "constraints.csv:6:target: unknown action 'mh_coach' (did you mean 'mh_coaching'?)",
        "funding.csv:4:themes: unknown theme 'jobs'"]


def test_layout_problems_in_different_files_are_reported_at_once(example_folder):
    (example_folder / "scores.csv").unlink()
    drop_column(example_folder, "criteria.csv", "scale_max")
    (example_folder / "weights.csv").write_bytes(
        "stakeholder,criterion,weight\n£".encode("cp1252"))
    assert problems(example_folder) == [
        "weights.csv:2: is not UTF-8 text: byte 0xA3 ('£' in Windows-1252) cannot be read; "
        "save the file from your spreadsheet as 'CSV UTF-8'",
        "criteria.csv:1:scale_max: required column is missing (expected columns: id, name, "
        "weight, scale_min, scale_max, direction)",
        "scores.csv: is missing: every model needs this table"]


def test_error_message_lists_every_problem(example_folder):
    edit(example_folder, "actions.csv", 2, "cost", "x")
    edit(example_folder, "actions.csv", 3, "cost", "y")
    with pytest.raises(wb.ModelError) as info:
        wb.load(example_folder)
    assert str(info.value) == ("2 problems in the model:\n"
                               "  actions.csv:2:cost: 'x' is not a number\n"
                               "  actions.csv:3:cost: 'y' is not a number")


# ---------------------------------------------------------------- from_tables and escaping


def test_from_tables_reports_like_files():
    actions = tables()["actions"].assign(cost=["x", 1, 2, 3, 4, 5])
    assert only_problem(tables(actions=actions)) == "actions.csv:2:cost: 'x' is not a number"
    assert only_problem({"action": pd.DataFrame()}) == (
        "action: unknown table (known: actions, resources, criteria, scores, interactions, "
        "constraints, funding, portfolios, stakeholders, weights, profiles, progress, "
        "settings)")
    assert only_problem({"actions": [1, 2]}) == (
        "actions.csv: must be a pandas DataFrame, not list")


def test_from_tables_reports_header_problems():
    actions = tables()["actions"]
    actions = pd.concat([actions, actions[["name"]]], axis=1)
    assert only_problem(tables(actions=actions)) == (
        "actions.csv:1:name: column appears twice in the header (columns B and J)")


@pytest.mark.parametrize("text", ["=1+1", "+sum", "-x", "@cmd", "'=x", "''-y", "=", "-"])
def test_formula_escape_round_trips(text):
    escaped = escape_formula(text)
    assert escaped == "'" + text
    assert unescape_formula(escaped) == text


@pytest.mark.parametrize("text", ["-5", "+1.5e3", "plain", "'quoted", "", "a=b", "'"])
def test_harmless_text_is_not_escaped(text):
    assert escape_formula(text) == text
    assert unescape_formula(text) == text


def test_escaped_cells_load_without_the_apostrophe(example_folder):
    edit(example_folder, "actions.csv", 2, "description", "'=HYPERLINK(\"http://x\")")
    model = wb.load(example_folder)
    assert model.actions.loc["awareness_videos", "description"] == '=HYPERLINK("http://x")'


def test_load_does_not_change_the_folder(example_folder):
    before = {file.name: file.read_bytes() for file in example_folder.iterdir()}
    wb.load(example_folder)
    assert {file.name: file.read_bytes() for file in example_folder.iterdir()} == before
