"""The what-if dashboard in Python: set controls, check portfolio, headline and tables follow."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench import widgets
from workbench.examples import random_tables
from workbench.portfolio.reoptimise import Reoptimiser
from workbench.scenarios import Scenario, apply_scenario, load_scenario, stakeholder_weights
from workbench.scoring import normalised_weights
from workbench.widgets import Dashboard, WhatIf


def selected_in(markup: str) -> set[str]:
    """The ids the portfolio table marks as funded (its data-selected attribute)."""
    found = re.search(r'data-selected="([^"]*)"', markup).group(1)
    return set(filter(None, found.split(";")))


def text(widget) -> str:
    """What a reader sees in an HTML widget: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))


def headline_value(markup: str) -> float:
    return float(re.search(r'class="wb-value" data-value="([^"]+)"', markup).group(1))


@pytest.fixture
def small_folder(tmp_path) -> Path:
    folder = tmp_path / "small"
    folder.mkdir()
    for name, table in random_tables(8, seed=1, funding=True, group_limits=True).items():
        table.to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame([("group0", "c0", 1), ("group0", "c1", 5), ("group0", "c2", 1),
                  ("group1", "c0", 5), ("group1", "c1", 1), ("group1", "c2", 1)],
                 columns=["stakeholder", "criterion", "weight"]).to_csv(
        folder / "weights.csv", index=False)
    return folder


@pytest.fixture
def no_slow_views(monkeypatch):
    """Skip the frontier and explanation (dozens of solves) where a test does not look at them."""
    monkeypatch.setattr(WhatIf, "frontier", lambda self, settings=None: None)
    monkeypatch.setattr(WhatIf, "explanation",
                        lambda self, settings=None, result=None: pd.DataFrame(
                            columns=["kind", "action", "name", "cost", "displaces", "reason"]))


# ---------------------------------------------------------------- the controller


def test_the_controller_starts_from_the_model_as_given(small_model):
    what_if = WhatIf(small_model)
    expected = wb.optimise(small_model)
    assert what_if.result.selected == expected.selected
    assert what_if.baseline is what_if.result
    table = what_if.portfolio_table()
    assert set(table.index[table["selected"]]) == set(expected.selected)
    assert (table["change"] == "").all()


def test_a_lower_limit_changes_portfolio_headline_and_tables(small_model):
    what_if = WhatIf(small_model)
    before = what_if.result
    limit = what_if.limit("cost") * 0.5
    assert what_if.set_limit("cost", limit)
    expected = wb.optimise(small_model, limits={"cost": limit})
    assert what_if.result.selected == expected.selected != before.selected
    head = what_if.headline()
    assert head["value"]["total"] == pytest.approx(expected.objective)
    assert head["limits"]["cost"] == limit
    assert head["change"]["value"] == pytest.approx(expected.objective - before.objective)
    table = what_if.portfolio_table()
    assert set(table.index[table["change"] == "dropped"]) == set(before.selected) - set(
        expected.selected)
    assert set(table.index[table["change"] == "added"]) == set(expected.selected) - set(
        before.selected)
    criteria = what_if.criterion_table()
    assert criteria["value"].sum() == pytest.approx(expected.value["standalone"])
    assert criteria["baseline"].sum() == pytest.approx(before.value["standalone"])
    assert what_if.set_limit("cost", what_if.model_limit("cost"))
    assert what_if.requested.limits == {}  # back to the model's own: nothing overridden


def test_weights_stakeholders_include_and_exclude(small_folder):
    model = wb.load(small_folder)
    what_if = WhatIf(model)
    assert what_if.set_weight("c0", 30.0)
    weights = model.criteria["weight"].astype(float).copy()
    weights["c0"] = 30.0
    assert what_if.normalised_weights().to_dict() == pytest.approx(
        normalised_weights(weights).to_dict())
    assert what_if.result.selected == wb.optimise(model, weights=weights).selected
    assert what_if.set_stakeholder("group1")
    assert what_if.requested.weights == {}  # a new weighting starts clean
    group = stakeholder_weights(model, "group1")
    assert what_if.weights().equals(group)
    assert what_if.result.selected == wb.optimise(model, weights=group).selected
    out = what_if.result.selected[0]
    assert what_if.set_exclude([out])
    assert out not in what_if.result.selected
    group = stakeholder_weights(model, "group1")
    left_out = next(a for a in model.actions.index if a not in what_if.result.selected
                    and a != out and wb.optimise(model, weights=group, include=[a], exclude=[out]).status
                    == "optimal")
    assert what_if.set_include([left_out])
    assert left_out in what_if.result.selected
    table = what_if.portfolio_table()
    assert table.at[out, "forced"] == "out" and table.at[left_out, "forced"] == "in"


