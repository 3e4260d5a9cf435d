"""The options of one run: everything besides the model that decides what the optimiser does.

A run is `(model, options)`. `Options` is a frozen bundle; `run_options` builds one from an
`Options` and/or keywords and checks it against the model in one place, so every entry point
(optimise, the frontier, robustness, the dashboard, the command line) refuses the same bad
input with the same message:

    options = run_options(model, limits={"cost": 500_000}, include=["crisis_cafe"])
    result = optimise(model, options)
"""
from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace

import pandas as pd

from .errors import ModelError, Problem
from .model import LONGEST_HORIZON, Model

SYNERGY_FORMULATIONS = ("auto", "budget", "plain", "glover")
SOLVERS = ("highs", "cbc")
LARGEST_LIMIT = 1e15  # as the model loader: beyond this a limit is a typo [resource units]
LONGEST_TIME_LIMIT = 86_400.0  # seconds: a day; a longer solve is a mistake, not a plan


@dataclass(frozen=True, eq=False)
class Options:
    """What one run asks for, on top of the model's own tables.

    limits: {resource: limit over the whole horizon [the resource's unit]}, replacing the
      model's; horizon: years to plan (None: the model's horizon_years); include / exclude:
      actions forced in or out (besides constraints.csv); weights: criterion weights
      [relative] replacing criteria.csv's; values: action values [value points] replacing the
      scored ones (give weights or values, not both); synergy: how synergy pairs are
      formulated; solver: highs or cbc; time_limit: seconds per solve (None: until proven).
    """

    limits: Mapping[str, float] = field(default_factory=dict)
    horizon: int | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    weights: pd.Series | None = None
    values: pd.Series | None = None
    synergy: str = "auto"
    solver: str = "highs"
    time_limit: float | None = None

    def changed(self, **changes) -> Options:
        """A copy with some options replaced (not checked: pass it through `run_options`)."""
        return replace(self, **changes)

    def key(self) -> tuple:
        """The options as a hashable value: equal keys, equal answers."""
        def series(s):
            return None if s is None else tuple(s.items())
        return (tuple(sorted(self.limits.items())), self.horizon, tuple(sorted(self.include)),
                tuple(sorted(self.exclude)), series(self.weights), series(self.values),
                self.synergy, self.solver, self.time_limit)

    def __repr__(self) -> str:
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                 if f.name not in ("weights", "values") and getattr(self, f.name) != f.default
                 and not (f.name == "limits" and not self.limits)]
        shown += [f"{name}=<{len(s)} numbers>" for name, s in
                  (("weights", self.weights), ("values", self.values)) if s is not None]
        return f"Options({', '.join(shown)})"


OPTION_NAMES = tuple(f.name for f in fields(Options))


def run_options(model: Model, options: Options | None = None, /, **keywords) -> Options:
    """`options` with `keywords` on top, checked against the model, the horizon filled in.

    Raises one ModelError listing every problem (unknown resource or action, with the
    nearest known name; NaN, negative or too large limits; an action forced both in and out;
    weights or values that do not fit the model; an unknown solver or formulation; a time
    limit or horizon out of range).
    """
    unknown = [name for name in keywords if name not in OPTION_NAMES]
    if unknown:
        raise TypeError(f"unknown option(s) {', '.join(unknown)} (known: "
                        f"{', '.join(OPTION_NAMES)})")
    given = {k: v for k, v in keywords.items() if v is not None}  # None: as the options say
    merged = replace(options or Options(), **given)
    problems: list[Problem] = []
    checked = replace(
        merged,
        limits=_limits(model, merged.limits, problems),
        horizon=_horizon(model, merged.horizon, problems),
        include=_actions(model, merged.include, "include", problems),
        exclude=_actions(model, merged.exclude, "exclude", problems),
        weights=_weights(model, merged.weights, problems),
        values=_values(model, merged.values, problems),
        time_limit=_time_limit(merged.time_limit, problems),
    )
    _choice("synergy", checked.synergy, SYNERGY_FORMULATIONS, problems)
    _choice("solver", checked.solver, SOLVERS, problems)
    if checked.weights is not None and checked.values is not None:
        problems.append(_problem("weights", "give weights or values, not both (values "
                                 "replace the scored values, so weights would be ignored)"))
    problems += _contradictions(checked)
    if problems:
        raise ModelError(problems)
    return checked


def _problem(argument: str, message: str) -> Problem:
    return Problem(argument, None, None, message)


