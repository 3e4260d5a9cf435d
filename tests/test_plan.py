"""The action plan: rows, yearly budgets, funding text, safe writing and the `plan` command."""
from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.cli import main
from workbench.examples import random_model, random_tables
from workbench.export import write_table
from workbench.plan import action_plan, funding_text
from workbench.plan_workbook import excel_format, plan_summary, write_plan
from workbench.portfolio.schedule import action_timing

HYPERLINK = '=HYPERLINK("http://example.invalid","click")'


def _plan(model, **options):
    result = wb.optimise(model, **options)
    return result, action_plan(result, model)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), horizon=st.integers(1, 3))
def test_rows_and_yearly_budgets_match_the_result(seed, horizon):
    model = random_model(8, seed=seed, horizon=horizon, funding=True)
    result, plan = _plan(model)
    assert list(plan["id"]) == sorted(result.selected, key=lambda a: (
        result.start_year[a], list(model.actions.index).index(a)))
    assert dict(zip(plan["id"], plan["start_year"])) == result.start_year
    timing = action_timing(model, horizon)
    for row in plan.itertuples():
        last = min(row.start_year + int(timing.loc[row.id, "duration"]) - 1, horizon)
        assert row.end_year == last
        assert model.actions.loc[row.id, "lead"] == row.lead
    for resource in model.resource_names:
        for year in range(1, horizon + 1):
            column = f"{resource}_y{year}"
            assert plan[column].sum() == pytest.approx(result.cost_by_year.loc[resource, year])


def test_an_action_uses_nothing_outside_its_active_years():
    model = random_model(10, seed=4, horizon=3)
    result, plan = _plan(model)
    running = model.actions["cost"]
    for row in plan.itertuples():
        for year in range(1, 4):
            amount = getattr(row, f"cost_y{year}")
            if year < row.start_year or year > row.end_year:
                assert amount == 0
            elif year > row.start_year:
                assert amount == running[row.id]


def test_funding_column_names_every_stream_and_amount(example_model):
    result, plan = _plan(example_model)
    for row in plan.itertuples():
        paid = result.funding[result.funding["action"] == row.id]
        totals = paid.groupby("stream")["amount"].sum()
        assert totals.sum() == pytest.approx(row.cost_y1)  # every pound is paid by a stream
        for stream, amount in totals.items():
            assert f"{stream} £{amount:,.0f}" in row.funding
        assert row.funding.count(";") == len(totals) - 1


def test_funding_text_largest_stream_first(example_model):
    funding = pd.DataFrame({"action": ["peer_support"] * 3,
                            "stream": ["icb_mh_transformation", "public_health_grant",
                                       "public_health_grant"],
                            "year": [1, 1, 2], "amount": [5000.0, 30000.0, 50000.0]})
    assert funding_text(funding, example_model, "peer_support") == (
        "public_health_grant £80,000; icb_mh_transformation £5,000")
    assert funding_text(funding, example_model, "crisis_cafe") == ""


def test_a_plan_needs_a_feasible_portfolio(example_model):
    roundtable = wb.evaluate(example_model, example_model.reference_portfolio("roundtable"))
    assert roundtable.status == "infeasible"
    with pytest.raises(wb.ModelError, match="no action plan for a portfolio that is infeasible"):
        action_plan(roundtable, example_model)


def test_a_result_from_another_model_is_refused(example_model):
    result = wb.optimise(random_model(6, seed=2))
    with pytest.raises(wb.ModelError, match="not in the model .*another model"):
        action_plan(result, example_model)


# ---------------------------------------------------------------- writing safely


def _model_with_formula_lead():
    tables = random_tables(6, seed=5)
    tables["actions"].loc[0, "lead"] = HYPERLINK
    tables["constraints"] = pd.DataFrame([{"kind": "include", "target": "a00", "value": ""}])
    return wb.from_tables(tables)


def test_formula_in_a_lead_is_escaped_in_csv(tmp_path):
    model = _model_with_formula_lead()
    path = write_table(action_plan(wb.optimise(model), model), tmp_path / "plan.csv")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    leads = {row["id"]: row["lead"] for row in rows}
    assert leads["a00"] == "'" + HYPERLINK


