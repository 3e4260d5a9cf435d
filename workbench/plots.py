"""Charts of values, weights, interactions and plans: matplotlib figures returned, never shown.

Figures are made with matplotlib's object API on an Agg canvas: no pyplot, no global backend
switch, no figure registry to close. A notebook cell ending with a figure shows it as PNG.
Artists a reader would count carry a `gid` ("actions", "synergy", "requires", "excludes",
"critical_mass", "critical_mass_member"), so tests can check what is drawn, not pixels.
Every name from the model (action, criterion, theme, stakeholder, cluster, portfolio, resource)
reaches a chart through `as_text`, so a `$` in a name is shown, never read as maths.
"""
from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, PathPatch, Polygon
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter

from .errors import ModelError
from .model import FOUND_STATUSES, Model, PortfolioResult
from .plan import action_plan
from .scoring import (action_values, aggregate_scores, normalised_weights, partial_values,
                      stakeholder_values)
from .stakeholders import stakeholder_own_values
from .units import format_amount, resource_label

POSITIVE = "#2e7d32"  # synergy bonus
NEGATIVE = "#c62828"  # overlap (negative bonus)
RULE = "#424242"  # requires and excludes
CLUSTER_PALETTE = "Set2"
CHORD_PULL = 0.4  # how far a synergy's curve bends towards the centre (0: straight chord)
SCORE_SUMMARY_COLUMNS = ("value", "stakeholder_min", "stakeholder_max", "spread")
LABEL_LENGTH = 45  # characters of an action's name shown on an axis


class Chart(Figure):
    """A matplotlib Figure that shows itself as PNG wherever IPython displays it."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(width: float, height: float, **options) -> Chart:
    """An empty figure [inches] on its own Agg canvas (no pyplot state)."""
    figure = Chart(figsize=(width, height), layout="constrained", **options)
    FigureCanvasAgg(figure)
    return figure


def theme_colours(model: Model) -> dict[str, tuple]:
    """One colour per theme, in the order themes first appear in actions.csv."""
    palette = colormaps["tab10"]
    themes = dict.fromkeys(model.actions["theme"])
    return {theme: palette(k % 10) for k, theme in enumerate(themes)}


def as_text(name) -> str:
    """A name from the model as chart text: `$` escaped, since matplotlib reads `$...$` as maths
    (an action called 'Fund $5 $10 vouchers' would otherwise draw maths, or fail to draw)."""
    return str(name).replace("$", r"\$")


def _short(name) -> str:
    """A name shortened to LABEL_LENGTH characters for an axis, as chart text."""
    text = str(name)
    return as_text(text if len(text) <= LABEL_LENGTH else text[:LABEL_LENGTH - 1] + "…")


def _stakeholder_names(model: Model) -> dict[str, str]:
    if "name" not in model.stakeholders or model.stakeholders.empty:
        return {}
    names = model.stakeholders.set_index("stakeholder")["name"]
    return {group: name for group, name in names.items() if isinstance(name, str) and name}


def _require_portfolio(result: PortfolioResult) -> None:
    if not result.fits:
        raise ModelError(f"result: nothing to draw for a portfolio that is {result.status}")


# ---------------------------------------------------------------- scoring


def plot_values(score_table: pd.DataFrame) -> Chart:
    """Each action's value [value points] as bars stacked by criterion, highest at the top.

    score_table: the table of `wb.score(model)` (one column per criterion, then `value`).
    """
    if "value" not in score_table.columns:
        raise ModelError("score_table: expected the table of wb.score(model), with a "
                         "'value' column")
    criteria = [c for c in score_table.columns if c not in SCORE_SUMMARY_COLUMNS
                and pd.api.types.is_numeric_dtype(score_table[c])]
    table = score_table.sort_values("value", kind="stable")
    labels = [_short(n) for n in (table["name"] if "name" in table else table.index)]
    figure = new_figure(10, 1.2 + 0.3 * len(table))
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    left = np.zeros(len(table))
    palette = colormaps["tab10"]
    for k, criterion in enumerate(criteria):
        widths = table[criterion].to_numpy(dtype=float)
        axes.barh(positions, widths, left=left, label=as_text(criterion),
                  color=palette(k % 10))
        left += widths
    for y, value in zip(positions, table["value"]):
        axes.text(value + 0.5, y, f"{value:.1f}", va="center", fontsize=8)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlabel("value [value points, 0..100], stacked by criterion")
    axes.set_xlim(0, max(100.0, float(table["value"].max()) + 8))
    axes.legend(loc="lower right", fontsize=8, title="criterion")
    return figure


def plot_stakeholder_spread(model: Model, own_weights: bool = False) -> Chart:
    """Each stakeholder group's value of each action [value points]: where groups disagree.

    One row per action, widest disagreement at the top: a line from the lowest to the highest
    group, one marker per group and a bar for the agreed value. own_weights: value each
    group's scores with its own weights from weights.csv (default: the agreed weights).
    """
    table = stakeholder_values(model)
    if table.shape[1] == 0:
        raise ModelError("model: scores.csv has no stakeholder column, so there is no spread "
                         "between groups to draw")
    if own_weights:
        table = stakeholder_own_values(model).reindex(model.actions.index)
    agreed = action_values(model)
    spread = table.max(axis=1) - table.min(axis=1)
    order = spread.sort_values(kind="stable").index
    table, agreed = table.loc[order], agreed.loc[order]
    names = _stakeholder_names(model)
    figure = new_figure(10, 1.4 + 0.3 * len(table))
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    axes.hlines(positions, table.min(axis=1), table.max(axis=1), color="#9e9e9e", linewidth=3,
                zorder=1)
    markers = "o^sDvP*X"
    palette = colormaps["tab10"]
    for k, group in enumerate(table.columns):
        axes.scatter(table[group], positions, marker=markers[k % len(markers)], s=36,
                     color=palette(k % 10), label=as_text(names.get(group) or group),
                     zorder=3)
    axes.scatter(agreed, positions, marker="|", s=200, color="black", linewidths=2,
                 label="agreed value (all groups' scores)", zorder=2)
    labels = [f"{_short(model.actions.at[a, 'name'])} ({spread[a]:.0f})" for a in order]
    axes.set_yticks(positions, labels, fontsize=8)
    weights = "each group's own weights" if own_weights else "the agreed weights"
    axes.set_xlabel(f"value [value points] of each group's scores under {weights}; "
                    "(spread) on the left")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="group")
    return figure


def plot_weights(model: Model) -> Chart:
    """Criterion weights [% of the total]: the agreed weights beside each group's own."""
    series = {"agreed": normalised_weights(model.criteria["weight"]) * 100}
    if not model.weights.empty:
        own = model.weights.pivot(index="criterion", columns="stakeholder", values="weight")
        for group in own.columns:
            series[group] = normalised_weights(own[group].reindex(model.criteria.index)
                                               .fillna(0.0)) * 100
    table = pd.DataFrame(series).reindex(model.criteria.index)
    names = _stakeholder_names(model)
    figure = new_figure(10, 4.5)
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    width = 0.8 / table.shape[1]
    palette = colormaps["tab10"]
    for k, column in enumerate(table.columns):
        colour = "black" if column == "agreed" else palette((k - 1) % 10)
        axes.bar(positions + (k - (table.shape[1] - 1) / 2) * width, table[column], width,
                 label=as_text(names.get(column, column)), color=colour)
    axes.set_xticks(positions, model.criteria["name"].map(_short), rotation=20, ha="right",
                    fontsize=8)
    axes.set_ylabel("weight [% of all weights]")
    axes.legend(fontsize=8, title="weights of")
    return figure