def _near(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        return None
    try:
        return float(str(value).replace(",", "").replace("_", "")) if isinstance(
            value, str) else float(value)
    except ValueError:
        return None


def _limits(model: Model, limits, problems: list[Problem]) -> dict[str, float]:
    if limits is None:
        return {}
    if not isinstance(limits, Mapping):
        problems.append(_problem("limits", f"expected {{resource: amount}}, not "
                                 f"{type(limits).__name__}"))
        return {}
    checked = {}
    for resource, amount in limits.items():
        where = f"limits[{resource!r}]"
        if resource not in model.resource_names:
            problems.append(_problem(where, f"unknown resource {resource!r}"
                                     f"{_near(resource, model.resource_names)} (the model has "
                                     f"{', '.join(model.resource_names)})"))
            continue
        number = _number(amount)
        if number is None:
            problems.append(_problem(where, f"{amount!r} is not a number"))
        elif not math.isfinite(number):
            problems.append(_problem(where, f"{amount!r} is not a finite number"))
        elif number < 0:
            problems.append(_problem(where, "a limit cannot be negative"))
        elif number > LARGEST_LIMIT:
            problems.append(_problem(where, f"{number:,.6g} is too large: a limit is at most "
                                     f"{LARGEST_LIMIT:,.0f}"))
        else:
            checked[resource] = number
    return checked


def _horizon(model: Model, horizon, problems: list[Problem]) -> int:
    if horizon is None:
        return model.horizon
    number = _number(horizon)
    if (number is None or not math.isfinite(number) or number != int(number)
            or not 1 <= number <= LONGEST_HORIZON):
        problems.append(_problem("horizon", f"{horizon!r}: the plan needs at least 1 year and "
                                 f"at most {LONGEST_HORIZON} (a whole number of years)"))
        return model.horizon
    return int(number)


def _actions(model: Model, actions, argument: str, problems: list[Problem]) -> tuple[str, ...]:
    if actions is None:
        return ()
    if isinstance(actions, str):
        actions = (actions,)
    checked = []
    known = [*model.actions.index, *model.schemes]  # a scheme: whichever version is funded
    for action in actions:
        if action not in known:
            problems.append(_problem(argument, f"unknown action {action!r} to include or exclude"
                                     f"{_near(action, known)}"))
        elif action not in checked:
            checked.append(action)
    return tuple(checked)


def _series(argument: str, series, index: pd.Index, what: str, problems: list[Problem],
            minimum: float | None) -> pd.Series | None:
    if series is None:
        return None
    if isinstance(series, Mapping) and not isinstance(series, pd.Series):
        series = pd.Series(dict(series), dtype=object)
    if not isinstance(series, pd.Series):
        problems.append(_problem(argument, f"expected a Series or {{{what}: number}}, not "
                                 f"{type(series).__name__}"))
        return None
    extra = [k for k in series.index if k not in index]
    if extra:
        problems.append(_problem(argument, f"unknown {what} {extra[0]!r}{_near(extra[0], index)}"))
        return None
    numbers_ = pd.to_numeric(series, errors="coerce").astype(float)
    bad = [k for k, v in numbers_.items() if not math.isfinite(v)]
    if bad:
        problems.append(_problem(argument, f"{what} {bad[0]!r}: {series[bad[0]]!r} is not a "
                                 "finite number"))
        return None
    if minimum is not None and (numbers_ < minimum).any():
        problems.append(_problem(argument, f"{what} {numbers_.idxmin()!r}: "
                                 f"{numbers_.min():g} is negative"))
        return None
    return numbers_


def _weights(model: Model, weights, problems: list[Problem]) -> pd.Series | None:
    checked = _series("weights", weights, model.criteria.index, "criterion", problems, 0.0)
    if checked is None:
        return None
    full = checked.reindex(model.criteria.index).fillna(model.criteria["weight"].astype(float))
    if full.sum() <= 0:
        problems.append(_problem("weights", "the weights add up to zero: give at least one "
                                 "criterion a positive weight"))
        return None
    return full.rename("weight")


def _values(model: Model, values, problems: list[Problem]) -> pd.Series | None:
    checked = _series("values", values, model.actions.index, "action", problems, None)
    if checked is None:
        return None
    missing = [a for a in model.actions.index if a not in checked.index]
    if missing:
        problems.append(_problem("values", f"no value for action {missing[0]!r}: give every "
                                 "action a value [value points]"))
        return None
    return checked.reindex(model.actions.index)


def _time_limit(time_limit, problems: list[Problem]) -> float | None:
    if time_limit is None:
        return None
    number = _number(time_limit)
    if number is None or not math.isfinite(number) or not 0 < number <= LONGEST_TIME_LIMIT:
        problems.append(_problem("time_limit", f"{time_limit!r}: give a number of seconds "
                                 f"above 0 and at most {LONGEST_TIME_LIMIT:,.0f}"))
        return None
    return number


def _choice(argument: str, value, choices: tuple[str, ...], problems: list[Problem]) -> None:
    if value not in choices:
        problems.append(_problem(argument, f"{value!r} is not one of {', '.join(choices)}"
                                 f"{_near(value, choices)}"))


def _contradictions(options: Options) -> list[Problem]:
    """An action the options force both in and out. (Forcing in an action that
    constraints.csv excludes is a run with no portfolio, explained as such, not bad input.)"""
    return [_problem("include", f"action {action!r} is both in include and in exclude: "
                     "choose one") for action in options.include if action in options.exclude]