def test_an_infeasible_setting_explains_itself_and_keeps_the_last_good_portfolio(small_model):
    what_if = WhatIf(small_model)
    good = what_if.result
    assert not what_if.set_limit("cost", 1.0)
    assert what_if.result is good
    assert what_if.requested.limits == {"cost": 1.0}
    assert any("the cost limit is 1" in line for line in what_if.problems), what_if.problems
    head = what_if.headline()
    assert head["found"] and head["problems"] == what_if.problems
    assert what_if.set_limit("cost", what_if.model_limit("cost"))
    assert what_if.problems == []


def test_contradictory_forcing_is_reported_in_words(small_model):
    what_if = WhatIf(small_model)
    assert what_if.set_include(["a01"])  # forcing one action in is a valid setting
    assert what_if.problems == [] and "a01" in what_if.result.selected
    assert not what_if.set_exclude(["a01"])
    assert what_if.problems == [
        "scenario 'current':exclude: action 'a01' is both included and excluded in scenario "
        "'current'"]


def test_a_pinned_baseline_is_what_changes_are_measured_against(small_model):
    what_if = WhatIf(small_model)
    what_if.set_limit("cost", what_if.limit("cost") * 0.5)
    what_if.pin_baseline()
    assert what_if.headline()["change"]["value"] == 0
    assert (what_if.portfolio_table()["change"] == "").all()
    pinned = what_if.result
    what_if.set_limit("cost", what_if.model_limit("cost"))
    table = what_if.portfolio_table()
    assert set(table.index[table["change"] == "added"]) == set(what_if.result.selected) - set(
        pinned.selected)


def test_results_are_cached_per_settings(small_model, monkeypatch):
    calls = []
    real = Reoptimiser.optimise
    monkeypatch.setattr(Reoptimiser, "optimise",
                        lambda *a, **k: calls.append(k) or real(*a, **k))
    what_if = WhatIf(small_model)
    what_if.set_limit("cost", 50000.0)
    what_if.set_limit("cost", what_if.model_limit("cost"))
    what_if.set_limit("cost", 50000.0)
    assert len(calls) == 2


def test_the_frontier_is_computed_once_per_weights_not_per_budget(small_model, monkeypatch):
    import sys

    frontier_module = sys.modules["workbench.frontier"]

    calls = []
    real = frontier_module.frontier
    monkeypatch.setattr(frontier_module, "frontier",
                        lambda *a, **k: calls.append(k) or real(*a, **k))
    what_if = WhatIf(small_model)
    table = what_if.frontier()
    assert table["value"].is_monotonic_increasing
    what_if.set_limit("cost", what_if.limit("cost") * 0.7)
    assert what_if.frontier() is table
    assert what_if.frontier_view().budget == what_if.limit("cost")
    what_if.set_weight("c0", 9.5)
    assert what_if.frontier() is not table
    assert len(calls) == 2


def test_the_explanation_prices_forced_choices_and_closest_calls(small_model):
    what_if = WhatIf(small_model)
    out = what_if.result.selected[0]
    assert what_if.set_exclude([out])
    table = what_if.explanation()
    forced = table[table["kind"] == "forced out"].iloc[0]
    assert forced["action"] == out
    assert forced["cost"] == pytest.approx(what_if.baseline.objective - what_if.result.objective)
    left = table[table["kind"] == "left out"]
    assert 1 <= len(left) <= widgets.EXPLAINED_EXCLUSIONS
    assert list(left["cost"]) == sorted(left["cost"])
    assert not set(left["action"]) & set(what_if.result.selected)
    assert out not in set(left["action"])