def plot_value_functions(model: Model) -> Chart:
    """Each criterion's partial value (0..100) over its own score scale, one panel each,
    with each action's score (mean over stakeholders) marked on the curve."""
    criteria = model.criteria
    weights = normalised_weights(criteria["weight"]) * 100
    means = aggregate_scores(model.scores, model.settings.get("aggregation", "mean"))
    columns = min(4, len(criteria))
    rows = math.ceil(len(criteria) / columns)
    figure = new_figure(3 * columns, 2.6 * rows)
    grid = figure.subplots(rows, columns, squeeze=False)
    for axes, (criterion, row) in zip(grid.flat, criteria.iterrows()):
        scores = pd.Series(np.linspace(row["scale_min"], row["scale_max"], 101))
        values = partial_values(scores, criteria, pd.Series([criterion] * len(scores)))
        axes.plot(scores, values, color="black")
        if criterion in means:
            marked = means[criterion].dropna()
            axes.scatter(marked, partial_values(marked, criteria,
                                                pd.Series([criterion] * len(marked),
                                                          index=marked.index)),
                         s=14, color="tab:blue", alpha=0.6, gid="actions", zorder=3)
        axes.set_title(f"{_short(row['name'])}\n(weight {weights[criterion]:.0f}%)", fontsize=9)
        axes.set_ylim(-5, 105)
        axes.set_xlabel(f"score ({row['direction']} is better)", fontsize=8)
        axes.set_ylabel("partial value [0..100]", fontsize=8)
        axes.tick_params(labelsize=8)
    for axes in list(grid.flat)[len(criteria):]:
        axes.set_visible(False)
    return figure


