"""Shared fixtures: fresh small models for every test, and a private HOME for Jupyter & co."""
from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest
from hypothesis import settings

# In CI every property test draws the same examples each run: a red build is then always
# reproducible, never a one-off draw. Locally hypothesis keeps exploring new examples.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

import workbench as wb
from workbench.examples import random_model

# The heavy tests, left out by `make check` (pytest -m "not slow"); `make test` and CI run them
# all. Whole files, or {file: test functions (every parametrisation)}. Listed here rather than
# decorated in place so one list says what the quick check skips: brute-force and other
# hypothesis properties that solve many models, fuzzing, process and cluster pools, the browser,
# the served app and the reports, and anything else over about 3 s here.
SLOW_FILES = {"test_fuzz.py", "test_browser.py", "test_app.py", "test_report.py",
              "test_dask_cluster.py"}
SLOW_TESTS = {
    "test_portfolio.py": {"test_single_period_optimum_equals_brute_force",
                          "test_multi_year_optimum_equals_brute_force",
                          "test_horizon_one_reduces_to_the_single_period_model",
                          "test_raising_a_budget_never_lowers_the_optimum",
                          "test_every_portfolio_respects_every_limit_and_rule"},
    "test_reoptimise.py": {"test_any_sequence_of_limit_and_value_changes_gives_optimise_answers",
                           "test_draws_on_one_reoptimiser_equal_draws_solved_from_scratch"},
    "test_stakeholders.py": {"test_disagreement_swing_is_the_lowest_groups_score",
                             "test_consensus_equals_brute_force_maximin",
                             "test_disagreement_decisions_hold_when_re_solved",
                             "test_consensus_of_the_worked_example"},
    "test_sensitivity.py": {"test_weight_stability_chart",
                            "test_stability_of_the_worked_example_criterion",
                            "test_tipping_points_flip_just_beyond_and_not_before",
                            "test_stability_interval_holds_inside_and_breaks_outside",
                            "test_normalised_agreed_weight_is_reported"},
    "test_widgets.py": {"test_weight_sliders_show_the_normalised_weight",
                        "test_an_infeasible_setting_shows_its_message_in_place",
                        "test_an_unexpected_error_is_shown_not_raised",
                        "test_the_frontier_is_computed_once_per_weights_not_per_budget",
                        "test_the_explanation_prices_forced_choices_and_closest_calls",
                        "test_a_longer_horizon_shows_the_timeline_and_start_years",
                        "test_slow_views_follow_on_a_background_thread"},
    "test_robustness.py": {"test_process_pool_equals_in_process", "test_cli_robustness_json",
                           "test_same_seed_same_numbers",
                           "test_each_draw_beats_the_agreed_optimum_where_that_still_fits",
                           "test_cli_robustness_text_and_bad_workers"},
    "test_frontier.py": {"test_value_never_decreases_with_budget",
                         "test_adaptive_equals_a_fine_grid"},
    "test_scenarios.py": {"test_any_valid_scenario_round_trips"},
    "test_export.py": {"test_round_trip_of_random_models"},
    "test_baselines.py": {"test_greedy_is_never_over_a_limit"},
    "test_security.py": {"test_a_formula_in_a_workbook_is_never_evaluated",
                         "test_code_in_a_text_cell_loads_as_text"},
    "test_saving.py": {"test_two_processes_saving_the_same_name_give_one_success_and_one_refusal",
                       "test_two_processes_saving_different_scenarios_lose_no_row",
                       "test_save_keeps_added_columns_and_scenarios"},
    "test_plot_text.py": {"test_every_chart_is_checked"},
    "test_cli.py": {"test_console_script"},
    "test_explain.py": {"test_regret_is_never_negative_and_matches_the_forced_solve",
                        "test_every_conflict_is_needed"},
    "test_plan.py": {"test_rows_and_yearly_budgets_match_the_result"},
    "test_loading_limits.py": {"test_a_workbook_that_unpacks_beyond_the_limit_is_refused"},
    "test_io.py": {"test_workbook_with_merged_cells_and_a_sheet_twice"},
    "test_real_models.py": {"test_partial_funding_equals_brute_force",
                            "test_schemes_named_in_interactions_and_constraints_equal_brute_force",
                            "test_baselines_and_reach_equal_brute_force",
                            "test_profiles_over_multi_year_horizons_equal_brute_force"},
    "test_replan.py": {"test_replan_equals_brute_force"},
    "test_bounds.py": {"test_ctrl_c_stops_a_solve_at_once_and_writes_nothing"},
    "test_convert.py": {"test_generated_models_round_trip"},
}

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "mental_health_strategy"


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch):
    """Jupyter, IPython, matplotlib and Chromium write to HOME: keep them out of the user's."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def example_model() -> wb.Model:
    return wb.load(EXAMPLE)


@pytest.fixture
def example_folder(tmp_path) -> Path:
    """A private copy of the worked example, safe to edit or break."""
    target = tmp_path / "model"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture
def small_model() -> wb.Model:
    return random_model(8, seed=1, funding=True, group_limits=True)


def pytest_collection_modifyitems(config, items):
    """Mark the SLOW_FILES and SLOW_TESTS `slow`, and warn when a listed test is gone."""
    found: dict[str, set[str]] = {}
    for item in items:
        file = item.path.name
        function = getattr(item, "originalname", item.name)
        found.setdefault(file, set()).add(function)
        if file in SLOW_FILES or function in SLOW_TESTS.get(file, ()):
            item.add_marker("slow")
    for file, functions in SLOW_TESTS.items():
        missing = functions - found[file] if file in found else set()
        if missing:
            warnings.warn(pytest.PytestWarning(
                f"tests/conftest.py SLOW_TESTS names {', '.join(sorted(missing))} in {file}, "
                "which has no such test: update the list (renamed or moved?)"))