def test_scenarios_load_into_the_controller_as_on_the_command_line(example_model):
    what_if = WhatIf(example_model, "lean_year")
    model, options = apply_scenario(example_model, "lean_year")
    assert what_if.result.selected == wb.optimise(model, options).selected
    assert what_if.baseline_name == "lean_year"
    assert what_if.use_scenario("")
    assert what_if.result.selected == wb.optimise(example_model).selected


# ---------------------------------------------------------------- the widgets


def test_moving_the_budget_slider_updates_every_view(small_model):
    dashboard = Dashboard(small_model)
    table, head = dashboard.portfolio_view.value, dashboard.headline_view.value
    frontier = dashboard.frontier_view.value
    slider = dashboard.limit_sliders["cost"]
    assert slider.continuous_update is False
    slider.value = round(slider.value * 0.5, -3)
    expected = wb.optimise(small_model, limits={"cost": slider.value})
    assert selected_in(dashboard.portfolio_view.value) == set(expected.selected)
    assert dashboard.portfolio_view.value != table and dashboard.headline_view.value != head
    assert headline_value(dashboard.headline_view.value) == pytest.approx(expected.objective)
    assert "wb-dropped" in dashboard.portfolio_view.value
    assert dashboard.frontier_view.value != frontier  # the budget marker moved
    assert f"data-budget='{slider.value!r}'" in dashboard.frontier_view.value
    assert "wb-explanation" in dashboard.explanation_view.value


def test_weight_sliders_show_the_normalised_weight(small_model):
    dashboard = Dashboard(small_model)
    dashboard.weight_sliders["c0"].value = 0.0
    shares = normalised_weights(dashboard.controller.weights())
    for criterion, label in dashboard.weight_shares.items():
        assert f"= {100 * shares[criterion]:.0f}%" in label.value
    assert "= 0%" in dashboard.weight_shares["c0"].value


def test_an_infeasible_setting_shows_its_message_in_place(small_model):
    dashboard = Dashboard(small_model)
    table = dashboard.portfolio_view.value
    dashboard.limit_sliders["cost"].value = 0.0
    head = text(dashboard.headline_view)
    assert head.startswith("No portfolio fits these settings")
    assert "Last portfolio that fitted" in head
    for reason in dashboard.controller.problems:
        assert reason in head
    assert selected_in(dashboard.portfolio_view.value) == selected_in(table)
    assert "this is the last portfolio that fitted" in text(dashboard.portfolio_view)
    assert "Traceback" not in head


def test_an_unexpected_error_is_shown_not_raised(small_model, monkeypatch):
    dashboard = Dashboard(small_model)

    def broken(*args, **kwargs):
        raise RuntimeError("solver fell over")

    monkeypatch.setattr(dashboard.controller, "set_limit", broken)
    dashboard.limit_sliders["cost"].value = 1000.0
    assert text(dashboard.message) == "Something went wrong: solver fell over"


def test_save_a_scenario_from_the_dashboard_and_load_it_back(small_folder, no_slow_views):
    model = wb.load(small_folder)
    dashboard = Dashboard(model)
    dashboard.limit_sliders["cost"].value = 50000.0
    dashboard.stakeholder_picker.value = "group1"
    dashboard.name_box.value = "tight"
    dashboard.save_button.click()
    assert text(dashboard.message) == "Saved scenario 'tight' in scenarios.csv."
    assert ("tight", "tight") in dashboard.scenario_picker.options
    assert load_scenario(model, "tight") == Scenario(name="tight", limits={"cost": 50000.0},
                                                     stakeholder="group1")
    dashboard.limit_sliders["cost"].value = 60000.0
    dashboard.save_button.click()
    assert "name 'tight': a scenario of that name already exists" in text(dashboard.message)
    assert load_scenario(model, "tight").limits == {"cost": 50000.0}
    dashboard.replace_box.value = True
    dashboard.save_button.click()
    assert load_scenario(model, "tight").limits == {"cost": 60000.0}
    dashboard.scenario_picker.value = ""
    assert dashboard.limit_sliders["cost"].value == dashboard.controller.model_limit("cost")
    assert dashboard.stakeholder_picker.value == "agreed"
    dashboard.scenario_picker.value = "tight"
    assert dashboard.limit_sliders["cost"].value == 60000.0
    assert dashboard.stakeholder_picker.value == "group1"
    assert dashboard.controller.result.selected == wb.optimise(
        model, limits={"cost": 60000.0}, weights=stakeholder_weights(model, "group1")).selected