# ---------------------------------------------------------------- interactions


def circle_layout(model: Model) -> pd.DataFrame:
    """Deterministic positions: actions on a unit circle, grouped by theme, a gap between themes.

    Columns x, y and angle [radians], indexed by action id, starting at the top, clockwise.
    """
    themes = list(dict.fromkeys(model.actions["theme"]))
    slots, slot = {}, 0
    for theme in themes:
        for action in model.actions.index[model.actions["theme"] == theme]:
            slots[action] = slot
            slot += 1
        slot += 1  # the gap
    angle = pd.Series({a: math.pi / 2 - 2 * math.pi * s / slot for a, s in slots.items()})
    return pd.DataFrame({"x": np.cos(angle), "y": np.sin(angle), "angle": angle})


def plot_interactions(model: Model, result: PortfolioResult | None = None) -> Chart:
    """The interaction network: actions on a circle coloured by theme; synergy chords (green
    positive, red overlap, width by |bonus| [value points]); `requires` as arrows from the
    prerequisite; `excludes` dashed; critical-mass clusters as shaded, labelled groups.
    Given a result, its selected actions are ringed and interactions among them drawn solid.
    """
    layout = circle_layout(model)
    position = {a: (row.x, row.y) for a, row in layout.iterrows()}
    for scheme, versions in model.schemes.items():  # a scheme sits between its versions
        position[scheme] = tuple(layout.loc[versions, ["x", "y"]].mean())
    selected = set(result.selected) if result is not None else set(model.actions.index)
    selected |= {s for s, versions in model.schemes.items() if selected & set(versions)}
    if result is not None:
        _require_portfolio(result)
    interactions = model.interactions

    def strength(members) -> float:
        return 1.0 if all(m in selected for m in members) else 0.25

    figure = new_figure(11, 9)
    axes = figure.add_subplot()
    synergy = interactions[interactions["kind"] == "synergy"]
    largest = float(synergy["bonus"].abs().max()) if not synergy.empty else 1.0
    for row in synergy.itertuples():
        ends = np.array([position[m] for m in row.members])
        bend = ends.mean(axis=0) * (1 - CHORD_PULL)
        curve = Path([ends[0], bend, ends[1]], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
        axes.add_patch(PathPatch(curve, gid="synergy", zorder=2, alpha=strength(row.members),
                                 facecolor="none", capstyle="round",
                                 edgecolor=POSITIVE if row.bonus > 0 else NEGATIVE,
                                 linewidth=1 + 4 * abs(row.bonus) / largest))
    for row in interactions[interactions["kind"] == "excludes"].itertuples():
        for k, first in enumerate(row.members):
            for second in row.members[k + 1:]:
                (x1, y1), (x2, y2) = position[first], position[second]
                axes.plot([x1, x2], [y1, y2], gid="excludes", color=RULE, linestyle="--",
                          linewidth=1.2, zorder=2, alpha=strength(row.members))
    for row in interactions[interactions["kind"] == "requires"].itertuples():
        dependent, prerequisite = row.members
        arrow = FancyArrowPatch(position[prerequisite], position[dependent], gid="requires",
                                arrowstyle="-|>", mutation_scale=14, color=RULE,
                                connectionstyle="arc3,rad=0.25", shrinkA=7, shrinkB=7,
                                linewidth=1.2, zorder=2, alpha=strength(row.members))
        axes.add_patch(arrow)
    _draw_clusters(axes, interactions[interactions["kind"] == "critical_mass"], position,
                   None if result is None else selected)
    colours = theme_colours(model)
    for theme, colour in colours.items():
        members = model.actions.index[model.actions["theme"] == theme]
        chosen = [m in selected for m in members]
        axes.scatter(layout.loc[members, "x"], layout.loc[members, "y"], gid="actions",
                     color=colour, label=as_text(theme), zorder=4,
                     s=[160 if c else 70 for c in chosen],
                     alpha=None if result is None else [1.0 if c else 0.35 for c in chosen],
                     edgecolors=["black" if c and result is not None else "white"
                                 for c in chosen],
                     linewidths=[2.0 if c and result is not None else 0.5 for c in chosen])
    for action, row in layout.iterrows():
        degrees = math.degrees(row.angle) % 360
        right = degrees <= 90 or degrees >= 270
        axes.text(1.09 * row.x, 1.09 * row.y, as_text(action), fontsize=7.5,
                  rotation=degrees if right else degrees - 180, rotation_mode="anchor",
                  ha="left" if right else "right", va="center",
                  alpha=1.0 if action in selected else 0.5)
    handles = [Line2D([], [], color=POSITIVE, linewidth=3, label="synergy (+ bonus)"),
               Line2D([], [], color=NEGATIVE, linewidth=3, label="overlap (- bonus)"),
               Line2D([], [], color=RULE, marker=">", label="requires (from prerequisite)"),
               Line2D([], [], color=RULE, linestyle="--", label="excludes"),
               Patch(color=colormaps[CLUSTER_PALETTE](0), alpha=0.35,
                     label="critical-mass cluster")]
    if result is not None:
        handles.append(Line2D([], [], marker="o", color="white", markeredgecolor="black",
                              markeredgewidth=2, markerfacecolor="#bdbdbd", markersize=11,
                              label="selected"))
    theme_legend = axes.legend(handles=[Patch(color=c, label=as_text(t))
                                        for t, c in colours.items()],
                               loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                               title="theme")
    axes.add_artist(theme_legend)
    axes.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.0, 0.0), fontsize=8,
                title="interaction")
    axes.set_xlim(-1.75, 1.75)
    axes.set_ylim(-1.6, 1.6)
    axes.set_aspect("equal")
    axes.set_axis_off()
    return figure


