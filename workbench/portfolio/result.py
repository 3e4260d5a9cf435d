"""The solver's answer as a `PortfolioResult`, after the independent check (`evaluate`).

Nothing the solver says is returned unchecked: the portfolio is re-evaluated from the model's
tables (value, costs, every limit and rule, the funding split) and refused if the check
disagrees with the solver.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from ..errors import SolverError
from .evaluate import FUNDING_COLUMNS, evaluate
from ..model import Model, PortfolioResult, breach_table
from ..options import Options
from .solvers import SolveOutcome


@dataclass(frozen=True)
class Answer:
    """What the solver chose: start year and share [0..1] of each funded action, the funding
    split (action, stream, year, amount) and the objective it reported [value points]."""

    starts: dict[str, int]
    shares: dict[str, float]
    funding: pd.DataFrame
    objective: float


def read_result(model: Model, options: Options, answer: Answer, outcome: SolveOutcome, *,
                build_seconds: float = 0.0, checked: PortfolioResult | None = None
                ) -> PortfolioResult:
    """The answer as a result once `evaluate` confirms it under the same options.

    checked: an evaluation of the same portfolio under the same options, if one is at hand.
    """
    result = checked or evaluate(model, answer.starts, options, shares=answer.shares,
                                 funding=answer.funding)
    self_check(result, answer.objective, outcome.status)
    warnings, gap = (), outcome.gap
    if outcome.status == "time_limit":
        total = result.value["total"]
        if outcome.bound == outcome.bound:  # known bound: gap from the evaluated value
            gap = max(0.0, (outcome.bound - total) / max(1.0, abs(total)))
        warnings = (f"time limit of {options.time_limit:g} s reached: best portfolio found, "
                    f"not proven optimal (relative gap {gap:.2%})",)
    return replace(result, status=outcome.status, gap=gap, warnings=warnings,
                   **_timing(options, outcome, build_seconds))


def self_check(result: PortfolioResult, objective: float, status: str = "optimal") -> None:
    """Refuse to return an answer that the independent evaluation does not confirm.

    A time-limited answer may leave a bonus variable below what its actions earn, so its
    objective may fall short of the evaluated value; it may never exceed it.
    """
    if len(result.breaches):
        raise SolverError("the solver's portfolio breaks constraints: "
                          + "; ".join(result.reasons))
    total = result.value["total"]
    tolerance = 1e-4 * max(1.0, abs(total))
    if objective - total > tolerance or (status == "optimal" and total - objective > tolerance):
        raise SolverError(f"the solver's objective {objective:.6f} differs from the portfolio's "
                          f"evaluated value {total:.6f}")


def no_portfolio(model: Model, options: Options, outcome: SolveOutcome,
                 explanation: list[str] = (), build_seconds: float = 0.0) -> PortfolioResult:
    """The result when no portfolio was found; `explanation`: why, in sentences (each a row
    of family 'conflict' in its breaches)."""
    return PortfolioResult(
        status=outcome.status, selected=(), start_year={},
        value={"standalone": 0.0, "synergy": 0.0, "critical_mass": 0.0, "total": 0.0},
        value_by_criterion=pd.Series(dtype=float), cost={r: 0.0 for r in model.resource_names},
        cost_by_year=pd.DataFrame(0.0, index=model.resource_names,
                                  columns=range(1, options.horizon + 1)),
        funding=pd.DataFrame(columns=FUNDING_COLUMNS),
        earned_interactions=pd.DataFrame(columns=["name", "kind", "actions", "earned", "years"]),
        breaches=breach_table({"family": "conflict", "target": "", "message": line}
                              for line in explanation),
        **_timing(options, outcome, build_seconds))


def _timing(options: Options, outcome: SolveOutcome, build_seconds: float) -> dict:
    return dict(horizon=options.horizon, solver=outcome.solver, build_seconds=build_seconds,
                solve_seconds=outcome.seconds)