def test_the_scenario_dropdown_sets_every_control(example_folder, no_slow_views):
    model = wb.load(example_folder)
    dashboard = Dashboard(model)
    dashboard.scenario_picker.value = "lean_year"
    assert dashboard.limit_sliders["cost"].value == 500000
    assert dashboard.stream_sliders["public_health_grant"].value == 250000
    model_lean, options = apply_scenario(model, "lean_year")
    assert selected_in(dashboard.portfolio_view.value) == set(
        wb.optimise(model_lean, options).selected)
    dashboard.scenario_picker.value = "crisis_cafe_in"
    assert dashboard.action_picker.buttons["crisis_cafe_scheme"].value == "in"
    assert [a for a, b in dashboard.action_picker.buttons.items() if b.value] == [
        "crisis_cafe_scheme"]  # the scheme is listed once, its levels not at all
    assert "crisis_cafe" not in dashboard.action_picker.buttons
    assert dashboard.limit_sliders["cost"].value == 680000
    dashboard.scenario_picker.value = "lived_experience_first"
    assert dashboard.stakeholder_picker.value == "lived_experience"
    assert dashboard.weight_sliders["inequalities"].value == 25
    dashboard.pin_button.click()
    assert "Against the baseline (lived_experience_first)" in text(dashboard.headline_view)


def test_a_longer_horizon_shows_the_timeline_and_start_years(example_folder, no_slow_views):
    dashboard = Dashboard(wb.load(example_folder))
    assert dashboard.horizon_picker.layout.display != "none"
    assert dashboard.timeline_view.value == ""
    dashboard.limit_sliders["cost"].value = 600000
    dashboard.limit_sliders["staff_fte"].value = 5
    dashboard.horizon_picker.value = 3
    assert dashboard.limit_sliders["cost"].value == 1800000  # scaled: each year keeps £600,000
    assert dashboard.controller.result.horizon == 3
    assert dashboard.limit_sliders["cost"].max >= 2_000_000  # three years of every action
    assert "Timeline over 3 years" in dashboard.timeline_view.value
    assert "<th class=\"num\">start</th>" in dashboard.portfolio_view.value
    assert "over 3 years" in dashboard.headline_view.value


def test_slow_views_follow_on_a_background_thread(small_model):
    dashboard = Dashboard(small_model, background=True, defer=True)
    dashboard._worker.join(timeout=300)
    assert "wb-explanation" in dashboard.explanation_view.value
    assert "<img" in dashboard.frontier_view.value
    dashboard.weight_sliders["c1"].value = 0.0
    assert "Working out what each choice costs" in dashboard.explanation_view.value
    dashboard._worker.join(timeout=300)
    assert dashboard.controller.cached_explanation() is not None
    assert "wb-explanation" in dashboard.explanation_view.value
    assert "Updating the frontier" not in dashboard.frontier_view.value


def test_the_dashboard_shows_as_a_widget_with_a_short_text_form(small_model, no_slow_views):
    dashboard = wb.dashboard(small_model)
    bundle = dashboard._repr_mimebundle_()
    assert bundle["text/plain"] == "What-if dashboard: 8 actions, 3 criteria"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_a_broken_scenarios_file_does_not_stop_the_dashboard(small_folder, no_slow_views):
    (small_folder / "scenarios.csv").write_text("scenario,kind,target,value\nx,limit,cots,5\n")
    dashboard = Dashboard(wb.load(small_folder), scenario="x")
    assert text(dashboard.message) == (
        "scenarios.csv cannot be used: scenarios.csv:2:target: unknown resource 'cots' (did you "
        "mean 'cost'?); scenarios.csv:scenario: no scenario named 'x' (known: none: add rows "
        "to scenarios.csv)")
    assert dashboard.scenario_picker.options == (("the model as given", ""),)
    assert selected_in(dashboard.portfolio_view.value) == set(
        wb.optimise(wb.load(small_folder)).selected)