def _draw_clusters(axes, clusters: pd.DataFrame, position: dict,
                   selected: set[str] | None) -> None:
    """Each critical-mass cluster: its members' polygon shaded, spokes to a labelled hub;
    with a portfolio (`selected`), how many members it funds, and faded if short of threshold."""
    palette = colormaps[CLUSTER_PALETTE]
    for k, row in enumerate(clusters.itertuples()):
        colour = palette(k % 8)
        funded = None if selected is None else sum(m in selected for m in row.members)
        strength = 1.0 if funded is None or funded >= row.threshold else 0.35
        points = np.array([position[m] for m in row.members])
        angles = np.arctan2(points[:, 1], points[:, 0])
        axes.add_patch(Polygon(points[np.argsort(angles)] * 0.97, closed=True, color=colour,
                               alpha=0.18 * strength, linewidth=0, zorder=1))
        hub = points.mean(axis=0) * 0.6  # inside the ring, clear of the action labels
        if np.hypot(*hub) < 0.1:  # members all round the circle: keep hubs apart
            hub = hub + 0.3 * np.array([math.cos(k * 1.9), math.sin(k * 1.9)])
        for point in points:
            axes.plot([hub[0], point[0]], [hub[1], point[1]], gid="critical_mass_member",
                      color=colour, linewidth=1, linestyle=":", zorder=1, alpha=strength)
        axes.scatter([hub[0]], [hub[1]], marker="s", s=90, color=colour, edgecolors="black",
                     gid="critical_mass", zorder=3, alpha=strength)
        axes.annotate(f"{as_text(row.name)}\n{int(row.threshold)} of {len(row.members)} "
                      f"needed: +{row.bonus:g}"
                      + ("" if funded is None else f" ({funded} funded)"),
                      hub, xytext=(0, 9), textcoords="offset points", ha="center",
                      fontsize=7, zorder=5,
                      bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8,
                            "edgecolor": colour})


def plot_cluster_contributions(model: Model, result: PortfolioResult) -> Chart:
    """What each critical-mass cluster and earned synergy adds to a portfolio [value points].

    Every cluster is listed (0 when not reached, with how many of its actions are funded);
    synergies only where earned (negative: overlap). Title: the portfolio's value split.
    """
    _require_portfolio(result)
    earned = result.earned_interactions.set_index("name")["earned"] if (
        not result.earned_interactions.empty) else pd.Series(dtype=float)
    rows = []
    for row in model.interactions[model.interactions["kind"] == "critical_mass"].itertuples():
        funded = sum(m in result.selected for m in row.members)
        rows.append((f"{as_text(row.name)} ({funded} of {len(row.members)} funded, "
                     f"{int(row.threshold)} needed)", float(earned.get(row.name, 0.0)),
                     "critical_mass"))
    for row in model.interactions[model.interactions["kind"] == "synergy"].itertuples():
        if row.name in earned.index:
            rows.append((as_text(" + ".join(row.members)), float(earned[row.name]),
                         "synergy"))
    table = pd.DataFrame(rows, columns=["label", "earned", "kind"]).sort_values(
        "earned", kind="stable")
    figure = new_figure(10, 1.6 + 0.32 * max(1, len(table)))
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    colours = [colormaps[CLUSTER_PALETTE](2) if kind == "critical_mass"
               else POSITIVE if value >= 0 else NEGATIVE
               for kind, value in zip(table["kind"], table["earned"])]
    axes.barh(positions, table["earned"], color=colours)
    for y, value in zip(positions, table["earned"]):
        axes.text(value + (0.4 if value >= 0 else -0.4), y, f"{value:+.1f}", va="center",
                  ha="left" if value >= 0 else "right", fontsize=8)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(positions, table["label"], fontsize=8)
    lowest, highest = min(0.0, table["earned"].min()), max(1.0, table["earned"].max())
    axes.set_xlim(lowest - 0.15 * (highest - lowest) - 1, highest * 1.2)
    axes.set_xlabel("value added to the portfolio [value points]")
    value = result.value
    axes.set_title(f"standalone {value['standalone']:.1f} + synergy {value['synergy']:.1f} + "
                   f"critical mass {value['critical_mass']:.1f} = {value['total']:.1f} "
                   "value points", fontsize=10)
    axes.legend(handles=[Patch(color=colormaps[CLUSTER_PALETTE](2), label="critical mass"),
                         Patch(color=POSITIVE, label="synergy"),
                         Patch(color=NEGATIVE, label="overlap")],
                loc="lower right", fontsize=8)
    return figure


