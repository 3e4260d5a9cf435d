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
    plan = pd.read_excel(out)
    expected = wb.optimise(wb.load(example_folder))
    assert sorted(plan["id"]) == sorted(expected.selected)
    assert plan["cost_y1"].sum() == pytest.approx(expected.cost["cost"])
    assert "written to" in capsys.readouterr().out


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
