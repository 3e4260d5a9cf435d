"""Critical-mass portfolio workbench: score strategy actions and choose the best portfolio.

    import workbench as wb
    model = wb.load("data/mental_health_strategy")
    wb.score(model)
    result = wb.optimise(model, limits={"cost": 600_000})
"""
from .errors import InfeasibleError, ModelError, Problem, SolverError, WorkbenchError
from .evaluate import evaluate
from .io import from_tables, load
from .model import Model, PortfolioResult
from .portfolio import build_model, optimise
from .scoring import action_values, score

__version__ = "0.1.0"

__all__ = [
    "InfeasibleError", "Model", "ModelError", "PortfolioResult", "Problem", "SolverError",
    "WorkbenchError", "action_values", "build_model", "evaluate", "from_tables", "load",
    "optimise", "score",
]