# ---------------------------------------------------------------- the plan over time


def plot_timeline(result: PortfolioResult, model: Model, resource: str | None = None) -> Chart:
    """The multi-year plan as a Gantt chart: one bar per selected action over its active years,
    coloured by theme; below, what the plan uses each year of `resource` (default the first),
    each bar annotated with every resource's yearly amount in its unit ("£250,000", "2.5 FTE");
    the axis is labelled with the resource's name and unit ("Money [£] per year").
    """
    plan = action_plan(result, model)
    resource = resource or model.resource_names[0]
    if resource not in model.resource_names:
        raise ModelError(f"resource: unknown resource {resource!r} "
                         f"(the model has {', '.join(model.resource_names)})")
    horizon = result.horizon
    figure = new_figure(10, 2.8 + 0.28 * len(plan))
    gantt, costs = figure.subplots(2, 1, sharex=True, height_ratios=[max(2, len(plan)), 5])
    colours = theme_colours(model)
    positions = np.arange(len(plan))[::-1]
    gantt.barh(positions, plan["end_year"] - plan["start_year"] + 1, left=plan["start_year"],
               color=[colours[t] for t in plan["theme"]], height=0.7, edgecolor="white")
    gantt.set_yticks(positions, plan["name"].map(_short), fontsize=8)
    gantt.legend(handles=[Patch(color=c, label=as_text(t)) for t, c in colours.items()
                          if t in set(plan["theme"])], fontsize=8, title="theme",
                 loc="upper left", bbox_to_anchor=(1.0, 1.0))
    gantt.set_title(f"{len(plan)} actions over {horizon} year(s)", fontsize=10)
    years = np.arange(1, horizon + 1)
    used = result.cost_by_year.loc[resource].reindex(years).fillna(0.0)
    bars = costs.bar(years + 0.5, used, width=0.6, color="#607d8b")
    labels = ["\n".join(as_text(format_amount(model, r, result.cost_by_year.at[r, t]))
                        for r in model.resource_names) for t in years]
    costs.bar_label(bars, labels, fontsize=7, padding=2)
    costs.set_ylim(0, max(1.0, float(used.max())) * 1.6)
    costs.set_ylabel(f"{as_text(resource_label(model, resource))} per year", fontsize=8)
    costs.yaxis.set_major_formatter(FuncFormatter(lambda amount, _: _tick(amount)))
    costs.tick_params(labelsize=8)
    costs.set_xticks(years + 0.5, [f"year {t}" for t in years])
    costs.set_xlim(1, horizon + 1)
    return figure


# ---------------------------------------------------------------- frontier and baselines


def _tick(amount: float) -> str:
    """An axis number with thousands separators: 250,000; 2.5; 0.25."""
    if abs(amount) >= 100 or amount == int(amount):
        return f"{amount:,.0f}"
    return f"{amount:,.2f}".rstrip("0").rstrip(".")


def _require_columns(table: pd.DataFrame, argument: str, source: str, needed: set[str]) -> None:
    """Refuse a table that is not the one the chart draws, naming what it expected."""
    if not needed <= set(table.columns):
        raise ModelError(f"{argument}: expected the table of {source}, with "
                         f"columns {', '.join(sorted(needed))}")


