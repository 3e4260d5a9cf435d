"""Optimise: build the MILP for a run, solve it, and return the checked result."""
from __future__ import annotations

import time

import pandas as pd
import pulp

from .evaluate import FUNDING_COLUMNS, TOLERANCE
from ..model import Model, PortfolioResult
from ..options import Options, run_options
from .rules import action_values_for
from .solvers import solve
from .conflicts import explain_infeasible
from .formulation import Formulation, build_model
from .result import Answer, no_portfolio, read_result


def optimise(model: Model, options: Options | None = None, /, *, explain: bool = True,
             **keywords) -> PortfolioResult:
    """The portfolio of most value [value points] within every limit and rule.

    options / keywords: the run's options (`Options`: limits, horizon, include, exclude,
    weights or values, synergy, solver, time_limit), checked against the model first.
    Returns a result whose status is 'optimal', 'time_limit' (best found, with its gap) or
    'infeasible'; the answer is re-checked against every constraint before it is returned.
    explain: when infeasible, say which constraints conflict in `breaches` (a few more solves).
    """
    options = run_options(model, options, **keywords)
    began = time.perf_counter()
    values = action_values_for(model, options)
    f = build_model(model, values, options)
    build_seconds = time.perf_counter() - began
    outcome = solve(f.problem, options.solver, options.time_limit)
    if not outcome.found:
        return no_portfolio(model, options, outcome,
                            infeasibility(model, options, values, outcome.status, explain),
                            build_seconds)
    answer = Answer(chosen_starts(f), chosen_shares(f), chosen_funding(f),
                    pulp.value(f.problem.objective))
    return read_result(model, options, answer, outcome, build_seconds=build_seconds)


def infeasibility(model: Model, options: Options, values: pd.Series, status: str,
                  explain: bool) -> list[str]:
    """Why a run has no portfolio, when asked and when the solver proved it (a few solves)."""
    if not explain or status != "infeasible":
        return []
    return explain_infeasible(model, options.changed(values=values, weights=None))


def chosen_starts(f: Formulation, value=lambda v: v.value()) -> dict[str, int]:
    """The solved portfolio: each funded action and its start year. value: how to read a
    variable's value (default PuLP's)."""
    return {a: t for a, pairs in f.starts.items() for t, v in pairs if (value(v) or 0) > 0.5}


def chosen_shares(f: Formulation, value=lambda v: v.value()) -> dict[str, float]:
    """The share [0..1] of each funded action (exactly 1 for a whole action; a solver's
    floating-point noise on a share, below 1e-9, is rounded away)."""
    return {a: 1.0 if q is s else min(1.0, round(float(value(q) or 0.0), 9))
            for a, pairs in f.shares.items()
            for (_, q), (_, s) in zip(pairs, f.starts[a]) if (value(s) or 0) > 0.5}


def chosen_funding(f: Formulation, value=lambda v: v.value()) -> pd.DataFrame:
    """The solver's funding split: action, stream, year, amount [the stream's resource]."""
    rows = [(action, stream, year, float(value(flow) or 0.0))
            for (action, stream, year), flow in f.flows.items()]
    table = pd.DataFrame([r for r in rows if r[3] > TOLERANCE], columns=FUNDING_COLUMNS)
    return table.astype({"year": int, "amount": float}) if len(table) else table
