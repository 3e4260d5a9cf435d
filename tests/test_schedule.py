"""Timing (workbench.portfolio.schedule): when each action may start, how long it runs, what it uses in
each year, and which funding streams may pay for it.
"""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.examples import random_model, tiny_model
from workbench.portfolio.schedule import (action_timing, active_years, eligible_streams,
                                resource_amounts, start_years)

COLUMNS = ["id", "score", "cost", "theme", "lead", "duration_years", "earliest_start"]


def timed_model(rows: list[tuple], horizon: int):
    """tiny_model rows (id, score, cost, theme, lead, duration_years, earliest_start); None
    leaves a timing cell blank."""
    return tiny_model([dict(zip(COLUMNS, row)) for row in rows], limit=1_000, horizon=horizon)


# ---------------------------------------------------------------- timing


def test_blank_timing_means_from_year_one_for_the_whole_horizon():
    model = timed_model([("a", 5, 10, "t", "l", None, None),
                         ("b", 5, 10, "t", "l", 2, 3),
                         ("c", 5, 10, "t", "l", 9, None)], horizon=4)
    timing = action_timing(model, 4)
    assert timing.loc["a"].to_dict() == {"earliest": 1, "duration": 4}
    assert timing.loc["b"].to_dict() == {"earliest": 3, "duration": 2}
    assert timing.loc["c"].to_dict() == {"earliest": 1, "duration": 4}  # cut at the horizon
    assert list(timing.index) == ["a", "b", "c"]


def test_a_one_year_horizon_ignores_the_timing_columns():
    model = timed_model([("a", 5, 10, "t", "l", 3, 2), ("b", 5, 10, "t", "l", None, None)],
                        horizon=1)
    timing = action_timing(model, 1)
    assert (timing["earliest"] == 1).all() and (timing["duration"] == 1).all()


def test_a_shorter_horizon_than_the_model_s_cuts_durations():
    """Planning 2 years of a 4-year model: a 3-year action runs at most 2."""
    model = timed_model([("a", 5, 10, "t", "l", 3, None), ("b", 5, 10, "t", "l", 1, 2)],
                        horizon=4)
    timing = action_timing(model, 2)
    assert timing["duration"].to_dict() == {"a": 2, "b": 1}
    assert timing["earliest"].to_dict() == {"a": 1, "b": 2}


def test_start_years_run_from_the_earliest_to_the_horizon():
    timing = pd.DataFrame({"earliest": [1, 3, 5], "duration": [2, 1, 1]},
                          index=["a", "b", "late"])
    assert start_years(timing, 4) == {"a": [1, 2, 3, 4], "b": [3, 4], "late": []}


@settings(max_examples=200, deadline=None)
@given(horizon=st.integers(1, 12), start=st.integers(1, 12), duration=st.integers(1, 12))
def test_active_years_start_in_the_start_year_and_stop_at_the_horizon(horizon, start,
                                                                      duration):
    years = list(active_years(start, duration, horizon))
    assert years == [y for y in range(start, start + duration) if y <= horizon]
    assert len(years) <= duration
    if start <= horizon:
        assert years[0] == start
        assert len(years) == min(duration, horizon - start + 1)
    else:
        assert years == []


def test_active_years_of_a_late_start_are_cut():
    assert list(active_years(3, 2, 3)) == [3]
    assert list(active_years(2, 2, 3)) == [2, 3]
    assert list(active_years(1, 5, 3)) == [1, 2, 3]


# ---------------------------------------------------------------- amounts


def test_resource_amounts_split_running_from_set_up():
    model = random_model(6, seed=4, n_resources=3)
    running, setup = resource_amounts(model)
    names = model.resource_names
    assert list(running.columns) == list(setup.columns) == names
    assert list(running.index) == list(setup.index) == list(model.actions.index)
    pd.testing.assert_frame_equal(running, model.actions[names].astype(float))
    for name in names:
        assert (setup[name] == model.actions[f"{name}_setup"].astype(float)).all()


def test_resource_amounts_without_set_up_columns_are_zero():
    model = tiny_model([("a", 5, 10), ("b", 5, 20)], limit=30)
    running, setup = resource_amounts(model)
    assert running["cost"].to_dict() == {"a": 10.0, "b": 20.0}
    assert setup["cost"].to_dict() == {"a": 0.0, "b": 0.0}


# ---------------------------------------------------------------- funding streams


def test_eligible_streams_by_theme_by_action_or_for_everything():
    streams = [
        {"stream": "general", "resource": "cost", "limit": 100, "themes": "", "actions": ""},
        {"stream": "community", "resource": "cost", "limit": 50, "themes": "community",
         "actions": ""},
        {"stream": "named", "resource": "cost", "limit": 20, "themes": "", "actions": "c"},
        {"stream": "both", "resource": "cost", "limit": 20, "themes": "work", "actions": "a"},
    ]
    model = tiny_model([("a", 5, 10, "community"), ("b", 5, 10, "work"), ("c", 5, 10, "health")],
                       limit=30, funding=streams)
    eligible = eligible_streams(model)
    assert eligible[("a", "cost")] == ["general", "community", "both"]
    assert eligible[("b", "cost")] == ["general", "both"]
    assert eligible[("c", "cost")] == ["general", "named"]


def test_an_action_no_stream_may_pay_for_is_not_listed():
    streams = [{"stream": "community", "resource": "cost", "limit": 50, "themes": "community",
                "actions": ""}]
    model = tiny_model([("a", 5, 10, "community"), ("b", 5, 10, "work")], limit=30,
                       funding=streams)
    assert eligible_streams(model) == {("a", "cost"): ["community"]}


@pytest.mark.parametrize("seed", range(4))
def test_every_random_stream_lists_only_actions_it_may_pay(seed):
    model = random_model(10, seed, funding=True)
    eligible = eligible_streams(model)
    for row in model.funding.itertuples():
        for action, theme in model.actions["theme"].items():
            open_to_all = not row.themes and not row.actions
            allowed = open_to_all or theme in row.themes or action in row.actions
            assert (row.stream in eligible.get((action, row.resource), [])) == allowed
