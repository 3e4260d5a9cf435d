"""A PuLP problem held in HiGHS (highspy): handed over in one call, solved once or many times.

PuLP's own HiGHS interface adds one row at a time and builds a new solver for every solve.
Here the whole matrix goes over in one call, and the same model can be solved again after a
change to objective coefficients, row bounds or single coefficients, starting from a known
answer (a warm start): what the frontier, the dashboard and the robustness draws do hundreds
of times. PuLP still builds the model; HiGHS solves it.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from contextlib import contextmanager

import numpy as np
import pulp
from scipy import sparse

try:
    import highspy
except ImportError:  # reported by `available()` and solvers.make_solver
    highspy = None

SMALL_MODEL = 100  # integer variables; below this HiGHS's heuristics and restarts cost more than they save
FEASIBILITY = 1e-7  # relative slack when checking a known answer against changed rows
ONE_THREAD_UP_TO = 400  # integer variables; one HiGHS thread is faster up to about here (measured)


def available() -> bool:
    return highspy is not None


_banner_lock = threading.Lock()
_banner_silenced = False


def new_highs():
    """A highspy.Highs object. HiGHS prints a banner from C++ to file descriptor 1 on the first
    one in a process, even with output off (it breaks notebooks under nbval): the first is made
    with descriptor 1 pointed at /dev/null, here, when a solve first needs one."""
    global _banner_silenced
    with _banner_lock:
        if _banner_silenced:
            return highspy.Highs()
        sys.stdout.flush()
        saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            return highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
            _banner_silenced = True


# HiGHS starts one thread pool per process at its first solve; a later solve that asks for a
# different thread count fails ("Not Set") unless the pool is reset, which is only safe while
# no solve is running. Each thread also keeps its own handle on the pool, which a reset made in
# another thread leaves stale: a thread refreshes it before its first solve after a reset.
# So every solve goes through `_thread_pool`.
_pool_lock = threading.Lock()
_pool_threads: int | None = None  # the count the running pool was started with
_pool_generation = 0  # how many times the pool was reset
_running = 0
_this_thread = threading.local()


@contextmanager
def _thread_pool(wanted: int):
    """Yield the thread count to ask for: `wanted` unless other solves are running with another."""
    global _pool_threads, _pool_generation, _running
    with _pool_lock:
        if _pool_threads is None:
            _pool_threads = wanted
        elif wanted != _pool_threads and _running == 0:
            highspy.Highs.resetGlobalScheduler(True)
            _pool_threads = wanted
            _pool_generation += 1
        if getattr(_this_thread, "generation", 0) != _pool_generation:
            highspy.Highs.resetThreadScheduler(True)  # drop this thread's handle on an old pool
            _this_thread.generation = _pool_generation
        threads = _pool_threads
        _running += 1
    try:
        yield threads
    finally:
        with _pool_lock:
            _running -= 1


def options_for(integers: int, time_limit: float | None = None) -> dict:
    """HiGHS options: a proven optimum (relative gap 0) and settings measured on our models.

    RINS/RENS off: they dominated the worst small-model times (RECIPES.md). A tighter integer
    feasibility tolerance (default 1e-6): with costs from 1 to 1e9 in one row, HiGHS otherwise
    reported a portfolio 10 value points short as optimal. A small model also skips heuristics
    and restarts, which a branch-and-bound this small does not need (worked example: solve
    156 -> 79 ms), and branches on pseudo-costs without strong branching first, which took
    three quarters of its simplex iterations (worked example, re-solves after a budget move:
    median 25 -> 20 ms; robustness draws: 11.9 -> 9.4 ms).
    """
    options = {"output_flag": False, "mip_rel_gap": 0.0, "mip_heuristic_run_rins": False,
               "mip_heuristic_run_rens": False, "mip_feasibility_tolerance": 1e-9}
    if integers <= SMALL_MODEL:
        options.update(mip_heuristic_effort=0.0, mip_allow_restart=False,
                       mip_pscost_minreliable=0)
    options["time_limit"] = np.inf if time_limit is None else float(time_limit)
    return options


def warm_options(integers: int, warm: bool) -> dict:
    """With a known answer to start from, a small model does not need HiGHS's root heuristics
    that look for a first one (feasibility jump, the reduced-cost sub-MIP): off (worked example
    robustness draws: solve 25.7 -> 11.8 ms median). On larger models they help even then
    (50-level frontier of 200 actions: 7.2 s with them, 18.5 s without), so they stay on."""
    quick = warm and integers <= SMALL_MODEL
    return {"mip_heuristic_run_feasibility_jump": not quick,
            "mip_heuristic_run_root_reduced_cost": not quick}


class HighsProblem:
    """One PuLP problem in one highspy.Highs object.

    Columns follow `problem.variables()`, rows `problem.constraints()`; `column[name]` and
    `row[name]` give their positions for later changes.
    """

    def __init__(self, problem: pulp.LpProblem):
        self.variables = problem.variables()
        self.column = {v.name: k for k, v in enumerate(self.variables)}
        constraints = problem.constraints()  # a list, as in PuLP 4
        self.row = {c.name: k for k, c in enumerate(constraints)}
        n = len(self.variables)
        cost = np.zeros(n)
        objective = problem.objective if problem.objective is not None else {}
        for variable, coefficient in objective.items():
            cost[self.column[variable.name]] = coefficient
        lower = np.array([-np.inf if v.lowBound is None else v.lowBound for v in self.variables],
                         dtype=float)
        upper = np.array([np.inf if v.upBound is None else v.upBound for v in self.variables],
                         dtype=float)
        self.integer = np.array([v.cat == pulp.LpInteger for v in self.variables])
        starts, index, value, row_lower, row_upper = [0], [], [], [], []
        for constraint in constraints:
            for variable, coefficient in constraint.items():
                if coefficient:
                    index.append(self.column[variable.name])
                    value.append(coefficient)
            starts.append(len(index))
            low, high = constraint.getLb(), constraint.getUb()
            row_lower.append(-np.inf if low is None else low)
            row_upper.append(np.inf if high is None else high)
        self.row_lower, self.row_upper = np.array(row_lower, float), np.array(row_upper, float)
        self.cost, self.col_lower, self.col_upper = cost, lower, upper
        self.offset = float(getattr(objective, "constant", 0.0))
        self.matrix = sparse.csr_matrix((np.array(value, float), np.array(index, np.int32),
                                         np.array(starts, np.int32)), shape=(len(row_lower), n))
        self.highs = new_highs()
        self.highs.setOptionValue("output_flag", False)
        self.maximise = problem.sense == pulp.LpMaximize
        sense = highspy.ObjSense.kMaximize if self.maximise else highspy.ObjSense.kMinimize
        status = self.highs.passModel(
            n, len(row_lower), len(index), int(highspy.MatrixFormat.kRowwise), int(sense),
            self.offset, cost, np.nan_to_num(lower, neginf=-highspy.kHighsInf),
            np.nan_to_num(upper, posinf=highspy.kHighsInf),
            np.nan_to_num(self.row_lower, neginf=-highspy.kHighsInf),
            np.nan_to_num(self.row_upper, posinf=highspy.kHighsInf),
            np.array(starts[:-1], np.int32), np.array(index, np.int32), np.array(value, float),
            self.integer.astype(np.int32))
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS refused the model")
        self.solution: np.ndarray | None = None  # column values of the last answer
        self.running: threading.Thread | None = None  # a solve left running by Ctrl-C

    # ------------------------------------------------------------ changes between solves

    def set_costs(self, costs: dict[str, float]) -> None:
        """New objective coefficients {variable name: coefficient}; others keep theirs."""
        columns = np.array([self.column[name] for name in costs], np.int32)
        self.cost[columns] = list(costs.values())
        self.highs.changeColsCost(len(columns), columns, self.cost[columns])

    def set_row_upper(self, name: str, upper: float) -> None:
        k = self.row[name]
        self.row_upper[k] = upper
        self.highs.changeRowBounds(k, self.row_lower[k], upper)

    def set_coefficient(self, row: str, variable: str, value: float) -> None:
        k, j = self.row[row], self.column[variable]
        cells = slice(self.matrix.indptr[k], self.matrix.indptr[k + 1])
        found = np.flatnonzero(self.matrix.indices[cells] == j)
        if found.size:
            self.matrix.data[cells.start + found[0]] = value
        else:  # a coefficient that was 0: a new entry (rare; CSR insertion is slow but right)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", sparse.SparseEfficiencyWarning)
                self.matrix[k, j] = value
        self.highs.changeCoeff(k, j, float(value))

    def best_start(self, answers: list[np.ndarray]) -> np.ndarray | None:
        """The known answer of most objective value among those that still satisfy every row
        and bound (within HiGHS's feasibility tolerance), or None."""
        if not answers:
            return None
        stack = np.array(answers)
        activity = self.matrix @ stack.T
        slack = FEASIBILITY * (1.0 + np.abs(activity))
        fits = ((activity >= self.row_lower[:, None] - slack).all(axis=0)
                & (activity <= self.row_upper[:, None] + slack).all(axis=0)
                & (stack >= self.col_lower - FEASIBILITY).all(axis=1)
                & (stack <= self.col_upper + FEASIBILITY).all(axis=1))
        if not fits.any():
            return None
        worth = np.where(fits, stack @ self.cost, -np.inf if self.maximise else np.inf)
        return stack[int(np.argmax(worth) if self.maximise else np.argmin(worth))]

    # ------------------------------------------------------------ solving

    def run(self, time_limit: float | None = None, start: np.ndarray | None = None,
            threads: int | None = None) -> tuple[str, float, float, float]:
        """Solve; (status, gap, dual bound, seconds). status: optimal, time_limit,
        no_solution, infeasible, unbounded or HiGHS's own words for anything else.

        start: column values of a known feasible answer (HiGHS ignores one that is not).
        threads: HiGHS threads (default: one for models of up to ONE_THREAD_UP_TO integers).
        """
        integers = int(self.integer.sum())
        seconds = self._solve(integers, time_limit, start, threads)
        if start is not None and not self._answer_matches_objective():
            # HiGHS 1.16 can report the objective of a better portfolio it found while handing
            # back the start it was given (seen when presolve alone settles a small model):
            # forget the start and solve again from scratch.
            self.highs.clearSolver()
            seconds += self._solve(integers, time_limit, None, threads)
        return (*self._status(), seconds)

    def _solve(self, integers: int, time_limit: float | None, start, threads: int | None
               ) -> float:
        """Set the options (and the start), run HiGHS; seconds it took."""
        options = {**options_for(integers, time_limit), **warm_options(integers, start is not None)}
        for option, value in options.items():
            self.highs.setOptionValue(option, value)
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(start)
            solution.value_valid = True
            self.highs.setSolution(solution)
        wanted = threads or (1 if integers <= ONE_THREAD_UP_TO else 0)
        with _thread_pool(wanted) as granted:
            self.highs.setOptionValue("threads", granted)
            began = time.perf_counter()
            self._run_interruptibly()
            return time.perf_counter() - began

    def _run_interruptibly(self) -> None:
        """Run HiGHS; on the main thread, in a worker thread, so that Ctrl-C (which Python
        only delivers between its own steps, never inside a C++ solve) raises at once.

        The interrupted solve finishes in the background; this object waits for it before
        its next solve, and a process that exits simply ends it.
        """
        if self.running is not None:
            self.running.join()
            self.running = None
        if threading.current_thread() is not threading.main_thread():
            self.highs.run()
            return
        worker = threading.Thread(target=self.highs.run, name="highs-solve", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.05)
        except KeyboardInterrupt:
            self.running = worker
            raise

    def _answer_matches_objective(self) -> bool:
        """Whether the column values HiGHS hands back are worth the objective it reports."""
        info = self.highs.getInfo()
        if info.primal_solution_status != 2:  # no answer: nothing to compare
            return True
        values = np.array(self.highs.getSolution().col_value)
        worth = float(self.cost @ values) + self.offset
        reported = float(info.objective_function_value)
        return abs(worth - reported) <= 1e-7 * max(1.0, abs(reported))

    def _status(self) -> tuple[str, float, float]:
        kinds = highspy.HighsModelStatus
        model_status = self.highs.getModelStatus()
        info = self.highs.getInfo()
        found = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if found:
            self.solution = np.array(self.highs.getSolution().col_value)
        bound = float(info.mip_dual_bound) if self.integer.any() else float(
            info.objective_function_value)
        if model_status == kinds.kOptimal:
            return "optimal", max(0.0, float(info.mip_gap or 0.0)), bound
        if model_status == kinds.kTimeLimit:
            return ("time_limit", float(info.mip_gap), bound) if found else (
                "no_solution", float("inf"), bound)
        if model_status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
            return "infeasible", float("nan"), float("nan")
        if model_status == kinds.kUnbounded:
            return "unbounded", float("nan"), float("nan")
        if model_status == kinds.kModelEmpty:  # no variables: rows are constants, true or not
            self.solution = np.zeros(0)
            holds = (self.row_lower <= FEASIBILITY).all() and (self.row_upper >= -FEASIBILITY).all()
            return ("optimal", 0.0, self.objective()) if holds else (
                "infeasible", float("nan"), float("nan"))
        return self.highs.modelStatusToString(model_status), float("nan"), float("nan")

    def objective(self) -> float:
        return float(self.highs.getInfo().objective_function_value)

    def write_values(self) -> None:
        """Put the last answer into the PuLP variables (`variable.value()`)."""
        for variable, value in zip(self.variables, self.solution):
            variable.varValue = float(value)
