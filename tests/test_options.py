"""Options: one checked set of options per run, refused in one place with the same messages
whichever entry point (optimise, frontier, robustness, Reoptimiser, the command line) gets them."""
from __future__ import annotations

import importlib
import math
import pkgutil
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench import cli
from workbench.examples import random_model
from workbench.options import LONGEST_HORIZON, Options, run_options
from workbench.portfolio.reoptimise import Reoptimiser


@pytest.fixture(scope="module")
def model():
    return random_model(6, seed=3)


ENTRY_POINTS = {
    "optimise": lambda model, **kw: wb.optimise(model, **kw),
    "frontier": lambda model, **kw: wb.frontier(model, points=3, **kw),
    "robustness": lambda model, **kw: wb.robustness(model, samples=2, progress=False, **kw),
    "Reoptimiser": lambda model, **kw: Reoptimiser(model, **kw),
}
BAD = [
    (dict(limits={"monee": 1}), "limits['monee']: unknown resource 'monee'"),
    (dict(limits={"cots": 1}), "did you mean 'cost'?"),
    (dict(limits={"cost": math.nan}), "limits['cost']: nan is not a finite number"),
    (dict(limits={"cost": -5}), "limits['cost']: a limit cannot be negative"),
    (dict(limits={"cost": 1e16}), "is too large"),
    (dict(include=["nothing"]), "include: unknown action 'nothing' to include or exclude"),
    (dict(include=["a01"], exclude=["a01"]), "action 'a01' is both in include and in exclude"),
    (dict(horizon=0), "horizon: 0: the plan needs at least 1 year"),
    (dict(horizon=LONGEST_HORIZON + 1), "the plan needs at least 1 year and at most 20"),
    (dict(time_limit=-1), "time_limit: -1: give a number of seconds above 0"),
    (dict(time_limit=math.nan), "time_limit: nan"),
    (dict(solver="gurobi"), "solver: 'gurobi' is not one of highs, cbc"),
    (dict(synergy="fancy"), "synergy: 'fancy' is not one of auto, budget, plain, glover"),
]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("bad, message", BAD)
def test_every_entry_point_refuses_bad_options_with_one_message(model, entry, bad, message):
    if entry == "Reoptimiser" and "solver" in bad:
        pytest.skip("a Reoptimiser is HiGHS only, and says so")
    with pytest.raises(wb.ModelError) as error:
        ENTRY_POINTS[entry](model, **bad)
    assert message in str(error.value)


def test_every_problem_is_listed_at_once(model):
    with pytest.raises(wb.ModelError) as error:
        run_options(model, limits={"monee": 1, "cost": -1}, include=["x"], time_limit=0)
    assert len(error.value.problems) == 4


def test_weights_and_values_must_fit_the_model(model):
    with pytest.raises(wb.ModelError, match="unknown criterion 'c9'"):
        run_options(model, weights={"c9": 1.0})
    with pytest.raises(wb.ModelError, match="add up to zero"):
        run_options(model, weights=pd.Series(0.0, index=model.criteria.index))
    with pytest.raises(wb.ModelError, match="is negative"):
        run_options(model, weights={"c0": -1.0})
    with pytest.raises(wb.ModelError, match="no value for action"):
        run_options(model, values=pd.Series({"a00": 1.0}))
    with pytest.raises(wb.ModelError, match="give weights or values, not both"):
        run_options(model, weights={"c0": 1.0}, values=wb.action_values(model))


def test_unknown_option_names_are_a_type_error(model):
    with pytest.raises(TypeError, match="unknown option"):
        wb.optimise(model, limit={"cost": 1})


def test_the_horizon_is_filled_in_and_keywords_override(model):
    options = run_options(model)
    assert options.horizon == model.horizon and options.limits == {}
    changed = run_options(model, options, horizon=2, limits={"cost": "1,000"})
    assert changed.horizon == 2 and changed.limits == {"cost": 1000.0}
    assert run_options(model, changed, horizon=None).horizon == 2  # None: as the options say
    assert options.key() != changed.key() and changed.key() == run_options(
        model, Options(horizon=2, limits={"cost": 1000})).key()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.floats(0.2, 1.0), horizon=st.integers(1, 3),
       forced=st.integers(0, 5))
def test_a_run_given_as_options_equals_the_same_run_given_as_keywords(seed, share, horizon,
                                                                     forced):
    model = random_model(6, seed=seed, horizon=horizon)
    limit = share * float(model.resources["limit"].max())
    keywords = dict(limits={"cost": limit}, include=[model.actions.index[forced]])
    by_keywords = wb.optimise(model, **keywords)
    by_options = wb.optimise(model, run_options(model, **keywords))
    assert by_options.status == by_keywords.status
    assert by_options.objective == pytest.approx(by_keywords.objective)
    assert by_options.start_year == by_keywords.start_year or (
        by_options.objective == pytest.approx(by_keywords.objective))  # tied optima


def test_the_command_line_names_its_own_flags(example_folder, capsys):
    assert cli.main(["optimise", str(example_folder), "--limit", "cots=5",
                     "--time-limit", "-1"]) == 2
    err = capsys.readouterr().err
    assert "workbench: --limit: 'cots=5': unknown resource 'cots' (did you mean 'cost'?)" in err
    assert "workbench: --time-limit -1.0: give a number of seconds above 0" in err


def _modules() -> list[str]:
    import workbench

    return sorted(name for _, name, _ in pkgutil.walk_packages(workbench.__path__,
                                                                "workbench."))


@pytest.mark.parametrize("module", _modules())
def test_each_module_imports_alone(module):
    """No import cycle: each module imports in a fresh interpreter, by itself."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_package_has_modules_to_import():
    assert {"workbench.options", "workbench.portfolio.optimise"} <= set(_modules())
    assert importlib.import_module("workbench.options").Options is Options


def test_each_rule_is_said_once_in_the_library():
    """The found-statuses, the whole-horizon limits and the forced-action merge are defined in
    one place each, and no module parses breach text (issue 10)."""
    import re
    from pathlib import Path

    import workbench

    sources = {path: path.read_text(encoding="utf-8")
               for path in Path(workbench.__file__).parent.rglob("*.py")}

    def places(pattern: str) -> list[str]:
        return sorted(str(p.name) for p, text in sources.items() if re.search(pattern, text))

    assert places(r'"optimal", "time_limit"') == ["model.py"]
    assert places(r'resources\["year"\]\.isna\(\)|\.resources\[.*year.*isna') == []
    assert places(r'kind"\] == "include"') == ["rules.py"]
    assert places(r"breaches\[\d|\.startswith\(\(?\"(requires|include|theme_min|cost):") == []