def plot_frontier(frontier_table: pd.DataFrame, current_budget: float | None = None,
                  model: Model | None = None) -> Chart:
    """Best value [value points] against budget as a step chart (`wb.frontier` table).

    Jumps, where a critical-mass cluster becomes affordable, are marked (gid "jump") and each
    cluster is named at the first budget that earns it; the current budget is a dashed line
    (gid "current_budget") with the value it buys. model: the model the frontier was made
    from, for the resource's name and unit on the axis ("Money [£]") and amounts ("£500,000");
    without it the axis shows the resource's id and plain numbers.
    """
    _require_columns(frontier_table, "frontier_table", "wb.frontier(model)",
                     {"budget", "value", "jump", "jump_clusters"})
    table = frontier_table[frontier_table["value"].notna()].sort_values("budget")
    if table.empty:
        raise ModelError("frontier_table: no budget level has a feasible portfolio to draw")
    resource = frontier_table.attrs.get("resource", "budget")

    def amount_text(amount: float) -> str:
        if model is not None and resource in model.resource_names:
            return as_text(format_amount(model, resource, amount))
        return _tick(amount)

    label = (resource_label(model, resource) if model is not None
             and resource in model.resource_names else resource)
    money = FuncFormatter(lambda amount, _: amount_text(amount))
    right = max(float(table["budget"].max()), current_budget or 0.0) * 1.04
    budgets = [*table["budget"], right]
    values = [*table["value"], table["value"].iloc[-1]]
    figure = new_figure(10, 5.5)
    axes = figure.add_subplot()
    axes.step(budgets, values, where="post", color="#1565c0", linewidth=1.6, gid="frontier",
              label="best value at each budget")
    axes.scatter(table["budget"], table["value"], s=10, color="#1565c0", zorder=3)
    jumps = table[table["jump"].astype(bool)]
    axes.scatter(jumps["budget"], jumps["value"], s=60, marker="^", color="#ef6c00",
                 zorder=4, gid="jump", label="a critical-mass cluster becomes affordable")
    named: set[str] = set()
    for k, row in enumerate(jumps.itertuples()):
        new = [c for c in str(row.jump_clusters).split(";") if c and c not in named]
        named.update(new)
        if new:
            axes.annotate(as_text("\n".join(new)), (row.budget, row.value),
                          xytext=(-40, 22 + 14 * (k % 3)), textcoords="offset points",
                          fontsize=8, color="#ef6c00", ha="right",
                          arrowprops={"arrowstyle": "-", "color": "#ef6c00", "linewidth": 0.8})
    if current_budget is not None:
        rows = table[table["budget"] <= current_budget + 1e-9]
        axes.axvline(current_budget, color="black", linestyle="--", linewidth=1,
                     gid="current_budget", label="current budget")
        if not rows.empty:
            value = float(rows["value"].iloc[-1])
            amount = amount_text(current_budget)
            axes.annotate(f"current budget {amount}:\n{value:.1f} value points",
                          (current_budget, value),
                          xytext=(8, -30), textcoords="offset points", fontsize=8)
    axes.xaxis.set_major_formatter(money)
    axes.set_xlim(0, right)
    axes.set_ylim(0, float(table["value"].max()) * 1.12)
    axes.set_xlabel(f"budget: limit on {as_text(label)} over the horizon")
    axes.set_ylabel("best portfolio value [value points]")
    axes.legend(loc="lower right", fontsize=8)
    axes.grid(alpha=0.3)
    return figure


def plot_comparison(comparison: pd.DataFrame) -> Chart:
    """Portfolios side by side (`wb.compare` table): value [value points] stacked into
    standalone, synergy and critical mass; portfolios that break a limit or rule are hatched
    and say so."""
    _require_columns(comparison, "comparison", "wb.compare(model, ...)",
                     {"portfolio", "feasible", "standalone", "synergy", "critical_mass", "value"})
    table = comparison.iloc[::-1]
    figure = new_figure(10, 1.6 + 0.6 * len(table))
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    left = np.zeros(len(table))
    hatches = ["" if feasible else "//" for feasible in table["feasible"]]
    parts = (("standalone", "#90a4ae"), ("synergy", POSITIVE),
             ("critical_mass", colormaps[CLUSTER_PALETTE](2)))
    for part, colour in parts:
        widths = table[part].to_numpy(dtype=float)
        axes.barh(positions, widths, left=left, color=colour, hatch=hatches,
                  edgecolor="white", label=part.replace("_", " "))
        left += widths
    for y, row in zip(positions, table.itertuples()):
        note = "" if row.feasible else "  (breaks a limit or rule)"
        axes.text(row.value + 5, y, f"{row.value:.1f}{note}", va="center", fontsize=8)
    axes.set_yticks(positions, table["portfolio"].map(as_text), fontsize=9)
    axes.set_xlim(0, float(table["value"].max()) * 1.35)
    axes.set_xlabel("value [value points]: standalone + synergy + critical mass")
    handles = [Patch(color=colour, label=part.replace("_", " ")) for part, colour in parts]
    if not table["feasible"].all():
        handles.append(Patch(facecolor="white", edgecolor="#616161", hatch="//",
                             label="breaks a limit or rule"))
    axes.legend(handles=handles, loc="lower right", fontsize=8)
    return figure


