"""Evaluating a given portfolio (wb.evaluate): what it uses each year, what it earns, every limit
and rule it breaks, and how funding streams pay for it.

The optimiser's answers are re-checked by `evaluate`, so these tests pin its behaviour on small
hand-made models whose answers can be worked out on paper.
"""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.examples import random_model

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_model(actions: list[dict], limits: list[dict], *, horizon: int = 1, interactions=(),
               constraints=(), funding=()) -> wb.Model:
    """A model with one criterion (value = 10 x score [value points]) and the given action rows
    (id, score, resource amounts, optional theme, lead and timing) and resource limit rows."""
    frame = pd.DataFrame(actions)
    frame = frame.assign(name=frame["id"], indicator="done",
                         theme=frame.get("theme", "t"), lead=frame.get("lead", "l"))
    tables = {
        "actions": frame.drop(columns="score"),
        "resources": pd.DataFrame(limits),
        "criteria": pd.DataFrame({"id": ["benefit"], "name": ["Benefit"], "weight": [1],
                                  "scale_min": [0], "scale_max": [10], "direction": ["higher"]}),
        "scores": pd.DataFrame({"action": frame["id"], "criterion": "benefit",
                                "score": frame["score"]}),
        "settings": pd.DataFrame({"setting": ["horizon_years"], "value": [str(horizon)]}),
    }
    for name, rows in (("interactions", interactions), ("constraints", constraints),
                       ("funding", funding)):
        if len(rows):
            tables[name] = pd.DataFrame(list(rows))
    return wb.from_tables(tables)


def breach_messages(result: wb.PortfolioResult) -> list[str]:
    """The breaches in words, whether `breaches` holds the text or a table with a message
    column (issue 10 turns the one into the other; the words stay)."""
    breaches = result.breaches
    return [str(m) for m in (breaches["message"] if hasattr(breaches, "columns") else breaches)]


def three_actions(**options) -> wb.Model:
    """a, b, c cost 10, 20, 30 [pounds] against a cost limit of 30."""
    return make_model([{"id": "a", "score": 5, "cost": 10}, {"id": "b", "score": 6, "cost": 20},
                       {"id": "c", "score": 7, "cost": 30}],
                      [{"resource": "cost", "limit": 30}], **options)


# ---------------------------------------------------------------- what a portfolio uses


def test_a_single_year_portfolio_uses_running_plus_set_up_amounts():
    model = random_model(8, seed=3, n_resources=2)
    chosen = ["a01", "a04", "a06"]
    result = wb.evaluate(model, chosen)
    assert list(result.cost_by_year.columns) == [1]
    for resource in model.resource_names:
        expected = float((model.actions.loc[chosen, resource]
                          + model.actions.loc[chosen, f"{resource}_setup"]).sum())
        assert result.cost_by_year.loc[resource, 1] == pytest.approx(expected)
        assert result.cost[resource] == pytest.approx(expected)
    assert result.selected == tuple(chosen)


def test_set_up_falls_in_the_start_year_and_running_amounts_stop_at_the_horizon():
    """3 years. a: 10 a year for 2 years plus 5 to set up, started in year 3 (so cut to one
    year); b: 20 a year for the whole horizon, started in year 2."""
    model = make_model([{"id": "a", "score": 6, "cost": 10, "cost_setup": 5,
                         "duration_years": 2},
                        {"id": "b", "score": 3, "cost": 20, "cost_setup": 0}],
                       [{"resource": "cost", "limit": 1000}], horizon=3)
    result = wb.evaluate(model, {"a": 3, "b": 2})
    assert result.cost_by_year.loc["cost"].to_dict() == {1: 0.0, 2: 20.0, 3: 35.0}
    assert result.cost == {"cost": 55.0}
    assert result.start_year == {"a": 3, "b": 2}
    # value counts for the share of the horizon each runs: a 60 x 1/3, b 30 x 2/3
    assert result.value["standalone"] == pytest.approx(60 / 3 + 30 * 2 / 3)


def test_plain_ids_start_as_early_as_they_may():
    model = make_model([{"id": "a", "score": 6, "cost": 10, "earliest_start": 2},
                        {"id": "b", "score": 3, "cost": 20}],
                       [{"resource": "cost", "limit": 1000}], horizon=3)
    assert wb.evaluate(model, ["a", "b"]).start_year == {"a": 2, "b": 1}