# ---------------------------------------------------------------- for leads: names, picker,
# infeasible settings, horizon, saving, the frontier chart


def shown_text(dashboard: Dashboard) -> str:
    """Every text the dashboard shows: HTML views, control labels, options and tooltips."""
    import ipywidgets

    parts = []
    stack = [dashboard]
    while stack:
        widget = stack.pop()
        stack.extend(getattr(widget, "children", ()))
        if isinstance(widget, ipywidgets.HTML):
            parts.append(html.unescape(re.sub(r"<[^>]+>", " ", widget.value)))
        for attribute in ("description", "placeholder", "tooltip"):
            parts.append(html.unescape(re.sub(r"<[^>]+>", " ",
                                              str(getattr(widget, attribute, "") or ""))))
        parts += [str(label) for label in getattr(widget, "_options_labels", ())]
        parts += [str(tip) for tip in getattr(widget, "tooltips", ()) or ()]
    return "\n".join(parts)


def test_the_dashboard_shows_names_and_units_never_ids(example_folder, no_slow_views):
    model = wb.load(example_folder)
    dashboard = Dashboard(model)
    dashboard.horizon_picker.value = 2  # the timeline and per-year labels too
    shown = shown_text(dashboard)
    ids = {*model.resource_names, *model.funding["stream"], *model.stakeholders["stakeholder"],
           *model.criteria.index, *model.actions.index, *model.actions["theme"]}
    assert sorted(i for i in ids if "_" in i and re.search(rf"\b{i}\b", shown)) == []
    for name in [*model.actions["name"], *model.criteria["name"],
                 *model.stakeholders["name"], *model.funding["description"].dropna()]:
        assert name in shown, name  # in full, never cut at some length
    assert "Money [£]" in shown and "Staff time [FTE]" in shown
    assert "'s own" not in shown and "s's" not in shown
    assert dict(dashboard.stakeholder_picker.options)["Statutory organisations"] == "statutory"


def test_the_picker_lists_every_action_once_and_forces_in_and_out(example_folder,
                                                                 no_slow_views):
    model = wb.load(example_folder)
    dashboard = Dashboard(model)
    picker = dashboard.action_picker
    targets = list(dict.fromkeys(model.scheme_of(a) or a for a in model.actions.index))
    assert list(picker.buttons) == targets  # each scheme once, in place of its levels
    assert {"crisis_cafe_scheme", "ips_scheme"} <= set(targets)
    assert picker.shown() == targets
    picker.search.value = "Crisis"
    assert picker.shown() == [t for t in targets if "crisis" in " ".join(map(str, (
        model.scheme_name(t) if t in model.schemes else model.actions.at[t, "name"], t,
        model.actions.at[model.members(t)[0], "theme"],
        model.actions.at[model.members(t)[0], "lead"]))).lower()]
    assert "crisis_cafe_scheme" in picker.shown()
    picker.search.value = "council hr"  # every word, anywhere in name, theme or lead
    assert picker.shown() == list(model.actions.index[model.actions["lead"] == "Council HR"])
    picker.search.value = ""
    assert len(picker.shown()) == len(targets)
    left_out = next(a for a in model.actions.index
                    if a not in dashboard.controller.result.selected)
    picker.buttons[left_out].value = "in"
    funded = dashboard.controller.result.selected[0]
    picker.buttons[funded].value = "out"
    assert dashboard.controller.requested.include == (left_out,)
    assert dashboard.controller.requested.exclude == (funded,)
    expected = wb.optimise(model, include=[left_out], exclude=[funded])
    assert selected_in(dashboard.portfolio_view.value) == set(expected.selected)
    assert "1 forced in, 1 forced out" in text(picker.summary)
    picker.buttons[left_out].value = ""
    assert dashboard.controller.requested.include == ()
    assert picker.buttons[funded].value == "out"


