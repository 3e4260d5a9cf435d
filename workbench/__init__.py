"""Critical-mass portfolio workbench: score strategy actions and choose the best portfolio.

    import workbench as wb
    model = wb.load("data/mental_health_strategy")
    wb.score(model)
    result = wb.optimise(model, limits={"cost": 600_000})
    # or, one checked set of options for many calls:
    options = wb.run_options(model, limits={"cost": 600_000}, horizon=3)
    result = wb.optimise(model, options)
"""
from .errors import InfeasibleError, ModelError, Problem, SolverError, WorkbenchError
from .portfolio.evaluate import evaluate
from .export import save, write_table
from .io import from_tables, load
from .model import Model, PortfolioResult
from .baselines import compare, value_for_money, value_for_money_ranking
from .explain import explain, marginal_budget
from .frontier import budget_for_value, frontier, value_at
from .options import Options, run_options
from .plan import action_plan
from .portfolio import build_model, optimise
from .portfolio.conflicts import conflict, explain_infeasible
from .portfolio.reoptimise import Reoptimiser
from .replan import ReplanResult, replan
from .review import accountability, review_findings
from .robustness import RobustnessResult, process_pool, robustness
from .sensitivity import tipping_points, weight_stability
from .stakeholders import (ConsensusResult, consensus, disagreement, portfolio_shares,
                           stakeholder_own_values, stakeholder_portfolios, stakeholder_weights)
from .scenarios import (Scenario, apply_scenario, load_scenario, load_scenarios,
                        save_scenario)
from .scoring import action_values, score
from .tables import breaches, headline, model_summary, selected_actions

__version__ = "0.1.0"

__all__ = [
    "InfeasibleError", "Model", "ModelError", "Options", "PortfolioResult", "Problem",
    "SolverError", "run_options",
    "WorkbenchError", "action_values", "build_model", "evaluate", "from_tables", "load",
    "optimise", "Reoptimiser", "save", "score", "write_table", "breaches", "headline", "model_summary",
    "selected_actions",
    "action_plan", "plots",
    "budget_for_value", "compare", "conflict", "explain", "explain_infeasible", "frontier",
    "marginal_budget", "value_at", "value_for_money", "value_for_money_ranking",
    "Scenario", "apply_scenario", "dashboard", "load_scenario", "load_scenarios", "save_scenario",
    "ConsensusResult", "RobustnessResult", "consensus", "disagreement", "portfolio_shares",
    "process_pool", "robustness", "stakeholder_own_values", "stakeholder_portfolios",
    "stakeholder_weights", "tipping_points", "weight_stability",
    "ReplanResult", "replan", "accountability", "review_findings",
]


def __getattr__(name: str):
    """Charts load matplotlib only when first used: `wb.plots.plot_values` or `wb.plot_values`."""
    if name == "plots" or name.startswith("plot_"):
        import importlib

        plots = importlib.import_module(f"{__name__}.plots")
        return plots if name == "plots" else getattr(plots, name)
    if name == "dashboard":  # ipywidgets only when the dashboard is first used
        from .widgets import dashboard

        return dashboard
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
