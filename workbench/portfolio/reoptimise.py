"""Re-optimising one model many times: the MILP is built once, only the numbers that move change.

The frontier moves a limit, robustness draws move the action values, the dashboard moves both.
A `Reoptimiser` builds the MILP once, keeps it in HiGHS, changes the objective coefficients
and limit rows in place, and starts each solve from the best portfolio found so far that still
fits (a warm start). Every answer goes through the same independent check as `optimise`, so
the results are those of `optimise` (where several portfolios tie for the optimum, either may
be returned).
"""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import replace

import numpy as np
import pandas as pd

from ..errors import ModelError
from .highs import HighsProblem
from ..model import Model, PortfolioResult
from ..options import Options, run_options
from .formulation import build_model, standalone_terms
from .optimise import chosen_funding, chosen_shares, chosen_starts, infeasibility
from .result import Answer, no_portfolio, read_result
from .rules import whole_horizon_limits
from .schedule import horizon_shares
from ..scoring import action_values, criterion_values
from .solvers import held_outcome, make_solver, solver_failed

KEEP_ANSWERS = 32  # distinct answers kept for warm starts
KEEP_CHECKS = 256  # independent checks kept, by portfolio (valid while the limits stay)


class Reoptimiser:
    """One model's MILP, kept in HiGHS between solves.

    Fixed when it is made (its `options`): the model (costs, rules, funding streams),
    horizon, include, exclude, synergy formulation, and which resources have a whole-horizon
    limit row. Free at each `optimise` call: action values (or criterion weights), the
    amounts of the resources' whole-horizon limits and the time limit. HiGHS solves.
    """

    def __init__(self, model: Model, options: Options | None = None, /, **keywords):
        options = run_options(model, options, **keywords)
        if options.solver != "highs":
            raise ModelError("a Reoptimiser keeps its model in HiGHS: solver must be 'highs'")
        make_solver("highs")
        self.model = model
        self.options = options.changed(values=None, weights=None)
        began = time.perf_counter()
        self.partial = criterion_values(model)  # action x criterion, whatever the weights
        self.values = action_values(model, partial=self.partial)
        self.formulation = build_model(model, self.values, self.options)
        self.horizon = self.options.horizon
        try:
            self.held = HighsProblem(self.formulation.problem)
        except Exception as error:  # noqa: BLE001 - as solvers.solve: one clear line
            raise solver_failed("highs", error) from error
        self.build_seconds = time.perf_counter() - began  # building and handing over [s]
        self.limits = whole_horizon_limits(model, self.options.limits)
        self.built_limits = dict(self.limits)
        self.answers: list[np.ndarray] = []
        self.checks: OrderedDict[tuple, PortfolioResult] = OrderedDict()

    def optimise(self, *, values: pd.Series | None = None, weights: pd.Series | None = None,
                 limits: dict[str, float] | None = None, time_limit: float | None = None,
                 threads: int | None = None, explain: bool = True) -> PortfolioResult:
        """As `optimise(model, ...)` with this object's fixed settings.

        limits: {resource: amount} for resources with a whole-horizon limit (those in
        `self.limits`); a resource not named has the limit this Reoptimiser was made with.
        """
        began = time.perf_counter()
        options = run_options(self.model, self.options, values=values, weights=weights,
                              limits={**self.built_limits, **(limits or {})},
                              time_limit=time_limit)
        used = values if values is not None else action_values(self.model, options.weights,
                                                               partial=self.partial)
        self._set_values(used)
        self._set_limits(options.limits)
        setup_seconds = time.perf_counter() - began
        start = self.held.best_start(self.answers)
        try:
            run = self.held.run(options.time_limit, start, threads)
        except Exception as error:  # noqa: BLE001 - as solvers.solve: one clear line
            raise solver_failed("highs", error) from error
        outcome = held_outcome(self.held, run, options.time_limit, write=False)
        if not outcome.found:
            return no_portfolio(self.model, options, outcome, infeasibility(
                self.model, options, used, outcome.status, explain), setup_seconds)
        solution = self.held.solution
        self._remember_answer(solution)
        answer = self._answer(solution)
        checked = self._cached_check(answer, used) if values is not None else None
        result = read_result(self.model, options, answer, outcome,
                             build_seconds=setup_seconds, checked=checked)
        if values is not None and checked is None:
            self._keep_check(answer, result)
        return result

    # ------------------------------------------------------------ changing the numbers

    def _set_values(self, values: pd.Series) -> None:
        if values is self.values:
            return
        terms = standalone_terms(self.formulation, values)
        self.held.set_costs({variable.name: coefficient for variable, coefficient in terms})
        self.values = values

    def _set_limits(self, limits: dict[str, float]) -> None:
        """Move each given limit: its row's bound and the budget cuts that contain it."""
        unknown = [r for r in limits if r not in self.limits]
        if unknown:
            raise ModelError(f"cannot vary the limit of {', '.join(unknown)} here: it has no "
                             "whole-horizon limit row (make the Reoptimiser with limits= for it)")
        for resource, amount in limits.items():
            amount = float(amount)
            if amount == self.limits[resource]:
                continue
            group = f"limit_{resource}"
            self.held.set_row_upper(group, amount)
            for row, variables, own in self.formulation.limit_cuts.get(group, []):
                for variable in variables:
                    self.held.set_coefficient(row, variable.name, -(amount - own))
            self.limits[resource] = amount
            self.checks.clear()  # breaches depend on the limits

    # ------------------------------------------------------------ reading and remembering

    def _answer(self, solution: np.ndarray) -> Answer:
        column = self.held.column

        def value(variable):
            return solution[column[variable.name]]
        return Answer(chosen_starts(self.formulation, value),
                      chosen_shares(self.formulation, value),
                      chosen_funding(self.formulation, value), self.held.objective())

    def _remember_answer(self, solution: np.ndarray) -> None:
        if any(np.array_equal(solution, known) for known in self.answers):
            return
        self.answers.append(solution.copy())
        del self.answers[:-KEEP_ANSWERS]

    @staticmethod
    def _portfolio_key(answer: Answer) -> tuple:
        return tuple(sorted((a, t, round(answer.shares.get(a, 1.0), 9))
                            for a, t in answer.starts.items()))

    def _cached_check(self, answer: Answer, values: pd.Series) -> PortfolioResult | None:
        """A kept evaluation of the same portfolio, its standalone value recomputed for these
        values: costs, funding, bonuses and breaches do not depend on the values."""
        known = self.checks.get(self._portfolio_key(answer))
        if known is None:
            return None
        shares = horizon_shares(self.model, answer.starts, self.horizon)
        standalone = float(sum(values[a] * share * answer.shares.get(a, 1.0)
                               for a, share in shares.items()))
        value = {**known.value, "standalone": standalone,
                 "total": standalone + known.value["synergy"] + known.value["critical_mass"]}
        return replace(known, value=value)

    def _keep_check(self, answer: Answer, result: PortfolioResult) -> None:
        self.checks[self._portfolio_key(answer)] = result
        while len(self.checks) > KEEP_CHECKS:
            self.checks.popitem(last=False)
