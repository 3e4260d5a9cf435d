"""The accountability view of a review (workbench/review.py)."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

import workbench as wb
from workbench.replan import replan
from workbench.review import accountability, indicator_status, review_findings, spend_status

ROOT = Path(__file__).resolve().parents[1]


def test_indicator_and_spend_words():
    assert indicator_status(55, 100) == "behind"
    assert indicator_status(100, 100) == "on track"
    assert indicator_status(math.nan, 100) == indicator_status(5, math.nan) == "no data"
    assert spend_status(118_000, 95_000) == "over plan"
    assert spend_status(94_000, 95_000) == "under plan"
    assert spend_status(95_200, 95_000) == "on plan"  # within 0.5%
    assert spend_status(math.nan, 95_000) == "no data"


def _model():
    """Three leads; a (L1) behind and over plan, b (L2) planned for year 1 but not started,
    c (L3) on track; two-year plan, review in year 2."""
    tables = {
        "actions": pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"], "theme": "t",
                                 "lead": ["L1", "L2", "L3"], "indicator": "people helped",
                                 "cost": [100, 100, 50], "cost_setup": [20, 0, 0],
                                 "duration_years": [2, 2, 2],
                                 "indicator_target": [50, 10, 5]}),
        "resources": pd.DataFrame({"resource": ["cost"], "limit": [10_000]}),
        "criteria": pd.DataFrame({"id": ["c"], "name": ["C"], "weight": [1], "scale_min": [0],
                                  "scale_max": [10], "direction": ["higher"]}),
        "scores": pd.DataFrame({"action": ["a", "b", "c"], "criterion": "c",
                                "score": [5, 6, 7]}),
        "settings": pd.DataFrame({"setting": ["horizon_years"], "value": ["2"]}),
        "progress": pd.DataFrame({"action": ["a", "c"], "year": [1, 1],
                                  "status": ["started", "started"], "spent": [150, ""],
                                  "indicator_value": [20, 9]}),
    }
    return wb.from_tables(tables)


def test_accountability_table_per_lead():
    model = _model()
    plan = wb.optimise(model)
    assert plan.start_year == {"a": 1, "b": 1, "c": 1}
    table = accountability(model, replan(model, from_year=2), plan).set_index("action")
    assert list(table["lead"]) == ["L1", "L2", "L3"]
    assert table.loc["a", ["indicator_status", "spend_status", "planned", "spent"]].tolist() \
        == ["behind", "over plan", 120.0, 150.0]  # set-up 20 + a year's 100
    assert table.loc["b", ["spend_status", "recommendation"]].tolist() == [
        "not started", "start in year 2"]
    assert table.loc["c", ["indicator_status", "spend_status", "recommendation"]].tolist() \
        == ["on track", "no data", "continue (year 2)"]


def test_findings_name_what_is_behind_over_and_late():
    model = _model()
    replanned = replan(model, from_year=2)
    text = str(review_findings(model, accountability(model, replanned, wb.optimise(model)),
                               replanned))
    assert "**Behind target:** A (L1: 20 against a target of 50)." in text
    assert "**Over plan:** A (L1: 150 cost against 120 cost planned)." in text
    assert "**Planned but not started:** B (L2)." in text
    assert "**The re-plan from year 2** (1 year left): continue 2 running actions and start " \
           "B in year 2" in text


def test_worked_example_review_has_one_behind_one_over_plan_one_not_started():
    """The example's progress.csv (documented in its README) shows each case once."""
    model, options = wb.apply_scenario(wb.load(ROOT / "data" / "mental_health_strategy"),
                                       "three_year_plan")
    plan = wb.optimise(model, options)
    replanned = replan(model, options, from_year=2)
    assert replanned.found
    table = accountability(model, replanned, plan)
    counts = {column: table[column].value_counts().to_dict()
              for column in ("indicator_status", "spend_status")}
    assert counts["indicator_status"].get("behind") == 1
    assert counts["spend_status"].get("over plan") == 1
    assert counts["spend_status"].get("not started") == 1