# ---------------------------------------------------------------- robustness and stakeholders

CLASS_COLOURS = {"core": "#2e7d32", "borderline": "#ef6c00", "exterior": "#9e9e9e"}


def plot_core_index(robustness_result) -> Chart:
    """Each action's core index [% of draws that fund it] (`wb.robustness`), coloured by class.

    Bars carry gid "core", "borderline" or "exterior"; dashed lines mark the 10% and 90%
    class limits; actions in the optimum under the agreed values are marked with a dot.
    """
    table = getattr(robustness_result, "core", None)
    if table is None or "core_index" not in table:
        raise ModelError("robustness_result: expected the result of wb.robustness(model, ...)")
    table = table.iloc[::-1]
    figure = new_figure(10, 1.4 + 0.3 * len(table))
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    for status, colour in CLASS_COLOURS.items():
        rows = (table["status"] == status).to_numpy()
        axes.barh(positions[rows], table["core_index"].to_numpy()[rows] * 100, color=colour,
                  label=status, gid=status)
    chosen = table["in_baseline"].to_numpy()
    axes.scatter(np.full(chosen.sum(), -3.0), positions[chosen], marker="o", s=18,
                 color="black", clip_on=False, label="in the optimum under the agreed values")
    for limit in (10, 90):
        axes.axvline(limit, color="#616161", linestyle="--", linewidth=0.8)
    labels = (table["name"] if "name" in table else table.index.to_series()).map(_short)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlim(-5, 103)
    draws = robustness_result.settings.get("samples", "")
    axes.set_xlabel(f"core index [% of {draws} draws in which the optimum funds the action]")
    axes.legend(loc="lower right", fontsize=8)
    return figure


def plot_value_distribution(robustness_result) -> Chart:
    """Two histograms over the draws (`wb.robustness`): the optimal portfolio's value [value
    points], and what re-optimising gains over keeping the agreed optimum in that draw [value
    points] (gid "histogram"); dashed lines mark the medians."""
    draws = getattr(robustness_result, "draws", None)
    if draws is None or "value" not in draws:
        raise ModelError("robustness_result: expected the result of wb.robustness(model, ...)")
    solved = draws[draws["status"].isin(FOUND_STATUSES)]
    if solved.empty:
        raise ModelError("robustness_result: no draw has a feasible portfolio to draw")
    panels = (("value of each draw's optimal portfolio [value points]", solved["value"],
               "#1565c0"),
              ("gain over keeping the agreed optimum [value points]",
               (solved["value"] - solved["baseline_value"]).dropna(), "#ef6c00"))
    figure = new_figure(10, 4)
    for k, (label, values, colour) in enumerate(panels):
        axes = figure.add_subplot(1, 2, k + 1)
        if len(values):
            axes.hist(values, bins=30, color=colour, alpha=0.8, gid="histogram")
            median = float(values.median())
            axes.axvline(median, color="black", linestyle="--", linewidth=1,
                         label=f"median {median:.1f}")
            axes.legend(fontsize=8)
        axes.set_xlabel(label, fontsize=9)
        axes.set_ylabel("draws")
    return figure


def plot_weight_stability(stability_table: pd.DataFrame) -> Chart:
    """For each criterion, the weight shares [% of all weights] over which the optimum holds
    (`wb.weight_stability`): a bar (gid "stable"), the agreed weight as a dot and the stated
    weight_low..weight_high range as a black line."""
    _require_columns(stability_table, "stability_table", "wb.weight_stability(model)",
                     {"name", "weight", "low", "high", "range_low", "range_high"})
    table = stability_table.iloc[::-1]
    figure = new_figure(10, 1.6 + 0.5 * len(table))
    axes = figure.add_subplot()
    positions = np.arange(len(table))
    axes.barh(positions, (table["high"] - table["low"]) * 100, left=table["low"] * 100,
              height=0.5, color="#90caf9", gid="stable",
              label="weights over which the optimum does not change")
    stated = table["range_low"].notna().to_numpy()
    axes.hlines(positions[stated], table["range_low"][stated] * 100,
                table["range_high"][stated] * 100, color="black", linewidth=2.5,
                label="stated range (weight_low..weight_high)")
    axes.scatter(table["weight"] * 100, positions, color="#0d47a1", zorder=3, s=30,
                 label="agreed weight")
    for y, row in zip(positions, table.itertuples()):
        axes.text(row.high * 100 + 1, y, f"{row.low * 100:.1f}% to {row.high * 100:.1f}%",
                  va="center", fontsize=8)
    axes.set_yticks(positions, table["name"].map(_short), fontsize=8)
    axes.set_xlim(0, 115)
    axes.set_xlabel("criterion weight [% of all weights; the others keep their proportions]")
    axes.legend(loc="lower right", fontsize=8)
    return figure