def test_a_synergy_counts_for_the_years_both_run():
    model = make_model([{"id": "a", "score": 6, "cost": 10, "duration_years": 1},
                        {"id": "b", "score": 3, "cost": 20}],
                       [{"resource": "cost", "limit": 1000}], horizon=4,
                       interactions=[{"kind": "synergy", "actions": "a;b", "bonus": 8}])
    assert wb.evaluate(model, {"a": 2, "b": 1}).value["synergy"] == pytest.approx(8 * 1 / 4)
    assert wb.evaluate(model, {"a": 1, "b": 2}).value["synergy"] == 0
    assert wb.evaluate(model, ["b"]).value["synergy"] == 0


def test_unknown_actions_are_a_model_error():
    with pytest.raises(wb.ModelError, match="unknown action.*nope"):
        wb.evaluate(three_actions(), ["a", "nope"])


# ---------------------------------------------------------------- limits


def test_a_portfolio_over_a_limit_is_infeasible_and_says_by_how_much():
    result = wb.evaluate(three_actions(), ["b", "c"])
    assert result.status == "infeasible"
    assert breach_messages(result) == ["cost: uses 50, over the limit of 30 by 20"]


def test_exactly_at_the_limit_is_feasible():
    result = wb.evaluate(three_actions(), ["a", "b"])
    assert result.status == "feasible" and breach_messages(result) == []


def test_a_limit_given_to_the_run_replaces_the_model_s():
    model = three_actions()
    assert wb.evaluate(model, ["b", "c"], limits={"cost": 50}).status == "feasible"
    tighter = wb.evaluate(model, ["a", "b"], limits={"cost": 29})
    assert breach_messages(tighter) == ["cost: uses 30, over the limit of 29 by 1"]


def test_a_yearly_limit_is_checked_in_its_year():
    model = make_model([{"id": "a", "score": 6, "cost": 10, "cost_setup": 15},
                        {"id": "b", "score": 3, "cost": 20}],
                       [{"resource": "cost", "limit": 1000},
                        {"resource": "cost", "year": 1, "limit": 30}], horizon=2)
    assert wb.evaluate(model, {"a": 2, "b": 1}).status == "feasible"
    result = wb.evaluate(model, {"a": 1, "b": 1})
    assert breach_messages(result) == ["cost in year 1: uses 45, over the limit of 30 by 15"]


@SETTINGS
@given(seed=st.integers(0, 10_000), n_actions=st.integers(2, 10), draw=st.data())
def test_a_limit_breach_is_reported_exactly_when_a_resource_is_overspent(seed, n_actions, draw):
    model = random_model(n_actions, seed, n_resources=3, synergy_share=0, n_requires=0,
                         n_excludes=0)
    chosen = draw.draw(st.lists(st.sampled_from(list(model.actions.index)), unique=True))
    result = wb.evaluate(model, chosen)
    overspent = set()
    for row in model.resources.itertuples():
        used = float((model.actions.loc[chosen, row.resource]
                      + model.actions.loc[chosen, f"{row.resource}_setup"]).sum())
        if used > row.limit * (1 + 1e-6) + 1e-6:
            overspent.add(row.resource)
    reported = {message.split(":")[0] for message in breach_messages(result)}
    assert reported == overspent
    assert result.status == ("infeasible" if overspent else "feasible")


# ---------------------------------------------------------------- rules


def test_requires_breaks_when_the_needed_action_is_left_out():
    model = three_actions(interactions=[{"kind": "requires", "actions": "b;a"}])
    assert breach_messages(wb.evaluate(model, ["b"])) == ["requires: b is funded without a"]
    assert wb.evaluate(model, ["a", "b"]).status == "feasible"
    assert wb.evaluate(model, ["a"]).status == "feasible"  # a needs nothing


def test_requires_with_a_lag_needs_the_earlier_start():
    model = make_model([{"id": "a", "score": 6, "cost": 10}, {"id": "b", "score": 3, "cost": 20}],
                       [{"resource": "cost", "limit": 1000}], horizon=3,
                       interactions=[{"kind": "requires", "actions": "b;a", "lag": 1}])
    assert wb.evaluate(model, {"a": 1, "b": 2}).status == "feasible"
    assert breach_messages(wb.evaluate(model, {"a": 2, "b": 2})) == [
        "requires: b starts in year 2 but a starts in year 2 (lag 1)"]


def test_excludes_allows_one_of_the_pair_but_not_both():
    model = three_actions(interactions=[{"kind": "excludes", "actions": "a;b"}])
    assert wb.evaluate(model, ["a"]).status == wb.evaluate(model, ["b"]).status == "feasible"
    assert breach_messages(wb.evaluate(model, ["a", "b"])) == [
        "excludes: at most one of a, b may be funded, not a, b"]