def test_actions_the_model_forces_are_shown_and_locked(small_folder, no_slow_views):
    (small_folder / "constraints.csv").write_text("kind,target,value\ninclude,a02,\n")
    dashboard = Dashboard(wb.load(small_folder))
    buttons = dashboard.action_picker.buttons["a02"]
    assert buttons.value == "in" and buttons.disabled
    assert "forced by the model's constraints" in buttons.description
    assert not dashboard.action_picker.buttons["a03"].disabled


def test_no_portfolio_fits_says_so_first_with_reasons_and_the_last_one_labelled(
        example_folder, no_slow_views):
    model = wb.load(example_folder)
    dashboard = Dashboard(model)
    dashboard.action_picker.buttons["crisis_cafe_scheme"].value = "in"
    last = dashboard.controller.result
    dashboard.limit_sliders["cost"].value = 1000
    head = text(dashboard.headline_view)
    assert head.startswith("No portfolio fits these settings")
    reasons = wb.optimise(model, include=["crisis_cafe_scheme"], limits={"cost": 1000}).reasons
    assert reasons and all(reason in head for reason in reasons)
    cafe = model.scheme_name("crisis_cafe_scheme")
    assert (f"You asked for: Money at most £1,000 (the model's limit: £680,000); forced in: "
            f"{cafe}." in head)
    assert head.index("No portfolio fits") < head.index("Last portfolio that fitted") < head.index(
        f"{last.objective:,.1f} value points")
    assert f"Money £{last.cost['cost']:,.0f} within its limit then of £680,000" in head
    assert "of £1,000" not in head
    assert "this is the last portfolio that fitted" in text(dashboard.portfolio_view)
    dashboard.limit_sliders["cost"].value = 680000
    assert "No portfolio" not in text(dashboard.headline_view)
    assert "last portfolio" not in text(dashboard.portfolio_view)
    stream = model.funding["stream"].iloc[0]
    dashboard.stream_sliders[stream].value = 0
    dashboard.limit_sliders["cost"].value = 1000
    head = text(dashboard.headline_view)
    assert head.startswith("No portfolio fits")
    description, own = model.funding[["description", "limit"]].iloc[0]
    assert (f"You asked for: Money at most £1,000 (the model's limit: £680,000); the funding "
            f"stream \u201c{description}\u201d at most £0 (the model's limit: £{own:,.0f}); "
            f"forced in: {cafe}." in head)


def test_a_new_horizon_scales_the_limits_and_says_what_changed(example_folder, no_slow_views):
    model = wb.load(example_folder)
    dashboard = Dashboard(model)
    what_if = dashboard.controller
    money, staff = what_if.model_limit("cost"), what_if.model_limit("staff_fte")
    streams = {s: what_if.model_stream_limit(s) for s in what_if.stream_names()}
    dashboard.horizon_picker.value = 3
    assert what_if.requested.limits == {"cost": 3 * money, "staff_fte": pytest.approx(3 * staff)}
    assert what_if.requested.stream_limits == {s: 3 * v for s, v in streams.items()}
    assert dashboard.limit_sliders["cost"].value == 3 * money
    assert "every limit was multiplied by 3/1" in text(dashboard.horizon_note)
    assert (f"over 3 years: £{3 * money:,.0f}, that is £{money:,.0f} a year"
            in text(dashboard.limit_labels["cost"]))
    head = text(dashboard.headline_view)
    assert "Planning for 3 years instead of the model's 1" in head
    assert f"Money £{3 * money:,.0f} in all, £{money:,.0f} a year" in head
    expected = wb.optimise(*apply_scenario(model, what_if.requested))
    assert headline_value(dashboard.headline_view.value) == pytest.approx(expected.objective)
    dashboard.horizon_picker.value = 1  # back: the model's limits, nothing overridden
    assert what_if.requested.limits == {} and what_if.requested.stream_limits == {}
    assert "Planning for" not in text(dashboard.headline_view)
    dashboard.scale_box.value = False  # keep the totals: they must last the longer horizon
    dashboard.horizon_picker.value = 3
    assert what_if.requested.limits == {} and what_if.horizon() == 3
    assert "the limits stayed as they were: they must now last 3 years" in text(
        dashboard.horizon_note)
    assert f"Money £{money:,.0f} in all, £{money / 3:,.0f} a year" in text(
        dashboard.headline_view)


