"""Explanations: regret of each choice, the marginal budget, and why a model is infeasible."""
from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.examples import random_model, random_tables, tiny_model
from workbench.portfolio.conflicts import FeasibilityCheck, conflicting_groups

SETTINGS = settings(max_examples=10, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


tiny = tiny_model  # one criterion (value = 10 x score), one resource 'cost'


FOUR = [("a", 8, 300_000, "work", "council"), ("b", 6, 280_000, "work", "nhs"),
        ("c", 5, 240_000, "community", "council"), ("d", 3, 50_000, "workplace", "vcs"),
        ("e", 4, 60_000, "workplace", "vcs")]


# ---------------------------------------------------------------- regret


def test_regret_of_each_action_on_a_known_model():
    model = tiny(FOUR, 600_000)
    result = wb.optimise(model)
    assert set(result.selected) == {"a", "c", "e"}  # 170 points for 600,000
    table = wb.explain(model, result)
    assert list(table["regret"]) == sorted(table["regret"], reverse=True)
    row = table.set_index("action")
    assert row.loc["a", "forced"] == "out" and row.loc["d", "forced"] == "in"
    assert row.loc["a", "regret"] == pytest.approx(170 - 150)  # b, c, e without a
    assert row.loc["a", "added"] == "b" and row.loc["a", "dropped"] == "a"
    assert row.loc["d", "regret"] == pytest.approx(170 - 160)  # a, c, d (e no longer fits)
    assert row.loc["d", "dropped"] == "e"


@SETTINGS
@given(seed=st.integers(0, 10_000), n_actions=st.integers(3, 7))
def test_regret_is_never_negative_and_matches_the_forced_solve(seed, n_actions):
    model = random_model(n_actions, seed, funding=seed % 2 == 0, group_limits=seed % 3 == 0,
                         horizon=1 + seed % 2)
    result = wb.optimise(model)
    if result.status != "optimal":
        return
    table = wb.explain(model, result)
    assert len(table) == n_actions
    assert (table["regret"] >= 0).all()
    for row in table.itertuples():
        forced = wb.optimise(model, include=() if row.selected else (row.action,),
                             exclude=(row.action,) if row.selected else ())
        if math.isinf(row.regret):
            assert forced.status == "infeasible" and row.reason
        else:
            assert row.value == pytest.approx(forced.objective)
            assert row.regret == pytest.approx(result.objective - forced.objective, abs=1e-6)


def test_infeasible_forcing_is_reported_with_its_reason():
    model = tiny(FOUR, 600_000, constraints=[{"kind": "exclude", "target": "a"}])
    table = wb.explain(model, wb.optimise(model)).set_index("action")
    assert math.isinf(table.loc["a", "regret"]) and table.loc["a", "status"] == "infeasible"
    assert "a must be funded and must not be funded" in table.loc["a", "reason"]
    assert table.index[0] == "a"  # the most consequential first


def test_explain_refuses_a_result_from_other_options():
    model = tiny(FOUR, 600_000)
    result = wb.optimise(model, limits={"cost": 400_000})
    with pytest.raises(wb.WorkbenchError, match="the result was not optimised with these "
                                               "options"):
        wb.explain(model, result)
    table = wb.explain(model, result, limits={"cost": 400_000})
    assert (table["regret"] >= 0).all()


def test_explain_needs_an_optimised_result():
    model = tiny(FOUR, 600_000, constraints=[{"kind": "exclude", "target": "a"}])
    with pytest.raises(wb.ModelError, match="explain needs an optimised portfolio, not one "
                                            "with status 'infeasible'"):
        wb.explain(model, wb.optimise(model, include=["a"]))


# ---------------------------------------------------------------- marginal budget


def test_marginal_budget_on_a_known_model():
    model = tiny(FOUR, 600_000)
    table = wb.marginal_budget(model, step=0.10).set_index("change")
    last, following = table.loc["last 10%"], table.loc["next 10%"]
    assert (last["from_budget"], last["to_budget"]) == pytest.approx((540_000, 600_000))
    assert (following["from_budget"], following["to_budget"]) == pytest.approx((600_000, 660_000))
    assert last["to_value"] == following["from_value"] == pytest.approx(170)
    assert last["from_value"] == pytest.approx(wb.optimise(
        model, limits={"cost": 540_000}).objective)
    assert following["value_change"] == pytest.approx(
        wb.optimise(model, limits={"cost": 660_000}).objective - 170)
    assert last["value_change"] >= 0 and following["value_change"] >= 0


def test_marginal_budget_of_the_example(example_model):
    table = wb.marginal_budget(example_model, "staff_fte", step=0.2)
    assert list(table["change"]) == ["last 20%", "next 20%"]
    assert table["budget_change"].to_list() == pytest.approx([1.1, 1.1])
    assert (table["value_change"] >= 0).all()


@pytest.mark.parametrize("arguments, message", [
    (dict(resource="money"), "resource='money': unknown resource"),
    (dict(step=1.5), "step=1.5: give the share of the limit as a number between 0 and 1"),
])
def test_marginal_budget_bad_arguments(example_model, arguments, message):
    with pytest.raises(wb.ModelError, match=message):
        wb.marginal_budget(example_model, **arguments)


def test_marginal_budget_needs_a_whole_horizon_limit():
    tables = random_tables(5, seed=1, horizon=2)
    tables["resources"] = tables["resources"][tables["resources"]["resource"] != "cost"]
    tables["resources"] = pd.concat([tables["resources"], pd.DataFrame(
        [{"resource": "cost", "year": 1, "limit": 100_000}])], ignore_index=True)
    model = wb.from_tables(tables)
    with pytest.raises(wb.ModelError, match="resource='cost' has no limit over the whole "
                                            "horizon in resources.csv"):
        wb.marginal_budget(model, "cost")
    table = wb.marginal_budget(model, "cost", limits={"cost": 200_000})
    assert table["to_budget"].iloc[0] == 200_000


# ---------------------------------------------------------------- infeasible models


def test_included_actions_over_the_cost_limit():
    model = tiny(FOUR, 750_000, constraints=[{"kind": "include", "target": t}
                                             for t in ("a", "b", "c")])
    assert wb.explain_infeasible(model) == [
        "the included actions (a, b, c) need 820,000 cost but the cost limit is 750,000",
        "conflicting constraints: limit_cost, include_a, include_b, include_c"]


def test_include_argument_and_requires_count_towards_the_limit():
    model = tiny(FOUR, 500_000, interactions=[{"kind": "requires", "actions": "c;b"}])
    lines = wb.explain_infeasible(model, include=["c"])
    assert lines[0] == ("the included actions and the actions they require (b, c) need "
                        "520,000 cost but the cost limit is 500,000")
    assert lines[1] == "conflicting constraints: requires_c_b, limit_cost, include_c"


def test_theme_min_over_the_count():
    model = tiny(FOUR, 750_000, constraints=[{"kind": "theme_min", "target": "workplace",
                                              "value": 3}])
    assert wb.explain_infeasible(model) == [
        "theme_min of 'workplace' needs 3 actions but only 2 exist",
        "conflicting constraints: theme_min_workplace"]


def test_theme_min_with_exclusions():
    model = tiny(FOUR, 750_000, constraints=[
        {"kind": "theme_min", "target": "workplace", "value": 2},
        {"kind": "exclude", "target": "d"}])
    assert wb.explain_infeasible(model)[0] == (
        "theme_min of 'workplace' needs 2 actions but only 1 of its 2 may be funded "
        "(d must not be)")


def test_theme_min_over_the_limit():
    model = tiny(FOUR, 100_000, constraints=[{"kind": "theme_min", "target": "work",
                                              "value": 1}])
    assert wb.explain_infeasible(model)[0] == (
        "theme_min of 'work' needs at least 1 action, and the cheapest 1 need 280,000 cost, "
        "but the cost limit is 100,000")


def test_requires_and_exclude():
    model = tiny(FOUR, 750_000, interactions=[{"kind": "requires", "actions": "a;d"}],
                 constraints=[{"kind": "include", "target": "a"},
                              {"kind": "exclude", "target": "d"}])
    assert wb.explain_infeasible(model) == [
        "a must be funded and requires d, but d must not be funded",
        "conflicting constraints: requires_a_d, exclude_d, include_a"]


def test_excludes_rule_between_included_actions():
    model = tiny(FOUR, 750_000, interactions=[{"kind": "excludes", "actions": "d;e",
                                               "name": "one_of_two"}])
    assert wb.explain_infeasible(model, include=["d", "e"]) == [
        "d and e must both be funded, but at most one of d, e may be",
        "conflicting constraints: one_of_two, include_d, include_e"]


def test_funding_stream_too_small():
    funding = [{"stream": "workforce", "resource": "cost", "limit": 100_000, "themes": "",
                "actions": "d;e"},
               {"stream": "general", "resource": "cost", "limit": 900_000,
                "themes": "work;community", "actions": ""}]
    model = tiny(FOUR, 900_000, funding=funding,
                 constraints=[{"kind": "include", "target": "d"},
                              {"kind": "include", "target": "e"}])
    lines = wb.explain_infeasible(model)
    assert lines[0] == ("d, e need 110,000 of cost from the funding streams open to them "
                        "(workforce), which hold 100,000")
    assert lines[1] == ("conflicting constraints: funded_d_cost, funded_e_cost, "
                        "stream_workforce, include_d, include_e")


def test_no_stream_may_pay():
    funding = [{"stream": "general", "resource": "cost", "limit": 900_000,
                "themes": "work", "actions": ""}]
    model = tiny(FOUR, 900_000, funding=funding, constraints=[{"kind": "include",
                                                               "target": "d"}])
    assert wb.explain_infeasible(model)[0] == (
        "d must be funded but no funding stream may pay its cost")


def test_lead_and_theme_maximum():
    model = tiny(FOUR, 900_000, constraints=[{"kind": "lead_max", "target": "council",
                                              "value": 1}])
    assert wb.explain_infeasible(model, include=["a", "c"])[0] == (
        "lead_max of 'council' allows at most 1 action but 2 that must be funded are in it "
        "(a, c)")


def test_timing_beyond_the_horizon():
    actions = [(*row, 3 if row[0] == "d" else 1) for row in FOUR]
    frame_rows = [dict(zip(["id", "score", "cost", "theme", "lead", "earliest_start"], row))
                  for row in actions]
    model = tiny(frame_rows, 2_000_000, horizon=2)
    assert wb.explain_infeasible(model, include=["d"])[0] == (
        "d must be funded but cannot start within the 2-year horizon (earliest start: year 3)")


def test_requires_lag_beyond_the_horizon():
    model = tiny(FOUR, 2_000_000, horizon=2,
                 interactions=[{"kind": "requires", "actions": "a;d", "lag": 2}])
    lines = wb.explain_infeasible(model, include=["a"])
    assert lines[0] == ("a must be funded and must start at least 2 years after d, which does "
                        "not fit in the 2-year horizon")
    assert lines[-1] == "conflicting constraints: requires_a_d, include_a"


def test_optimise_puts_the_explanation_in_breaches():
    model = tiny(FOUR, 750_000, constraints=[{"kind": "include", "target": t}
                                             for t in ("a", "b", "c")])
    result = wb.optimise(model)
    assert result.status == "infeasible"
    assert result.reasons == [
        "the included actions (a, b, c) need 820,000 cost but the cost limit is 750,000",
        "conflicting constraints: limit_cost, include_a, include_b, include_c"]
    assert set(result.breaches["family"]) == {"conflict"}
    quiet = wb.optimise(model, explain=False)
    assert quiet.status == "infeasible" and quiet.breaches.empty


def with_units(model, **columns):
    """The model with its resources named and given units (resources.csv `name`, `unit`)."""
    return dataclasses.replace(model, resources=model.resources.assign(**columns))


def test_conflicts_are_told_in_the_resources_names_and_units():
    model = with_units(tiny(FOUR, 750_000, constraints=[{"kind": "include", "target": t}
                                                        for t in ("a", "b", "c")]),
                       name="Money", unit="£")
    assert wb.explain_infeasible(model) == [
        "the included actions (a, b, c) need £820,000 but the Money limit is £750,000",
        "conflicting constraints: limit_cost, include_a, include_b, include_c"]
    assert list(wb.conflict(model)["description"]) == [
        "the Money limit is £750,000", "a must be funded", "b must be funded",
        "c must be funded"]


def test_a_unit_after_the_amount_and_a_theme_minimum():
    model = with_units(tiny(FOUR, 100_000, constraints=[{"kind": "theme_min",
                                                         "target": "work", "value": 1}]),
                       name="Staff time", unit="hours")
    assert wb.explain_infeasible(model)[0] == (
        "theme_min of 'work' needs at least 1 action, and the cheapest 1 need 280,000 hours, "
        "but the Staff time limit is 100,000 hours")


def test_a_funding_stream_in_the_resources_units():
    funding = [{"stream": "workforce", "resource": "cost", "limit": 100_000, "themes": "",
                "actions": "d;e"},
               {"stream": "general", "resource": "cost", "limit": 900_000,
                "themes": "work;community", "actions": ""}]
    model = with_units(tiny(FOUR, 900_000, funding=funding,
                            constraints=[{"kind": "include", "target": "d"},
                                         {"kind": "include", "target": "e"}]),
                       name="Money", unit="£")
    lines = wb.explain_infeasible(model)
    assert lines[0] == ("d, e need £110,000 of Money from the funding streams open to them "
                        "(workforce), which hold £100,000")
    assert "the funding stream 'workforce' holds £100,000" in set(
        wb.conflict(model)["description"])


def test_a_feasible_model_has_nothing_to_explain(example_model):
    assert wb.explain_infeasible(example_model) == []
    assert wb.conflict(example_model).empty


def test_conflict_table_names_each_group(example_model):
    table = wb.conflict(example_model, limits={"cost": 10_000})
    assert list(table.columns) == ["constraint", "family", "description"]
    assert "limit_cost" in set(table["constraint"])
    assert "the Money limit is £10,000" in set(table["description"])


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_every_conflict_is_needed(seed):
    """Random infeasible models: the groups found conflict, and each one is needed."""
    model = random_model(6, seed, funding=seed % 2 == 0, group_limits=True, forced=True)
    include = list(model.actions.index[:4])
    limits = {"cost": float(model.actions["cost"].min())}
    if wb.optimise(model, limits=limits, include=include, explain=False).status != "infeasible":
        return
    found = conflicting_groups(model, limits=limits, include=include)
    feasible = FeasibilityCheck(model, limits=limits, include=include)
    others = set(feasible.groups) - set(found)
    assert found and not feasible(others)  # the groups found conflict on their own
    for group in found:  # and each one is needed
        assert feasible(others | {group}), group
    lines = wb.explain_infeasible(model, limits=limits, include=include)
    assert lines[-1] == "conflicting constraints: " + ", ".join(found)


def test_unknown_action_to_include(example_model):
    with pytest.raises(wb.ModelError, match="unknown action 'nothing' to include or exclude"):
        wb.explain_infeasible(example_model, include=["nothing"])


def test_feasibility_check_without_named_groups(example_model):
    feasible = FeasibilityCheck(example_model, limits={"cost": 10_000})
    assert not feasible()
    assert feasible({"limit_cost"})
    assert feasible.groups["theme_min_peer_and_crisis"] == ("theme_min", "peer_and_crisis", 1)
    with pytest.raises(wb.ModelError, match="relax: unknown constraint group"):
        feasible({"limit_money"})


def test_amounts_in_words():
    from workbench.portfolio.conflicts import amount_text

    assert [amount_text(x) for x in (820_000, 5.5, 1_234_567.25, 0)] == [
        "820,000", "5.5", "1,234,567.25", "0"]


def test_one_included_action_over_the_limit():
    model = tiny(FOUR, 200_000)
    assert wb.explain_infeasible(model, include=["a"]) == [
        "the included action (a) needs 300,000 cost but the cost limit is 200,000",
        "conflicting constraints: limit_cost, include_a"]


def test_the_least_amount_over_a_multi_year_plan():
    """Over three years a and b may start in year 3 and run one year only: 580,000 at least."""
    model = tiny(FOUR, 5_000_000, horizon=3)
    lines = wb.explain_infeasible(model, include=["a", "b"], limits={"cost": 550_000})
    assert lines[0] == ("the included actions (a, b) need 580,000 cost but the cost limit is 550,000")


def test_a_multi_year_result_is_explained_over_its_years():
    model = random_model(5, seed=4, horizon=1)
    result = wb.optimise(model, horizon=2)
    table = wb.explain(model, result)
    assert (table["regret"] >= 0).all()
    chosen = table[table["selected"]].iloc[0]
    forced = wb.optimise(model, horizon=2, exclude=[chosen["action"]])
    assert chosen["value"] == pytest.approx(forced.objective)