def test_forced_actions_from_the_run_and_from_constraints_csv():
    model = three_actions()
    result = wb.evaluate(model, ["b"], include=["a"], exclude=["b"])
    assert breach_messages(result) == ["include: a must be funded", "exclude: b must not be funded"]
    ruled = three_actions(constraints=[{"kind": "include", "target": "a"},
                                       {"kind": "exclude", "target": "b"}])
    assert breach_messages(wb.evaluate(ruled, ["b"])) == breach_messages(result)
    assert wb.evaluate(ruled, ["a"]).status == "feasible"


def test_theme_and_lead_counts():
    model = make_model([{"id": "a", "score": 5, "cost": 1, "theme": "x", "lead": "p"},
                        {"id": "b", "score": 5, "cost": 1, "theme": "x", "lead": "p"},
                        {"id": "c", "score": 5, "cost": 1, "theme": "y", "lead": "q"}],
                       [{"resource": "cost", "limit": 10}],
                       constraints=[{"kind": "theme_min", "target": "y", "value": 1},
                                    {"kind": "theme_max", "target": "x", "value": 1},
                                    {"kind": "lead_max", "target": "p", "value": 1}])
    assert wb.evaluate(model, ["a", "c"]).status == "feasible"
    assert breach_messages(wb.evaluate(model, ["a", "b"])) == [
        "theme_min: theme 'y' needs at least 1 actions, the portfolio has 0",
        "theme_max: theme 'x' needs at most 1 actions, the portfolio has 2",
        "lead_max: lead 'p' needs at most 1 actions, the portfolio has 2"]


def test_a_start_before_the_earliest_is_a_timing_breach():
    model = make_model([{"id": "a", "score": 6, "cost": 10, "earliest_start": 2}],
                       [{"resource": "cost", "limit": 1000}], horizon=3)
    assert breach_messages(wb.evaluate(model, {"a": 1})) == [
        "timing: a starts in year 1, outside 2..3"]
    assert wb.evaluate(model, {"a": 3}).status == "feasible"


# ---------------------------------------------------------------- funding streams


STREAMS = [{"stream": "general", "resource": "cost", "limit": 25, "themes": "", "actions": ""},
           {"stream": "community", "resource": "cost", "limit": 10, "themes": "community",
            "actions": ""}]


def funded(streams=STREAMS) -> wb.Model:
    return make_model([{"id": "a", "score": 5, "cost": 15, "theme": "community"},
                       {"id": "b", "score": 5, "cost": 20, "theme": "work"}],
                      [{"resource": "cost", "limit": 100}], funding=streams)


def test_funding_pays_each_amount_from_eligible_streams_within_their_limits():
    result = wb.evaluate(funded(), ["a", "b"])
    assert result.status == "feasible"
    split = result.funding
    assert split.groupby("action")["amount"].sum().to_dict() == pytest.approx({"a": 15, "b": 20})
    assert set(split.loc[split["action"] == "b", "stream"]) == {"general"}  # b is not community
    paid = split.groupby("stream")["amount"].sum()
    assert paid["general"] <= 25 + 1e-6 and paid.get("community", 0) <= 10 + 1e-6


def test_streams_too_small_for_the_portfolio_are_a_funding_breach():
    small = [dict(STREAMS[0], limit=20), STREAMS[1]]
    result = wb.evaluate(funded(small), ["a", "b"])
    assert breach_messages(result) == [
        "funding: the eligible streams cannot cover the 35 needed within their limits"]
    assert result.funding.empty


def test_an_action_no_stream_may_pay_for_is_a_funding_breach():
    result = wb.evaluate(funded([STREAMS[1]]), ["a", "b"])
    assert breach_messages(result) == ["funding: no stream may pay the cost of b"]


@pytest.mark.parametrize("seed", range(6))
def test_every_feasible_random_split_pays_in_full_within_each_stream(seed):
    model = random_model(10, seed, funding=True, horizon=1 + seed % 3, n_requires=0,
                         n_excludes=0)
    result = wb.optimise(model)
    check = wb.evaluate(model, result.start_year)
    assert check.status == "feasible", breach_messages(check)
    split = check.funding
    for row in model.funding.itertuples():
        assert split.loc[split["stream"] == row.stream, "amount"].sum() <= row.limit * (1 + 1e-6)
    needed = check.cost["cost"]
    assert split["amount"].sum() == pytest.approx(needed)