def plot_disagreement_heatmap(disagreement_table: pd.DataFrame, model: Model | None = None,
                              top: int = 15) -> Chart:
    """Where the groups' scores differ (`wb.disagreement`): action x criterion, shaded by the
    value spread [value points]. Cells whose spread alone changes the decision are boxed
    (gid "decisive"); actions whose decision hangs on whose scores hold are starred.
    top: the actions with the widest disagreement (decisive ones first)."""
    _require_columns(disagreement_table, "disagreement_table", "wb.disagreement(model)",
                     {"value_spread", "changes_decision", "action_changes_decision"})
    table = disagreement_table.reset_index()
    ranking = (table.groupby("action", sort=False)
               .agg(decisive=("changes_decision", "any"),
                    hangs=("action_changes_decision", "any"), spread=("value_spread", "max"))
               .sort_values(["decisive", "hangs", "spread"], ascending=False, kind="stable"))
    actions = list(ranking.index[:top])
    criteria = list(dict.fromkeys(table["criterion"]))
    if model is not None:
        criteria = [c for c in model.criteria.index if c in criteria]
    spread = table.pivot(index="action", columns="criterion", values="value_spread"
                         ).reindex(index=actions, columns=criteria)
    decisive = table.pivot(index="action", columns="criterion", values="changes_decision"
                           ).reindex(index=actions, columns=criteria).fillna(False).astype(bool)
    figure = new_figure(10, 1.8 + 0.38 * len(actions))
    axes = figure.add_subplot()
    image = axes.imshow(spread.to_numpy(dtype=float), cmap="OrRd", aspect="auto", vmin=0)
    for i in range(len(actions)):
        for j in range(len(criteria)):
            value = spread.iat[i, j]
            if not np.isnan(value):
                axes.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=7)
            if decisive.iat[i, j]:
                axes.add_patch(Polygon([(j - 0.5, i - 0.5), (j + 0.5, i - 0.5), (j + 0.5, i + 0.5),
                                        (j - 0.5, i + 0.5)], fill=False, edgecolor="black",
                                       linewidth=2, gid="decisive"))
    names = model.actions["name"] if model is not None else pd.Series(dtype=object)
    labels = [("* " if ranking.at[a, "hangs"] or ranking.at[a, "decisive"] else "")
              + _short(names.get(a, a)) for a in actions]
    axes.set_yticks(range(len(actions)), labels, fontsize=8)
    axes.set_xticks(range(len(criteria)), [as_text(c) for c in criteria], rotation=30,
                    ha="right", fontsize=8)
    figure.colorbar(image, ax=axes, label="value spread between groups [value points]")
    axes.set_title("* the decision on this action hangs on whose scores hold; "
                   "boxed: one criterion's spread changes it", fontsize=8, loc="left")
    return figure


def plot_stakeholder_portfolios(consensus_result) -> Chart:
    """Which actions each portfolio funds (`wb.consensus`): the consensus, the agreed optimum
    and each group's own optimum, with each portfolio's smallest share of a group's own
    optimum [%] under its name. Funded cells carry gid "funded"."""
    selection = getattr(consensus_result, "selection", None)
    shares = getattr(consensus_result, "shares", None)
    if selection is None or shares is None:
        raise ModelError("consensus_result: expected the result of wb.consensus(model)")
    order = selection.sum(axis=1).sort_values(ascending=False, kind="stable").index
    table = selection.loc[order]
    figure = new_figure(10, 1.8 + 0.3 * len(table))
    axes = figure.add_subplot()
    rows, columns = np.nonzero(table.to_numpy())
    axes.scatter(columns, rows, marker="s", s=90, color="#1565c0", gid="funded")
    minimum = shares["minimum"].reindex(table.columns).to_numpy()
    labels = [f"{as_text(name)}\nmin {share * 100:.1f}%"
              for name, share in zip(table.columns, minimum)]
    axes.set_xticks(range(table.shape[1]), labels, fontsize=8)
    axes.xaxis.tick_top()
    axes.set_yticks(range(len(table)), [_short(a) for a in table.index], fontsize=8)
    axes.set_xlim(-0.5, table.shape[1] - 0.5)
    axes.set_ylim(len(table) - 0.5, -0.5)
    axes.grid(alpha=0.3)
    axes.set_xlabel("portfolio (smallest share of a group's own optimum it achieves)")
    return figure
