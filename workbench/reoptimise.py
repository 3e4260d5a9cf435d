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
from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from .errors import ModelError
from .highs import HighsProblem
from .model import Model, PortfolioResult
from .portfolio import FOUND, Rules, build_model, read_result, standalone_terms
from .schedule import active_years, resource_limits
from .scoring import action_values, criterion_values
from .solvers import held_outcome, make_solver, solver_failed

KEEP_ANSWERS = 32  # distinct answers kept for warm starts
KEEP_CHECKS = 256  # independent checks kept, by portfolio (valid while the limits stay)


class Reoptimiser:
    """One model's MILP, kept in HiGHS between solves.

    Fixed when it is made: the model (costs, rules, funding streams), horizon, include,
    exclude, synergy formulation, and which resources have a whole-horizon limit row.
    Free at each `optimise` call: action values (or criterion weights) and the amounts of the
    resources' whole-horizon limits.
    """

    def __init__(self, model: Model, *, limits: dict[str, float] | None = None,
                 horizon: int | None = None, include: Iterable[str] = (),
                 exclude: Iterable[str] = (), synergy: str = "auto"):
        make_solver("highs")
        self.model = model
        self.include, self.exclude = tuple(include), tuple(exclude)
        for action in (*self.include, *self.exclude):
            if action not in model.actions.index:
                raise ModelError(f"unknown action {action!r} to include or exclude")
        began = time.perf_counter()
        self.partial = criterion_values(model)  # action x criterion, whatever the weights
        self.values = action_values(model, partial=self.partial)
        self.formulation = build_model(model, self.values, limits=limits, horizon=horizon,
                                       include=self.include, exclude=self.exclude,
                                       synergy=synergy)
        self.horizon = self.formulation.horizon
        try:
            self.held = HighsProblem(self.formulation.problem)
        except Exception as error:  # noqa: BLE001 - as solvers.solve: one clear line
            raise solver_failed("highs", error) from error
        self.build_seconds = time.perf_counter() - began  # building and handing over [s]
        whole = resource_limits(model, limits, self.horizon)
        whole = whole[whole["year"] == 0]
        self.limits = dict(zip(whole["resource"], whole["limit"].astype(float)))
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
        used = values if values is not None else action_values(self.model, weights,
                                                               partial=self.partial)
        self._set_values(used)
        current = self._set_limits({**self.built_limits, **(limits or {})})
        setup_seconds = time.perf_counter() - began
        start = self.held.best_start(self.answers)
        try:
            run = self.held.run(time_limit, start, threads)
        except Exception as error:  # noqa: BLE001 - as solvers.solve: one clear line
            raise solver_failed("highs", error) from error
        outcome = held_outcome(self.held, run, time_limit, write=False)
        rules = Rules(current, self.horizon, self.include, self.exclude)
        if outcome.status not in FOUND:
            return read_result(self.model, {}, float("nan"), outcome, rules, values=values,
                               weights=weights, used=used, build_seconds=setup_seconds,
                               time_limit=time_limit, explain=explain)
        solution = self.held.solution
        self._remember_answer(solution)
        starts = self._starts(solution)
        checked = self._cached_check(starts, rules, values) if values is not None else None
        result = read_result(self.model, starts, self.held.objective(), outcome, rules,
                             values=values, weights=weights, used=used,
                             build_seconds=setup_seconds, time_limit=time_limit,
                             explain=explain, checked=checked)
        if values is not None and checked is None:
            self._keep_check(starts, result)
        return result

    # ------------------------------------------------------------ changing the numbers

    def _set_values(self, values: pd.Series) -> None:
        if values is self.values:
            return
        terms = standalone_terms(self.formulation, values)
        self.held.set_costs({variable.name: coefficient for variable, coefficient in terms})
        self.values = values

    def _set_limits(self, limits: dict[str, float]) -> dict[str, float]:
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
        return dict(self.limits)

    # ------------------------------------------------------------ reading and remembering

    def _starts(self, solution: np.ndarray) -> dict[str, int]:
        column = self.held.column
        return {action: year for action, pairs in self.formulation.starts.items()
                for year, variable in pairs if solution[column[variable.name]] > 0.5}

    def _remember_answer(self, solution: np.ndarray) -> None:
        if any(np.array_equal(solution, known) for known in self.answers):
            return
        self.answers.append(solution.copy())
        del self.answers[:-KEEP_ANSWERS]

    def _cached_check(self, starts: dict[str, int], rules: Rules,
                      values: pd.Series) -> PortfolioResult | None:
        """A kept evaluation of the same portfolio, its standalone value recomputed for these
        values: costs, funding, bonuses and breaches do not depend on the values."""
        known = self.checks.get(tuple(sorted(starts.items())))
        if known is None:
            return None
        standalone = float(sum(values[a] * share for a, share in self._shares(starts).items()))
        value = {**known.value, "standalone": standalone,
                 "total": standalone + known.value["synergy"] + known.value["critical_mass"]}
        return replace(known, value=value)

    def _shares(self, starts: dict[str, int]) -> dict[str, float]:
        """Share of the horizon [0..1] each action runs: its value counts in proportion."""
        f = self.formulation
        return {a: len(active_years(t, f.duration[a], f.horizon)) / f.horizon
                for a, t in starts.items()}

    def _keep_check(self, starts: dict[str, int], result: PortfolioResult) -> None:
        self.checks[tuple(sorted(starts.items()))] = result
        while len(self.checks) > KEEP_CHECKS:
            self.checks.popitem(last=False)
