"""Charts: each returns a figure drawing what the data say (counted artists, not pixels)."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import workbench as wb
from workbench import plots
from workbench.examples import random_model, random_tables
from workbench.plots import NEGATIVE, POSITIVE
from workbench.portfolio.schedule import action_timing


@pytest.fixture
def network_model():
    """Ten actions over three years with synergies, two clusters, requires and excludes."""
    return random_model(10, seed=0, horizon=3, funding=True, cluster_every=5, synergy_share=0.6)


def _by_gid(axes, gid):
    artists = [*axes.lines, *axes.patches, *axes.collections]
    return [a for a in artists if a.get_gid() == gid]


def _renders(figure) -> None:
    assert isinstance(figure, Figure) and isinstance(figure.canvas, FigureCanvasAgg)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")
    assert figure._repr_png_().startswith(b"\x89PNG")  # how a notebook shows it


def test_values_stack_each_criterion_sorted_by_value():
    model = random_model(6, seed=2, n_criteria=3)
    table = wb.score(model)
    figure = plots.plot_values(table)
    _renders(figure)
    axes = figure.axes[0]
    assert [c.get_label() for c in axes.containers] == list(model.criteria.index)
    assert all(len(c) == 6 for c in axes.containers)
    totals = np.sum([[bar.get_width() for bar in c] for c in axes.containers], axis=0)
    assert totals == pytest.approx(np.sort(table["value"].to_numpy()))  # highest at the top
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert labels[-1] == table["name"].iloc[0]


def test_values_needs_a_score_table():
    with pytest.raises(wb.ModelError, match="expected the table of wb.score"):
        plots.plot_values(pd.DataFrame({"a": [1.0]}))


def test_stakeholder_spread_one_marker_per_group_and_action(example_model):
    figure = plots.plot_stakeholder_spread(example_model)
    _renders(figure)
    axes = figure.axes[0]
    groups = example_model.stakeholders["stakeholder"].nunique()
    actions = len(example_model.actions)
    points = [c for c in axes.collections if c.get_offsets().shape[0] == actions]
    assert len(points) == groups + 1  # each group, and the agreed value
    ranges = [c for c in axes.collections if len(c.get_segments() if hasattr(
        c, "get_segments") else []) == actions]
    assert len(ranges) == 1
    spreads = [segment[1][0] - segment[0][0] for segment in ranges[0].get_segments()]
    assert spreads == sorted(spreads)  # widest disagreement at the top
    mine = plots.plot_stakeholder_spread(example_model, own_weights=True).axes[0]
    before = np.vstack([c.get_offsets() for c in axes.collections[1:]])
    after = np.vstack([c.get_offsets() for c in mine.collections[1:]])
    assert not np.allclose(before, after)  # own weights change the groups' values


def test_stakeholder_spread_needs_stakeholder_scores():
    tables = random_tables(5, seed=1, stakeholders=1)
    tables["scores"] = tables["scores"].drop(columns="stakeholder")
    tables.pop("stakeholders")
    with pytest.raises(wb.ModelError, match="no stakeholder column"):
        plots.plot_stakeholder_spread(wb.from_tables(tables))


def test_weights_agreed_beside_each_group(example_model):
    figure = plots.plot_weights(example_model)
    _renders(figure)
    axes = figure.axes[0]
    groups = example_model.weights["stakeholder"].nunique()
    assert len(axes.patches) == 7 * (1 + groups)
    for container in axes.containers:
        assert sum(bar.get_height() for bar in container) == pytest.approx(100)
    plain = plots.plot_weights(random_model(5, seed=1, n_criteria=4)).axes[0]
    assert len(plain.patches) == 4


def test_value_functions_one_panel_per_criterion():
    model = random_model(5, seed=3, n_criteria=5)  # the last criterion is 'lower is better'
    figure = plots.plot_value_functions(model)
    _renders(figure)
    visible = [a for a in figure.axes if a.get_visible()]
    assert len(visible) == 5
    for axes, direction in zip(visible, model.criteria["direction"]):
        (line,) = axes.lines
        start, end = line.get_ydata()[[0, -1]]
        assert (start, end) == ((0, 100) if direction == "higher" else (100, 0))
        assert len(_by_gid(axes, "actions")[0].get_offsets()) == 5


def test_interactions_draw_every_action_and_interaction(network_model):
    figure = plots.plot_interactions(network_model)
    _renders(figure)
    axes = figure.axes[0]
    interactions = network_model.interactions
    count = interactions["kind"].value_counts()
    nodes = sum(len(c.get_offsets()) for c in _by_gid(axes, "actions"))
    assert nodes == len(network_model.actions)
    assert len(_by_gid(axes, "actions")) == network_model.actions["theme"].nunique()
    synergy = _by_gid(axes, "synergy")
    assert len(synergy) == count["synergy"]
    bonuses = interactions.loc[interactions["kind"] == "synergy", "bonus"].to_numpy()
    colours = [to_hex(p.get_edgecolor(), keep_alpha=False) for p in synergy]
    assert colours == [POSITIVE if b > 0 else NEGATIVE for b in bonuses]
    widths = np.array([p.get_linewidth() for p in synergy])
    assert np.argsort(widths, kind="stable").tolist() == np.argsort(
        np.abs(bonuses), kind="stable").tolist()
    assert len(_by_gid(axes, "requires")) == count["requires"]
    excludes = _by_gid(axes, "excludes")
    assert len(excludes) == count["excludes"]
    assert all(line.get_linestyle() == "--" for line in excludes)
    assert len(_by_gid(axes, "critical_mass")) == count["critical_mass"]
    members = interactions.loc[interactions["kind"] == "critical_mass", "members"]
    assert len(_by_gid(axes, "critical_mass_member")) == sum(len(m) for m in members)


def test_interactions_highlight_the_selected_actions(network_model):
    result = wb.optimise(network_model)
    axes = plots.plot_interactions(network_model, result).axes[0]
    sizes = np.concatenate([c.get_sizes() for c in _by_gid(axes, "actions")])
    assert (sizes == sizes.max()).sum() == len(result.selected)
    assert (sizes < sizes.max()).sum() == len(network_model.actions) - len(result.selected)
    for patch, members in zip(_by_gid(axes, "synergy"), network_model.interactions.loc[
            network_model.interactions["kind"] == "synergy", "members"]):
        both = all(m in result.selected for m in members)
        assert patch.get_alpha() == (1.0 if both else 0.25)


def test_interactions_on_a_model_without_any(example_folder):
    (example_folder / "interactions.csv").unlink()
    model = wb.load(example_folder)
    axes = plots.plot_interactions(model).axes[0]
    assert sum(len(c.get_offsets()) for c in _by_gid(axes, "actions")) == len(model.actions)
    assert _by_gid(axes, "synergy") == [] and _by_gid(axes, "critical_mass") == []


def test_interaction_blind_model_keeps_only_the_rules(network_model):
    blind = network_model.without_interactions()
    kinds = network_model.interactions["kind"]
    assert set(blind.interactions["kind"]) == {"requires", "excludes"}
    assert set(kinds) == {"synergy", "critical_mass", "requires", "excludes"}  # input unchanged
    axes = plots.plot_interactions(blind).axes[0]
    assert _by_gid(axes, "synergy") == [] and _by_gid(axes, "critical_mass") == []
    assert len(_by_gid(axes, "requires")) == (kinds == "requires").sum()
    assert wb.optimise(blind).value["synergy"] == 0
    with pytest.raises(wb.ModelError, match=r"unknown interaction kind\(s\) synergies"):
        network_model.without_interactions(("synergies",))


def test_cluster_contributions_every_cluster_and_earned_synergy(network_model):
    result = wb.optimise(network_model)
    figure = plots.plot_cluster_contributions(network_model, result)
    _renders(figure)
    axes = figure.axes[0]
    earned = result.earned_interactions
    clusters = (network_model.interactions["kind"] == "critical_mass").sum()
    synergies = (earned["kind"] == "synergy").sum()
    assert len(axes.patches) == clusters + synergies
    widths = sum(bar.get_width() for bar in axes.patches)
    assert widths == pytest.approx(result.value["synergy"] + result.value["critical_mass"])
    assert f"= {result.value['total']:.1f} value points" in axes.get_title()


def test_cluster_contributions_show_an_unreached_cluster_as_zero(example_model):
    result = wb.optimise(example_model, exclude=["peer_support", "crisis_cafe"])
    axes = plots.plot_cluster_contributions(example_model, result).axes[0]
    labels = [t.get_text() for t in axes.get_yticklabels()]
    row = next(k for k, label in enumerate(labels) if label.startswith("crisis_alternatives"))
    assert "(1 of 3 funded, 2 needed)" in labels[row]
    assert axes.patches[row].get_width() == 0


def test_timeline_one_bar_per_action_over_its_active_years(network_model):
    result = wb.optimise(network_model)
    figure = plots.plot_timeline(result, network_model)
    _renders(figure)
    gantt, costs = figure.axes
    assert len(gantt.patches) == len(result.selected)
    timing = action_timing(network_model, 3)
    names = network_model.actions["name"]
    label_at = {round(y): label.get_text()
                for y, label in zip(gantt.get_yticks(), gantt.get_yticklabels())}
    for bar in gantt.patches:
        label = label_at[round(bar.get_y() + bar.get_height() / 2)]
        action = names.index[names == label][0]
        start = result.start_year[action]
        assert bar.get_x() == start
        assert bar.get_width() == min(int(timing.loc[action, "duration"]), 4 - start)
    assert len(costs.patches) == 3
    heights = [bar.get_height() for bar in costs.patches]
    assert heights == pytest.approx(result.cost_by_year.loc["cost"].tolist())
    staff = plots.plot_timeline(result, network_model, resource="staff_fte").axes[1]
    assert [b.get_height() for b in staff.patches] == pytest.approx(
        result.cost_by_year.loc["staff_fte"].tolist())


def test_timeline_refuses_bad_input(network_model, example_model):
    result = wb.optimise(network_model)
    with pytest.raises(wb.ModelError, match="unknown resource 'money'"):
        plots.plot_timeline(result, network_model, resource="money")
    roundtable = wb.evaluate(example_model, example_model.reference_portfolio("roundtable"))
    with pytest.raises(wb.ModelError, match="infeasible"):
        plots.plot_timeline(roundtable, example_model)
    with pytest.raises(wb.ModelError, match="nothing to draw for a portfolio that is infeasible"):
        plots.plot_cluster_contributions(example_model, roundtable)


def test_plots_are_reachable_from_the_package_without_pyplot_state():
    assert wb.plot_values is plots.plot_values
    assert wb.plots.plot_timeline is plots.plot_timeline
    import matplotlib.pyplot as pyplot

    before = pyplot.get_fignums()
    plots.plot_weights(random_model(4, seed=0))
    assert pyplot.get_fignums() == before  # nothing left open in pyplot's registry


# ---------------------------------------------------------------- names and units


def test_timeline_labels_amounts_with_names_and_units(example_model):
    result = wb.optimise(example_model, horizon=2)
    figure = plots.plot_timeline(result, example_model)
    costs = figure.axes[1]
    assert costs.get_ylabel() == "Money [£] per year"
    labels = [text.get_text() for text in costs.texts]
    assert labels == [f"£{result.cost_by_year.at['cost', t]:,.0f}\n"
                      f"{result.cost_by_year.at['staff_fte', t]:g} FTE" for t in (1, 2)]
    figure.canvas.draw()
    assert all(tick.get_text().replace(",", "").isdigit()
               for tick in costs.get_yticklabels() if tick.get_text())
    staff = plots.plot_timeline(result, example_model, resource="staff_fte").axes[1]
    assert staff.get_ylabel() == "Staff time [FTE] per year"


def test_frontier_axis_with_the_resources_name_and_unit(example_model):
    table = wb.frontier(example_model, points=4)
    figure = plots.plot_frontier(table, current_budget=500_000, model=example_model)
    axes = figure.axes[0]
    assert axes.get_xlabel() == "budget: limit on Money [£] over the horizon"
    figure.canvas.draw()
    ticks = [tick.get_text() for tick in axes.get_xticklabels() if tick.get_text()]
    assert ticks and all(tick.startswith("£") for tick in ticks)
    assert any(text.get_text().startswith("current budget £500,000:") for text in axes.texts)
    bare = plots.plot_frontier(table, current_budget=500_000)
    assert bare.axes[0].get_xlabel() == "budget: limit on cost over the horizon"
    assert any(text.get_text().startswith("current budget 500,000:")
               for text in bare.axes[0].texts)
