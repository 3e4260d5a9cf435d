"""Findings in words: every figure equals the library's own result for the model it ran on,
names and units come from the model's files, and the notebooks' prose states no figure."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import workbench as wb
from workbench import findings
from workbench.cli import build_parser
from workbench.examples import random_tables
from workbench.units import format_amount

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "mental_health_strategy"


def model_with(seed: int = 3, **changes) -> wb.Model:
    """A small generated model, with money in £, a title and a reference portfolio."""
    tables = random_tables(9, seed=seed)
    tables["resources"] = tables["resources"].assign(
        name=["Money", "Staff time"], unit=["£", "FTE"])
    tables["settings"] = pd.DataFrame({"setting": ["title", "description"],
                                       "value": ["Harbour town plan", "A plan for the harbour."]})
    tables["portfolios"] = pd.DataFrame({"portfolio": ["show of hands"] * 3,
                                         "action": ["a00", "a01", "a02"]})
    tables.update(changes)
    return wb.from_tables(tables)


@pytest.fixture
def model() -> wb.Model:
    return model_with()


def test_about_shows_the_title_and_description_or_says_how_to_add_them(model):
    assert findings.about(model).text == "**The model: Harbour town plan.** A plan for the harbour."
    bare = wb.from_tables(random_tables(5, seed=1))
    text = findings.about(bare).text
    assert "settings.csv gives no `title` or `description`" in text


def test_headline_figures_equal_the_optimised_result(model):
    best = wb.optimise(model)
    text = findings.headline(model, best).text
    assert f"funds {len(best.selected)} of the {len(model.actions)} actions" in text
    assert f"worth {best.value['total']:,.1f} value points" in text
    assert f"{best.value['critical_mass']:,.1f} from critical mass" in text
    limits = wb.run_options(model).limits or {}
    whole = findings.whole_horizon_limits(model, limits)
    for resource, used in best.cost.items():
        assert (f"{format_amount(model, resource, used)} of "
                f"{format_amount(model, resource, whole[resource])}") in text
    assert "£" in text and "FTE" in text
    for action in best.selected:
        assert findings.action_name(model, action) in text
    for action in set(model.actions.index) - set(best.selected):
        assert f" {findings.action_name(model, action)}," not in text.split("Funded:")[1]


def test_reference_portfolio_gap_equals_the_evaluated_difference(model):
    best = wb.optimise(model)
    reference = wb.evaluate(model, model.reference_portfolio("show of hands"))
    text = findings.reference_portfolios(model, best).text
    gap = best.value["total"] - reference.value["total"]
    assert text.startswith("- **show of hands** funds 3 actions")
    assert f"{abs(gap):,.1f} value points {'fewer' if gap > 0 else 'more'}" in text
    cost_gap = reference.cost["cost"] - best.cost["cost"]
    assert format_amount(model, "cost", abs(cost_gap)) in text
    for words in findings._breach_words(model, reference):
        assert words in text


def test_a_breach_is_said_with_units():
    tables = random_tables(6, seed=4)
    tables["resources"] = tables["resources"].assign(name=["Money", "Staff time"],
                                                     unit=["£", "FTE"])
    tables["portfolios"] = pd.DataFrame({"portfolio": "everything",
                                         "action": [f"a{k:02d}" for k in range(6)]})
    model = wb.from_tables(tables)
    everything = wb.evaluate(model, model.reference_portfolio("everything"))
    assert not everything.fits
    text = findings.reference_portfolios(model, wb.optimise(model)).text
    over = everything.breaches[everything.breaches["family"] == "limit"].iloc[0]
    assert (f"{format_amount(model, over.target, over.amount - over.limit)} over the limit of "
            f"{format_amount(model, over.target, over.limit)}") in text


def test_missing_tables_are_said_in_one_sentence_naming_the_file():
    bare = wb.from_tables(random_tables(5, seed=1, stakeholders=1))
    assert not findings.has(bare, "portfolios") and not findings.has(bare, "stakeholders")
    text = findings.reference_portfolios(bare, wb.optimise(bare)).text
    assert text == findings.missing(bare, "portfolios").text
    assert "add portfolios.csv" in text and text.count("This section would") == 1
    assert "scores.csv" in findings.missing(bare, "stakeholders").text
    with pytest.raises(wb.ModelError, match="horizon_years above 1"):
        findings.multi_year(bare)
    with pytest.raises(ValueError, match="unknown need 'nope'"):
        findings.has(bare, "nope")


def test_frontier_findings_equal_the_frontier_table(model):
    table = wb.frontier(model)
    found = table[table["value"].notna()].sort_values("budget")
    current = findings.current_limit(model)
    text = findings.frontier_jumps(model, table, current=current).text
    assert f"uses {format_amount(model, 'cost', found['cost'].iloc[0])}" in text
    assert f"up to {found['value'].max():,.1f} value points" in text
    at = found[found["budget"] <= current + 1e-9].iloc[-1]
    assert (f"the best portfolio is worth {at['value']:,.1f} value points and uses "
            f"{format_amount(model, 'cost', at['cost'])}") in text
    best = wb.optimise(model)
    assert at["value"] == pytest.approx(best.value["total"])


def test_regret_names_the_costliest_reversal(model):
    best = wb.optimise(model)
    choices = wb.explain(model, best)
    text = findings.regret(model, choices).text
    top = choices.sort_values("regret", ascending=False).iloc[0]
    assert text.startswith(f"- {'Leaving out' if top['forced'] == 'out' else 'Funding'} "
                           f"**{findings.action_name(model, top['action'])}** costs "
                           f"{top['regret']:,.1f} value points")


def test_core_counts_equal_the_robustness_result(model):
    result = wb.robustness(model, samples=30, seed=1, progress=False)
    text = findings.core(model, result).text
    counts = result.core["status"].value_counts()
    assert (f"{counts.get('core', 0)} are core (chosen in at least 90% of draws), "
            f"{counts.get('borderline', 0)} borderline and {counts.get('exterior', 0)} "
            "exterior") in text
    settings = findings.robustness_settings(result).text
    assert settings.startswith("Settings: 30 draws, seed 1, cost spread 0%")


def test_disagreement_and_consensus_name_groups_and_figures(model):
    table = wb.disagreement(model)
    text = findings.disagreement(model, table).text
    decisive = table[table["changes_decision"].astype(bool)]
    row = (decisive if len(decisive) else table.sort_values("share_of_tipping",
                                                            ascending=False)).iloc[0]
    assert f"{row['value_spread']:,.1f} value points" in text
    assert findings.stakeholder_name(model, row["lowest_group"]) in text
    consensus = wb.consensus(model)
    words = findings.consensus(model, consensus).text
    assert f"less than {100 * consensus.shares.loc['consensus', 'minimum']:.1f}%" in words


def test_readable_tables_use_names_units_and_separators(model):
    best = wb.optimise(model)
    table = findings.readable(wb.selected_actions(best, model), model)
    assert list(table.index) == [findings.action_name(model, a) for a in best.selected]
    money = next(c for c in table.columns if c.startswith("Money"))
    assert money == "Money [£]"
    assert all(cell.startswith("£") for cell in table[money])
    scores = findings.readable(wb.score(model), model)
    criteria = dict(zip(model.criteria["id"], model.criteria["name"]))
    assert set(criteria.values()) <= set(scores.columns)
    assert not any(column in scores.columns for column in criteria)
    shares = findings.readable(pd.DataFrame({"share": [0.256, 1.0]}), model)
    assert list(shares["share"]) == ["25.6%", "100.0%"]
    big = findings.readable(pd.DataFrame({"amount": [1234567.891]}), model)
    assert big.iloc[0, 0] == "1,234,567.9"


def test_findings_show_as_markdown_in_a_notebook(model):
    shown = findings.about(model)
    assert shown._repr_markdown_() == shown.text == repr(shown) == str(shown)
    assert (shown + shown).text == f"{shown.text}\n\n{shown.text}"


def test_the_same_robustness_defaults_everywhere():
    """Command line, library and notebook 07 draw the same way by default."""
    signature = inspect.signature(wb.robustness).parameters
    for name, value in findings.ROBUSTNESS_DEFAULTS.items():
        assert signature[name].default == value
    parser = build_parser()
    robust = parser._subparsers._group_actions[0].choices["robustness"]
    defaults = {action.dest: action.default for action in robust._actions}
    assert defaults["samples"] == findings.ROBUSTNESS_DEFAULTS["samples"]
    assert defaults["cost_spread"] == findings.ROBUSTNESS_DEFAULTS["cost_spread"]
    assert defaults["concentration"] == findings.ROBUSTNESS_DEFAULTS["weight_concentration"]
    notebook = nbformat.read(ROOT / "notebooks" / "07_robustness.ipynb", as_version=4)
    parameters = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    assert f"samples = {findings.ROBUSTNESS_DEFAULTS['samples']}" in parameters.source


# ---------------------------------------------------------------- the notebooks' prose


ALLOWED_NUMBERS = {"0", "1", "10", "12", "14", "100", "90", "80", "8866", "01", "02", "03",
                   "04", "05", "06", "07", "08", "09", "127.0.0.1"}


def numbered_notebooks():
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", numbered_notebooks(), ids=lambda p: p.name)
def test_no_markdown_cell_states_a_figure_or_names_an_action(path):
    example = wb.load(EXAMPLE)
    names = [str(n) for n in example.actions["name"]]
    ids = list(example.actions.index)
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        assert "£" not in text, text
        assert not re.search(r"\d\s*FTE", text), text
        unnumbered = re.sub(r"(?m)^(#+ )?\d+\. ", "", text)  # section and list numbers
        numbers = set(re.findall(r"\d+(?:[.,]\d+)*", unnumbered)) - ALLOWED_NUMBERS
        assert not numbers, f"{path.name} states {sorted(numbers)} in: {text[:200]}"
        for name in names + ids:
            assert name.lower() not in text.lower(), f"{path.name} names {name!r}"


@pytest.mark.parametrize("path", numbered_notebooks(), ids=lambda p: p.name)
def test_every_notebook_shows_the_model_at_the_top_and_its_findings(path):
    cells = nbformat.read(path, as_version=4).cells
    first_code = [c for c in cells if c.cell_type == "code"
                  and "parameters" not in c.metadata.get("tags", [])][0]
    assert "findings.about(model)" in first_code.source
    shown = [o for o in first_code.outputs if "text/markdown" in o.get("data", {})]
    assert shown and shown[0]["data"]["text/markdown"].startswith("**The model: ")