def test_formula_in_a_lead_is_escaped_in_xlsx(tmp_path):
    model = _model_with_formula_lead()
    path = write_table(action_plan(wb.optimise(model), model), tmp_path / "plan.xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell for cell in row))) for row in sheet.iter_rows(min_row=2)]
    cell = next(row["lead"] for row in rows if row["id"].value == "a00")
    assert cell.value == "'" + HYPERLINK
    assert cell.data_type == "s"  # text, not a formula
    assert all(row["cost_y1"].data_type == "n" for row in rows)  # numbers stay numbers


def test_refuses_to_overwrite_unless_asked(tmp_path, example_model):
    plan = action_plan(wb.optimise(example_model), example_model)
    path = tmp_path / "plan.csv"
    path.write_text("keep me\n", encoding="utf-8")
    with pytest.raises(wb.ModelError, match="already exists: pass overwrite=True"):
        write_table(plan, path)
    assert path.read_text(encoding="utf-8") == "keep me\n"
    write_table(plan, path, overwrite=True)
    assert len(pd.read_csv(path)) == len(plan)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv"]  # no temporary files


def test_a_failed_write_leaves_nothing_behind(tmp_path, example_model, monkeypatch):
    plan = action_plan(wb.optimise(example_model), example_model)

    def broken(rows, target):
        target.write_bytes(b"half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("workbench.export._write_xlsx", broken)
    with pytest.raises(wb.WorkbenchError, match="could not be written"):
        write_table(plan, tmp_path / "plan.xlsx")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the command


def test_plan_command_writes_the_optimised_portfolio(tmp_path, example_folder, capsys):
    out = tmp_path / "plan.xlsx"
    assert main(["plan", str(example_folder), "--out", str(out)]) == 0
    table = pd.read_excel(out, sheet_name="plan")
    plan, total = table.iloc[:-1], table.iloc[-1]
    expected = wb.optimise(wb.load(example_folder))
    assert sorted(plan["id"]) == sorted(expected.selected)
    assert plan["cost_y1"].sum() == pytest.approx(expected.cost["cost"])
    assert (total["id"], total["cost_y1"]) == ("total", pytest.approx(expected.cost["cost"]))
    assert capsys.readouterr().out.splitlines() == [
        f"action plan of {len(plan)} actions over 1 year written to {out}, with a total row "
        "and a summary sheet (value, limits, funding streams, scenario, the model's SHA-256)",
        f"value: {expected.objective:,.1f} value points; Money £{expected.cost['cost']:,.0f}; "
        f"Staff time {expected.cost['staff_fte']:g} FTE"]


def test_plan_command_limits_horizon_and_overwrite(tmp_path, example_folder, capsys):
    out = tmp_path / "plan.csv"
    arguments = ["plan", str(example_folder), "--out", str(out), "--horizon", "3",
                 "--limit", "cost=500000"]
    assert main(arguments) == 0
    plan = pd.read_csv(out)
    assert {"cost_y1", "cost_y2", "cost_y3", "staff_fte_y3"} <= set(plan.columns)
    assert plan.filter(like="cost_y").to_numpy().sum() <= 500_000 + 1e-6
    assert main(arguments) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([*arguments, "--overwrite"]) == 0


def test_plan_command_with_no_feasible_portfolio_writes_nothing(tmp_path, example_folder,
                                                                capsys):
    out = tmp_path / "plan.csv"
    assert main(["plan", str(example_folder), "--out", str(out), "--limit", "cost=0"]) == 1
    assert "no plan written" in capsys.readouterr().err
    assert not out.exists()


def test_plan_command_bad_arguments(tmp_path, example_folder, capsys):
    assert main(["plan", str(example_folder), "--out", str(tmp_path / "p.csv"),
                 "--horizon", "0"]) == 2
    assert "--horizon 0: the plan needs at least 1 year" in capsys.readouterr().err
    assert main(["plan", str(example_folder), "--out", str(tmp_path / "p.pdf")]) == 2
    assert "a table is written as a .csv or .xlsx file, not '.pdf'" in capsys.readouterr().err


# ---------------------------------------------------------------- units and the workbook


def test_funding_text_in_the_streams_units(example_model):
    """A stream paying staff time shows FTE; nothing assumes money or a resource called cost."""
    import dataclasses

    funding = pd.concat([example_model.funding, pd.DataFrame([{
        "stream": "secondments", "resource": "staff_fte", "limit": 2.0, "themes": (),
        "actions": (), "description": "staff lent by partners"}])], ignore_index=True)
    model = dataclasses.replace(example_model, funding=funding)
    split = pd.DataFrame({"action": ["peer_support"] * 2,
                          "stream": ["secondments", "public_health_grant"],
                          "year": [1, 1], "amount": [0.25, 30000.0]})
    assert funding_text(split, model, "peer_support") == (
        "public_health_grant £30,000; secondments 0.25 FTE")


def test_excel_formats_carry_the_unit():
    assert excel_format("£") == '"£"#,##0'
    assert excel_format("FTE", "#,##0.0#") == '#,##0.0# "FTE"'
    assert excel_format("") == "#,##0"
    assert excel_format("$", "#,##0") == '"$"#,##0'
    assert excel_format('in"ch') == '#,##0 "inch"'


def _sheet_rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_plan_workbook_formats_totals_and_summary(tmp_path, example_folder):
    model = wb.load(example_folder)
    result = wb.optimise(model, horizon=2, limits={"cost": 500_000})
    path = write_plan(result, model, tmp_path / "plan.xlsx",
                      options=wb.run_options(model, horizon=2, limits={"cost": 500_000}),
                      scenario="my_case")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["plan", "summary"]
    sheet = book["plan"]
    plan = action_plan(result, model)
    rows = _sheet_rows(sheet)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header == list(plan.columns) and len(body) == len(plan)
    column = {name: k for k, name in enumerate(header)}
    for name in ("cost_y1", "cost_y2", "staff_fte_y1", "staff_fte_y2"):
        resource, year = name.rsplit("_y", 1)
        assert total[column[name]] == pytest.approx(result.cost_by_year.at[resource, int(year)])
    assert total[column["id"]] == "total"
    cells = {cell.column_letter: cell for cell in sheet[2]}
    letter = {name: sheet.cell(1, k + 1).column_letter for name, k in column.items()}
    assert cells[letter["cost_y1"]].number_format == '"£"#,##0'
    assert cells[letter["staff_fte_y2"]].number_format == '#,##0.0# "FTE"'
    assert cells[letter["cost_y1"]].data_type == "n"  # numbers stay numbers
    assert sheet.cell(len(rows), 1).font.bold and sheet.cell(1, 1).font.bold
    assert sheet.freeze_panes == "C2"
    longest_name = max(len(n) for n in plan["name"])
    assert sheet.column_dimensions[letter["name"]].width == min(50, longest_name + 2)
    assert sheet.column_dimensions[letter["cost_y1"]].width >= len("£500,000")
    streams = result.funding.groupby("stream")["amount"].sum().sort_values(
        ascending=False, kind="stable")
    assert total[column["funding"]] == "; ".join(f"{s} £{a:,.0f}" for s, a in streams.items())
    summary = {row[0]: row[1:] for row in _sheet_rows(book["summary"])}
    assert summary["item"] == ["value", "note"]
    assert summary["scenario"] == ["my_case", None]
    assert summary["horizon"][0] == "2 years"
    value = result.value
    assert summary["value [value points]"] == [
        f"{value['total']:,.1f}", f"{value['standalone']:,.1f} standalone + "
        f"{value['synergy']:,.1f} synergy + {value['critical_mass']:,.1f} critical mass"]
    used = result.cost["cost"]
    assert summary["Money used"] == [f"£{used:,.0f} of £500,000 ({used / 5000:.0f}%)",
                                     "this run's limit; the model's is £680,000"]
    grant = result.funding.loc[result.funding["stream"] == "public_health_grant",
                               "amount"].sum()
    assert summary["funding stream public_health_grant"] == [
        f"£{grant:,.0f} of £330,000",
        "Public health grant (ring-fenced): any action that improves the public's mental "
        "health."]
    assert summary["columns cost_y1 to cost_y2"][0] == "Money [£]"
    from workbench.report import model_hash

    assert summary["model files (SHA-256)"][0] == model_hash(example_folder)


def test_plan_summary_without_units_or_files():
    model = random_model(6, seed=4, funding=True)
    result = wb.optimise(model)
    summary = plan_summary(result, model).set_index("item")
    used, limit = result.cost["cost"], float(model.resources["limit"].iloc[0])
    assert summary.at["cost used", "value"] == (
        f"{used:,.0f} cost of {limit:,.0f} cost ({100 * used / limit:.0f}%)")
    assert summary.at["scenario", "value"] == "none (the model as given)"
    assert summary.at["model files (SHA-256)", "value"] == (
        "none: the model was not loaded from files")
    assert "£" not in summary.to_string()


def test_a_csv_plan_stays_plain(tmp_path, example_model):
    result = wb.optimise(example_model)
    plain = write_table(action_plan(result, example_model), tmp_path / "table.csv")
    path = write_plan(result, example_model, tmp_path / "plan.csv")
    assert path.read_bytes() == plain.read_bytes()


def test_plan_workbook_escapes_formulas_and_writes_whole_or_not_at_all(tmp_path, monkeypatch):
    model = _model_with_formula_lead()
    result = wb.optimise(model)
    path = write_plan(result, model, tmp_path / "plan.xlsx")
    sheet = openpyxl.load_workbook(path)["plan"]
    leads = [cell for cell in sheet["D"] if isinstance(cell.value, str) and "HYPERLINK" in
             cell.value]
    assert [(cell.value, cell.data_type) for cell in leads] == [("'" + HYPERLINK, "s")]
    with pytest.raises(wb.ModelError, match="already exists"):
        write_plan(result, model, path)

    def broken(target, *_):
        target.write_bytes(b"half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("workbench.plan_workbook._write_book", broken)
    with pytest.raises(wb.WorkbenchError, match="could not be written"):
        write_plan(result, model, tmp_path / "other.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_plan_command_applies_a_scenario(tmp_path, example_folder, capsys):
    out = tmp_path / "plan.xlsx"
    assert main(["plan", str(example_folder), "--scenario", "lean_year", "--out", str(out)]) == 0
    summary = {row[0]: row[1] for row in _sheet_rows(openpyxl.load_workbook(out)["summary"])}
    assert summary["scenario"] == "lean_year"
    model, options = wb.apply_scenario(wb.load(example_folder), "lean_year")
    used = wb.optimise(model, options).cost["cost"]
    assert summary["Money used"] == f"£{used:,.0f} of £500,000 ({used / 5000:.0f}%)"
