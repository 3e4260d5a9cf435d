"""Solvers: make one, run it, and read its status in one place.

HiGHS runs in-process through highspy (the default); CBC is PuLP's bundled executable.
Anything other than an optimal or time-limited feasible answer becomes a clear status here.
"""
from __future__ import annotations

import os
import shutil
import stat
import time
from dataclasses import dataclass, replace

import pulp

from . import highs
from ..errors import SolverError
from ..model import FOUND_STATUSES

SOLVERS = ("highs", "cbc")
INSTALL_HINT = {
    "highs": "install it with `pip install highspy` (or the project's own `pip install -e .`)",
    "cbc": "install PuLP 3.x, which bundles CBC: `pip install 'pulp>=3.3,<4'`",
}
@dataclass(frozen=True)
class SolveOutcome:
    """status: optimal, time_limit (feasible, not proven optimal), infeasible, unbounded."""

    status: str
    gap: float
    seconds: float
    solver: str
    bound: float = float("nan")  # best objective still possible [value points] (HiGHS only)

    @property
    def found(self) -> bool:
        """The solver returned a portfolio (proven optimal or the best within a time limit)."""
        return self.status in FOUND_STATUSES


def make_solver(name: str, time_limit: float | None = None):
    """A PuLP solver object for CBC asked for a proven optimum (relative gap 0); for HiGHS,
    a check that highspy is there (HiGHS is driven directly: see highs.py)."""
    if name not in SOLVERS:
        raise SolverError(f"unknown solver {name!r}: choose one of {', '.join(SOLVERS)}")
    if name == "highs":
        if not highs.available():
            raise SolverError(f"the highs solver is not available: {INSTALL_HINT[name]}, "
                              f"or choose another solver ({_other_solvers(name)})")
        return None
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
    solver = make_solver(name, time_limit)
    try:
        began = time.perf_counter()
        if name == "highs":  # seconds: handing the model over and solving it
            held = highs.HighsProblem(problem)
            outcome = held_outcome(held, held.run(time_limit), time_limit)
            return replace(outcome, seconds=time.perf_counter() - began)
        problem.solve(solver)
        seconds = time.perf_counter() - began
    except SolverError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the solver raised, say so in one line
        raise solver_failed(name, error) from error
    status, gap = _cbc_status(problem)
    return _outcome(status, gap, seconds, name, float("nan"), time_limit)


def held_outcome(held: highs.HighsProblem, run: tuple[str, float, float, float],
                 time_limit: float | None, write: bool = True) -> SolveOutcome:
    """The outcome of one `HighsProblem.run`; `write`: put the answer in PuLP's variables."""
    status, gap, bound, seconds = run
    if status in FOUND_STATUSES:
        if write:
            held.write_values()
    elif status not in ("infeasible", "unbounded", "no_solution"):
        raise SolverError(f"HiGHS stopped with status {status!r}")
    return _outcome(status, gap, seconds, "highs", bound, time_limit)


def solver_failed(name: str, error: Exception) -> SolverError:
    reason = " ".join(str(error).split()) or type(error).__name__
    return SolverError(f"the {name} solver failed ({reason}): {INSTALL_HINT[name]} "
                       f"again, or choose another solver ({_other_solvers(name)})")


def _outcome(status: str, gap: float, seconds: float, name: str, bound: float,
             time_limit: float | None) -> SolveOutcome:
    if status == "no_solution":
        limit = f"the time limit of {time_limit:g} s" if time_limit else "its limits"
        raise SolverError(f"the {name} solver reached {limit} before it found any portfolio: "
                          "allow more time (time_limit, or --time-limit on the command line)")
    return SolveOutcome(status, gap, seconds, name, bound)


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
