"""Solvers: make one, run it, and read its status in one place.

HiGHS runs in-process through highspy (the default); CBC is PuLP's bundled executable.
Anything other than an optimal or time-limited feasible answer becomes a clear status here.
"""
from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from dataclasses import dataclass

import pulp

from .errors import SolverError

SOLVERS = ("highs", "cbc")
INSTALL_HINT = {
    "highs": "install it with `pip install highspy` (or the project's own `pip install -e .`)",
    "cbc": "install PuLP 3.x, which bundles CBC: `pip install 'pulp>=3.3,<4'`",
}
_banner_guard = None


def _silence_highs_banner() -> None:
    """HiGHS prints a banner to fd 1 on the first Highs() in a process; swallow it once."""
    global _banner_guard
    try:
        import highspy
    except ImportError:
        return
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        _banner_guard = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


_silence_highs_banner()


@dataclass(frozen=True)
class SolveOutcome:
    """status: optimal, time_limit (feasible, not proven optimal), infeasible, unbounded."""

    status: str
    gap: float
    seconds: float
    solver: str
    bound: float = float("nan")  # best objective still possible [value points] (HiGHS only)


SMALL_MODEL = 100  # integer variables; below this HiGHS's heuristics and restarts cost more than they save


def make_solver(name: str, time_limit: float | None = None, small: bool = False):
    """A PuLP solver object asked for a proven optimum (relative gap 0).

    A `small` model skips HiGHS's heuristics and restarts, which a branch-and-bound this small
    does not need (measured on the worked example: solve 156 -> 79 ms). HiGHS's thread count is
    left alone: one thread was slower on 1,000 actions (1.5 -> 2.3 s) on an idle machine, and
    HiGHS fixes its thread pool at the first solve in a process, so it must never vary.
    """
    if name not in SOLVERS:
        raise SolverError(f"unknown solver {name!r}: choose one of {', '.join(SOLVERS)}")
    if name == "highs":
        # RINS/RENS off: they dominated the worst small-model times (RECIPES.md). A tighter
        # integer feasibility tolerance (default 1e-6): with costs from 1 to 1e9 in one row,
        # HiGHS otherwise reported a portfolio 10 value points short as optimal.
        quick = {"mip_heuristic_effort": 0.0, "mip_allow_restart": False} if small else {}
        solver = pulp.HiGHS(msg=False, gapRel=0.0, timeLimit=time_limit,
                            mip_heuristic_run_rins=False, mip_heuristic_run_rens=False,
                            mip_feasibility_tolerance=1e-9, **quick)
    else:
        solver = pulp.COIN_CMD(path=_cbc_path(), msg=False, gapRel=0.0, timeLimit=time_limit)
    if not solver.available():
        raise SolverError(f"the {name} solver is not available: {INSTALL_HINT[name]}, "
                          f"or choose another solver ({_other_solvers(name)})")
    return solver


def _other_solvers(name: str) -> str:
    return ", ".join(other for other in SOLVERS if other != name)


def _cbc_path() -> str | None:
    """PuLP 3's bundled CBC if present (made executable), else a `cbc` on the PATH.

    Going through COIN_CMD with a path, not PULP_CBC_CMD, keeps working on PuLP 4.
    """
    from pulp.apis import coin_api

    bundled = getattr(coin_api, "pulp_cbc_path", None)
    if bundled and os.path.isfile(bundled):
        if not os.access(bundled, os.X_OK):
            os.chmod(bundled, os.stat(bundled).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return bundled
    return shutil.which("cbc")


def solve(problem: pulp.LpProblem, name: str = "highs",
          time_limit: float | None = None) -> SolveOutcome:
    """Solve and translate the solver's own status into one of ours.

    Any exception inside the solver (a crash, a missing or broken executable) becomes one
    SolverError line; so does a time limit that ran out before any portfolio was found.
    """
    integers = sum(1 for variable in problem.variables() if variable.cat == pulp.LpInteger)
    solver = make_solver(name, time_limit, small=integers <= SMALL_MODEL)
    began = time.perf_counter()
    try:
        problem.solve(solver)
    except Exception as error:  # noqa: BLE001 - whatever the solver raised, say so in one line
        reason = " ".join(str(error).split()) or type(error).__name__
        raise SolverError(f"the {name} solver failed ({reason}): {INSTALL_HINT[name]} "
                          f"again, or choose another solver ({_other_solvers(name)})") from error
    seconds = time.perf_counter() - began
    if name == "highs":
        status, gap = _highs_status(problem)
        bound = _highs_bound(problem)
    else:
        status, gap = _cbc_status(problem)
        bound = float("nan")
    if status == "no_solution":
        limit = f"the time limit of {time_limit:g} s" if time_limit else "its limits"
        raise SolverError(f"the {name} solver reached {limit} before it found any portfolio: "
                          "allow more time (time_limit, or --time-limit on the command line)")
    return SolveOutcome(status, gap, seconds, name, bound)


def _highs_bound(problem: pulp.LpProblem) -> float:
    """HiGHS's proven bound on the objective (the 'dual bound') [value points].

    PuLP hands HiGHS a maximisation as the minimisation of minus the objective: undo that.
    """
    try:
        bound = float(problem.solverModel.getInfo().mip_dual_bound)
    except (AttributeError, TypeError, ValueError):
        return float("nan")
    return -bound if problem.sense == pulp.LpMaximize else bound


def _highs_status(problem: pulp.LpProblem) -> tuple[str, float]:
    import highspy

    highs = problem.solverModel
    model_status = highs.getModelStatus()
    found = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    kinds = highspy.HighsModelStatus
    if model_status == kinds.kOptimal:
        return "optimal", max(0.0, float(highs.getInfo().mip_gap or 0.0))
    if model_status == kinds.kTimeLimit:
        return ("time_limit", float(highs.getInfo().mip_gap)) if found else ("no_solution", float("inf"))
    if model_status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
        return "infeasible", float("nan")
    if model_status == kinds.kUnbounded:
        return "unbounded", float("nan")
    raise SolverError(f"HiGHS stopped with status {highs.modelStatusToString(model_status)!r}")


def _cbc_status(problem: pulp.LpProblem) -> tuple[str, float]:
    if problem.status == pulp.LpStatusOptimal and problem.sol_status == pulp.LpSolutionOptimal:
        return "optimal", 0.0
    if problem.sol_status == pulp.LpSolutionIntegerFeasible:
        return "time_limit", float("nan")  # CBC through PuLP does not report its bound
    if problem.status == pulp.LpStatusInfeasible:
        return "infeasible", float("nan")
    if problem.status == pulp.LpStatusUnbounded:
        return "unbounded", float("nan")
    if problem.status == pulp.LpStatusNotSolved:
        return "no_solution", float("inf")
    raise SolverError(f"CBC stopped with status {pulp.LpStatus[problem.status]!r}")
