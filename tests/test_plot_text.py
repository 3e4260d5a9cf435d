"""Names are shown as text in every chart: a `$` in a name or unit is drawn, never read as maths.

matplotlib reads `$...$` in any label as mathtext, so an action called 'Fund $5 $10 vouchers'
drew '5 ' in italics without the dollars, and names such as 'Peer $^$ support' stopped the
chart (and the report and dashboard drawing it) with a mathtext ParseError.
"""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import matplotlib
import pandas as pd
import pytest

import workbench as wb
from workbench import plots

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "mental_health_strategy"

# (pattern in the example's CSV files, replacement): ids and names with '$' in every kind of
# name a chart shows; several would be mathtext errors if read as maths ($^$, $\x$, $_$).
DOLLAR_NAMES = [
    (r"\bsocial_prescribing\b", "social_$rx$"),  # an action id
    ("Social prescribing link workers in GP practices", "Fund $5 $10 vouchers"),  # its name
    ("Peer support scheme", "Peer $^$ support"),
    (r"\bliteracy\b", r"literacy $\x$"),  # a theme (also in funding.csv's theme lists)
    (r"\breach\b", "reach_$k$"),  # a criterion id
    (",Reach,", ",Reach in $ (k$),"),  # its name
    (r"\bvcs\b", "vcs_$a$"),  # a stakeholder group
    ("Voluntary and community sector", "Voluntary $_$ sector"),  # its name
    (r"\broundtable\b", "round $table$"),  # a portfolio of portfolios.csv
    ("cost,680000,Money,£", "cost,680000,Money $ (US$),$"),  # a resource's name and unit
]


@pytest.fixture(scope="module")
def dollar_model(tmp_path_factory) -> wb.Model:
    """The worked example with '$' in action, theme, criterion, group and portfolio names."""
    folder = tmp_path_factory.mktemp("dollars") / "model"
    shutil.copytree(EXAMPLE, folder)
    replaced = dict.fromkeys((pattern for pattern, _ in DOLLAR_NAMES), 0)
    for path in folder.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for pattern, name in DOLLAR_NAMES:
            text, count = re.subn(pattern, lambda _: name, text)
            replaced[pattern] += count
        path.write_text(text, encoding="utf-8")
    assert all(replaced.values()), f"the example no longer has: {replaced}"
    return wb.load(folder)


def rendered_text(figure) -> str:
    """Every piece of text as drawn: the figure as SVG with text kept as text, one line each.

    Text read as maths is drawn glyph by glyph (or as paths), so a name found here whole was
    drawn as plain text."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    root = ElementTree.fromstring(buffer.getvalue())
    return "\n".join("".join(element.itertext())
                     for element in root.iter("{http://www.w3.org/2000/svg}text"))


def renders_png(figure) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def charts(dollar_model):
    """chart name -> (figure, the names with '$' it must show as written)."""
    model = dollar_model
    result = wb.optimise(model, include=["social_$rx$", "peer_support"])
    robustness = wb.robustness(model, samples=4, seed=0, progress=False)
    return {
        "plot_values": (plots.plot_values(wb.score(model)),
                        ["Fund $5 $10 vouchers", "reach_$k$"]),
        "plot_stakeholder_spread": (plots.plot_stakeholder_spread(model),
                                    ["Fund $5 $10 vouchers", "Voluntary $_$ sector"]),
        "plot_weights": (plots.plot_weights(model), ["Reach in $ (k$)", "Voluntary $_$ sector"]),
        "plot_value_functions": (plots.plot_value_functions(model), ["Reach in $ (k$)"]),
        "plot_interactions": (plots.plot_interactions(model, result),
                              ["social_$rx$", r"literacy $\x$"]),
        "plot_cluster_contributions": (plots.plot_cluster_contributions(model, result),
                                       ["social_$rx$"]),
        "plot_timeline": (plots.plot_timeline(result, model),
                          ["Fund $5 $10 vouchers", "Peer $^$ support", r"literacy $\x$",
                           "Money $ (US$) [$] per year"]),
        "plot_frontier": (plots.plot_frontier(wb.frontier(model, points=6), 500_000, model),
                          ["limit on Money $ (US$) [$]", "current budget $500,000"]),
        "plot_comparison": (plots.plot_comparison(wb.compare(model)), ["round $table$"]),
        "plot_core_index": (plots.plot_core_index(robustness),
                            ["Fund $5 $10 vouchers", "Peer $^$ support"]),
        "plot_value_distribution": (plots.plot_value_distribution(robustness), []),
        "plot_weight_stability": (plots.plot_weight_stability(
            wb.weight_stability(model, criteria=["reach_$k$"])), ["Reach in $ (k$)"]),
        "plot_disagreement_heatmap": (plots.plot_disagreement_heatmap(
            wb.disagreement(model), model, top=25), ["reach_$k$", "Fund $5 $10 vouchers"]),
        "plot_stakeholder_portfolios": (plots.plot_stakeholder_portfolios(
            wb.consensus(model)), ["own: vcs_$a$", "social_$rx$"]),
    }


def test_every_chart_is_checked(charts):
    drawn = {name for name in dir(plots) if name.startswith("plot_")}
    assert drawn == set(charts)


CHARTS = ["plot_values", "plot_stakeholder_spread", "plot_weights", "plot_value_functions",
          "plot_interactions", "plot_cluster_contributions", "plot_timeline", "plot_frontier",
          "plot_comparison", "plot_core_index", "plot_value_distribution",
          "plot_weight_stability", "plot_disagreement_heatmap", "plot_stakeholder_portfolios"]


@pytest.mark.parametrize("chart", CHARTS)
def test_names_with_dollars_are_drawn_as_written(charts, chart):
    figure, names = charts[chart]
    renders_png(figure)
    text = rendered_text(figure)
    for name in names:
        assert name in text, f"{chart}: {name!r} not drawn as written"


def test_frontier_names_clusters_as_written(dollar_model):
    """Cluster names from the loader are identifiers, but the chart takes any frontier table."""
    table = wb.frontier(dollar_model, points=6)
    jumps = table["jump"].astype(bool)
    assert jumps.any()
    renamed = table.assign(jump_clusters=table["jump_clusters"].where(~jumps, "hub $^$"))
    figure = plots.plot_frontier(renamed)
    renders_png(figure)
    assert "hub $^$" in rendered_text(figure)


def test_as_text_keeps_the_text_matplotlib_draws():
    assert plots.as_text("Fund $5 $10") == r"Fund \$5 \$10"
    assert plots.as_text("no dollars") == "no dollars"
    assert plots.as_text(pd.NA) == "<NA>"