def test_saving_is_off_with_its_reason_when_scenarios_cannot_be_written(small_model,
                                                                       small_folder,
                                                                       no_slow_views):
    from workbench.scenarios import scenarios_save_problem

    problem = scenarios_save_problem(small_model)
    assert problem  # a generated model has no folder to save into
    dashboard = Dashboard(small_model)
    assert dashboard.save_button.disabled and dashboard.name_box.disabled
    assert text(dashboard.save_note) == f"Saving is off: {problem}"
    (small_folder / "scenarios.csv").write_text("scenario,kind\nx,limit\n")  # a column missing
    dashboard = Dashboard(wb.load(small_folder))
    assert dashboard.save_button.disabled
    problem = scenarios_save_problem(wb.load(small_folder))
    assert problem and text(dashboard.save_note) == f"Saving is off: {problem}"
    (small_folder / "scenarios.csv").unlink()
    dashboard = Dashboard(wb.load(small_folder))
    assert not dashboard.save_button.disabled and dashboard.save_note.value == ""


def test_the_frontier_chart_is_readable_at_the_dashboards_size(example_model):
    from matplotlib.text import Annotation

    from workbench.widgets.views import (FRONTIER_SIZE, PIXELS_PER_INCH, SMALLEST_TEXT_PX,
                                         frontier_figure)

    table = WhatIf(example_model).frontier()
    figure = frontier_figure(table, example_model)
    assert tuple(figure.get_size_inches()) == FRONTIER_SIZE
    figure.draw_without_rendering()
    texts = [t for t in figure.findobj(lambda a: hasattr(a, "get_fontsize"))
             if t.get_visible() and t.get_text()]
    assert texts
    for artist in texts:  # points -> CSS pixels as the page shows the image
        assert artist.get_fontsize() * PIXELS_PER_INCH / 72 >= SMALLEST_TEXT_PX, artist
    axes = figure.axes[0]
    labels = [t for t in axes.texts if isinstance(t, Annotation)]
    jumps = table.loc[table["jump"].astype(bool), "jump_clusters"]
    clusters = list(dict.fromkeys(c for cell in jumps for c in cell.split(";")))  # named once
    shown = [line for t in sorted(labels, key=lambda t: t.xy[0])
             for line in t.get_text().split("\n")]
    assert len(clusters) >= 3 and shown == [c.replace("_", " ").capitalize() for c in clusters]
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels]
    frame = axes.get_window_extent(renderer)
    for k, box in enumerate(boxes):
        assert frame.x0 <= box.x0 <= box.x1 <= frame.x1
        assert frame.y0 <= box.y0 <= box.y1 <= frame.y1
        assert not any(box.overlaps(other) for other in boxes[k + 1:])
    assert axes.get_xlabel() == "Money [£]: limit over the whole horizon"
    assert all(label.get_text().startswith("£") for label in axes.get_xticklabels())


def test_names_with_dollars_reach_the_dashboard_as_written():
    """A model whose names hold `$` draws every view of the dashboard, charts included, and
    the table shows the names as written (issue 14; that charts draw `$` as text, not maths,
    is checked on the drawn text in test_plot_text.py)."""
    tables = random_tables(8, seed=4, horizon=2)
    tables["actions"].loc[:, "name"] = [f"Peer $^$ support, ${k} vouchers" for k in range(8)]
    model = wb.from_tables(tables)
    dashboard = Dashboard(model, background=False)  # the frontier and timeline drawn now
    html = dashboard.portfolio_view.value
    assert any(f"Peer $^$ support, ${k} vouchers" in html for k in range(8))
    assert "data:image/png;base64," in dashboard.frontier_view.value
    assert "data:image/png;base64," in dashboard.timeline_view.value
