"""Monte Carlo robustness: how often is each action chosen when weights, scores and costs vary?

Each draw perturbs the model, re-optimises it with `optimise` and records the portfolio:
- weights: uniform within a criterion's weight_low..weight_high where both are given; the other
  criteria share their agreed total by a Dirichlet draw centred on the agreed weights
  (concentration k: each share has variance w (1 - w) / (k + 1));
- scores: uniform within each score's low..high where given, otherwise within the spread of the
  stakeholder groups' scores for that action and criterion; then aggregated as the model says;
- costs: an action's running amount of a resource uniform within `<resource>_low`..
  `<resource>_high` (actions table) where given, otherwise within +-`cost_spread` of the stated
  amount; its set-up amount moves in the same proportion.
An action's core index is the share of draws [0..1] whose optimal portfolio funds it: core at
0.9 or more, exterior at 0.1 or less, borderline between.

Same seed, same numbers, whatever the executor: every draw has its own child seed
(numpy SeedSequence.spawn), draws run in the same chunks everywhere (each chunk on one
Reoptimiser, so even the warm starts are the same) and results are put back in draw order.
"""
from __future__ import annotations

import math
import multiprocessing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .errors import ModelError, Problem, WorkbenchError
from .portfolio.evaluate import evaluate
from .model import FOUND_STATUSES, SETUP_SUFFIX, Model, PortfolioResult
from .options import Options, run_options
from .portfolio import optimise
from .portfolio.reoptimise import Reoptimiser
from .portfolio.schedule import horizon_shares
from .scoring import action_values, reach_factors, value_scale

CORE, EXTERIOR = 0.9, 0.1  # core index thresholds of the core and exterior classes
DEFAULT_CONCENTRATION = 50.0  # Dirichlet concentration of weights without a stated range
MOST_SAMPLES = 1_000_000  # draws; each is a solve


@dataclass(frozen=True)
class ValueMap:
    """Scores -> action values as plain arithmetic, for aggregation by the mean: each score
    row's partial value is offset + slope x score, a cell (action, criterion) is the mean of its
    rows, a value the weighted sum of its cells. The same numbers as `action_values` (tested),
    without a pandas group-by per draw."""

    cell: np.ndarray  # per score row: action position x criteria + criterion position
    count: np.ndarray  # rows per cell
    offset: np.ndarray
    slope: np.ndarray
    shape: tuple[int, int]  # actions, criteria

    @classmethod
    def of(cls, model: Model) -> ValueMap | None:
        if model.settings.get("aggregation", "mean") != "mean":
            return None
        scores, criteria = model.scores, model.criteria
        action = model.actions.index.get_indexer(scores["action"])
        criterion = criteria.index.get_indexer(scores["criterion"])
        shape = (len(model.actions), len(criteria))
        cell = action * shape[1] + criterion
        offset, slope = (s.to_numpy(float)[criterion] for s in value_scale(criteria))
        reach = reach_factors(model).to_numpy(float).ravel()[cell]
        offset, slope = offset * reach, slope * reach
        count = np.bincount(cell, minlength=shape[0] * shape[1]).astype(float)
        return cls(cell, count, offset, slope, shape)

    def values(self, scores: np.ndarray, weights: np.ndarray, index: pd.Index) -> pd.Series:
        with np.errstate(invalid="ignore", divide="ignore"):  # an unscored cell stays NaN
            cells = np.bincount(self.cell, self.offset + self.slope * scores,
                                minlength=self.count.size) / self.count
        table = cells.reshape(self.shape)
        return pd.Series(table @ (weights / weights.sum()), index=index, name="value")


@dataclass(frozen=True)
class DrawPlan:
    """The ranges every draw samples from, as plain arrays (cheap to send to a worker).

    score_low / score_high: per row of model.scores; weight_low / weight_high: per criterion
    (NaN where the Dirichlet applies); cost_low / cost_high: factors on each action's amounts,
    action x resource.
    """

    criteria: tuple[str, ...]
    weight_low: np.ndarray
    weight_high: np.ndarray
    dirichlet_alpha: np.ndarray  # concentration x share, for criteria without a range
    dirichlet_total: float  # the agreed raw weight those criteria share
    score_low: np.ndarray
    score_high: np.ndarray
    cost_low: np.ndarray
    cost_high: np.ndarray
    resources: tuple[str, ...]
    values: ValueMap | None = None  # a quick way from drawn scores to values (mean aggregation)

    @property
    def ranged(self) -> np.ndarray:
        return ~np.isnan(self.weight_low)

    @property
    def varies_costs(self) -> bool:
        return bool(np.any(self.cost_low != self.cost_high))


@dataclass(frozen=True)
class RobustnessResult:
    """What the draws found.

    draws: one row per draw: draw, status, value (total, standalone, synergy, critical_mass)
      [value points, under that draw's own values], baseline_value (the agreed optimum's value
      under the same draw [value points]; NaN where the drawn costs break one of its limits),
      actions (count), portfolio (ids joined by ';').
    selected: draw x action, True where the draw's optimum funds the action.
    core: per action: name, theme, core_index [0..1], status (core / borderline / exterior),
      in_baseline (funded by the optimum under the agreed values).
    portfolios: distinct portfolios, most frequent first: portfolio, actions, draws, share,
      mean_value [value points], added and dropped (compared with the baseline).
    """

    draws: pd.DataFrame
    selected: pd.DataFrame
    core: pd.DataFrame
    portfolios: pd.DataFrame
    baseline: tuple[str, ...]
    settings: dict = field(default_factory=dict)

    @property
    def core_index(self) -> pd.Series:
        return self.core["core_index"]

    @property
    def borderline(self) -> list[str]:
        return list(self.core.index[self.core["status"] == "borderline"])

    @property
    def infeasible_draws(self) -> int:
        return int((~self.draws["status"].isin(FOUND_STATUSES)).sum())

    def value_summary(self) -> pd.Series:
        """Distribution of the optimal portfolio's value over feasible draws [value points]."""
        values = self.draws.loc[self.draws["status"].isin(FOUND_STATUSES), "value"]
        quantiles = values.quantile([0.05, 0.25, 0.5, 0.75, 0.95])
        return pd.Series({"draws": float(len(values)), "mean": values.mean(),
                          "std": values.std(ddof=1) if len(values) > 1 else 0.0,
                          "min": values.min(), "p5": quantiles[0.05], "p25": quantiles[0.25],
                          "median": quantiles[0.5], "p75": quantiles[0.75],
                          "p95": quantiles[0.95], "max": values.max()}, name="value")

    def to_dict(self, top: int = 5) -> dict:
        """Plain JSON-ready data, as the CLI prints it."""
        core = self.core.reset_index()
        return {
            "settings": self.settings,
            "infeasible_draws": self.infeasible_draws,
            "baseline": list(self.baseline),
            "core_index": [{"action": r.action, "core_index": round(float(r.core_index), 6),
                            "status": r.status, "in_baseline": bool(r.in_baseline)}
                           for r in core.itertuples()],
            "value": {k: round(float(v), 6) for k, v in self.value_summary().items()},
            "portfolios": [{"actions": r.portfolio.split(";") if r.portfolio else [],
                            "draws": int(r.draws), "share": round(float(r.share), 6),
                            "mean_value": round(float(r.mean_value), 6)}
                           for r in self.portfolios.head(top).itertuples()],
        }


def argument_error(argument: str, message: str) -> ModelError:
    """Bad input given as an argument (not in a file): the error names the argument."""
    return ModelError(Problem(argument, None, None, message))


# ---------------------------------------------------------------- the ranges


def plan_draws(model: Model, weight_concentration: float = DEFAULT_CONCENTRATION,
               cost_spread: float | Mapping[str, float] = 0.0) -> DrawPlan:
    """Collect the ranges of weights, scores and costs that each draw samples from."""
    if not weight_concentration > 0:
        raise argument_error("weight_concentration",
                             f"must be above 0, not {weight_concentration!r}")
    spreads = _cost_spreads(model, cost_spread)
    criteria = model.criteria
    weight = criteria["weight"].to_numpy(float)
    low = criteria["weight_low"].to_numpy(float)
    high = criteria["weight_high"].to_numpy(float)
    ranged = ~np.isnan(low) & ~np.isnan(high)
    low, high = np.where(ranged, low, np.nan), np.where(ranged, high, np.nan)
    free = ~ranged & (weight > 0)
    total = float(weight[free].sum())
    alpha = np.where(free, weight_concentration * weight / total if total else 0.0, 0.0)

    scores = model.scores
    spread = scores.groupby(["action", "criterion"])["score"].agg(["min", "max"])
    cell = pd.MultiIndex.from_frame(scores[["action", "criterion"]])
    group_low = spread["min"].reindex(cell).to_numpy()
    group_high = spread["max"].reindex(cell).to_numpy()
    has_range = scores["low"].notna() | scores["high"].notna()
    score_low = np.where(has_range, scores["low"].fillna(scores["score"]), group_low)
    score_high = np.where(has_range, scores["high"].fillna(scores["score"]), group_high)

    names = model.resource_names
    cost_low = np.ones((len(model.actions), len(names)))
    cost_high = np.ones((len(model.actions), len(names)))
    for k, resource in enumerate(names):
        amount = model.actions[resource].to_numpy(float)
        cost_low[:, k] -= spreads[resource]
        cost_high[:, k] += spreads[resource]
        stated = _stated_range(model, resource)
        if stated is not None:
            given = stated.notna().all(axis=1).to_numpy() & (amount > 0)
            cost_low[given, k] = stated["low"].to_numpy()[given] / amount[given]
            cost_high[given, k] = stated["high"].to_numpy()[given] / amount[given]
    return DrawPlan(tuple(criteria.index), low, high, alpha, total, score_low, score_high,
                    cost_low, cost_high, tuple(names), ValueMap.of(model))


def _cost_spreads(model: Model, cost_spread) -> dict[str, float]:
    names = model.resource_names
    if isinstance(cost_spread, Mapping):
        unknown = [r for r in cost_spread if r not in names]
        if unknown:
            names_given = ", ".join(map(repr, unknown))
            raise argument_error("cost_spread", f"names unknown resource(s) {names_given} "
                                 f"(the model has {', '.join(names)})")
        spreads = {r: float(cost_spread.get(r, 0.0)) for r in names}
    else:
        spreads = {r: float(cost_spread) for r in names}
    for resource, spread in spreads.items():
        if not 0 <= spread < 1:
            raise argument_error("cost_spread", f"for {resource!r} must be a share from 0 to "
                                 f"below 1 (e.g. 0.1 for +-10%), not {spread!r}")
    return spreads


def _stated_range(model: Model, resource: str) -> pd.DataFrame | None:
    """Columns `<resource>_low` / `<resource>_high` of the actions table as numbers, checked."""
    columns = [f"{resource}_low", f"{resource}_high"]
    if not all(c in model.actions for c in columns):
        return None
    table = pd.DataFrame(index=model.actions.index)
    problems = []
    for bound, column in zip(("low", "high"), columns):
        text = model.actions[column].astype(object).where(model.actions[column].notna(), "")
        numbers = pd.to_numeric(text.astype(str).str.replace(",", "").replace("", np.nan),
                                errors="coerce")
        for action in numbers.index[numbers.isna() & (text.astype(str).str.strip() != "")]:
            problems.append(Problem("actions.csv", None, column,
                                    f"action {action!r}: {text[action]!r} is not a number"))
        table[bound] = numbers.astype(float)
    amount = model.actions[resource].astype(float)
    outside = table["low"].gt(amount) | table["high"].lt(amount) | table["low"].lt(0)
    for action in table.index[outside]:
        problems.append(Problem("actions.csv", None, f"{resource}_low",
                                f"action {action!r}: {resource} {amount[action]:g} must lie "
                                f"within {resource}_low..{resource}_high (and the low end at "
                                "least 0)"))
    if problems:
        raise ModelError(problems)
    return table


# ---------------------------------------------------------------- one draw


def draw_inputs(model: Model, plan: DrawPlan, seed: np.random.SeedSequence
                ) -> tuple[pd.Series, Model]:
    """One draw: the perturbed action values [value points] and the model with perturbed costs."""
    rng = np.random.default_rng(seed)
    weights = np.zeros(len(plan.criteria))
    ranged = plan.ranged
    weights[ranged] = rng.uniform(plan.weight_low[ranged], plan.weight_high[ranged])
    free = plan.dirichlet_alpha > 0
    if free.any():
        weights[free] = plan.dirichlet_total * rng.dirichlet(plan.dirichlet_alpha[free])
    if weights.sum() <= 0:  # every ranged weight drew zero and nothing else carries weight
        weights = model.criteria["weight"].to_numpy(float)
    drawn_scores = rng.uniform(plan.score_low, plan.score_high)
    if plan.values is not None:
        values = plan.values.values(drawn_scores, weights, model.actions.index)
    else:
        values = action_values(model, pd.Series(weights, index=list(plan.criteria)),
                               model.scores.assign(score=drawn_scores))
    if not plan.varies_costs:
        return values, model
    factors = rng.uniform(plan.cost_low, plan.cost_high)
    actions = model.actions.copy()
    for k, resource in enumerate(plan.resources):
        actions[resource] = actions[resource] * factors[:, k]
        actions[resource + SETUP_SUFFIX] = actions[resource + SETUP_SUFFIX] * factors[:, k]
    profiles = model.profiles
    if len(profiles):  # a cost profile moves with its action's running amount
        factor = pd.DataFrame(factors, index=model.actions.index, columns=list(plan.resources))
        profiles = profiles.assign(amount=profiles["amount"].to_numpy(float) * [
            factor.at[a, r] for a, r in zip(profiles["action"], profiles["resource"])])
    return values, replace(model, actions=actions, profiles=profiles)


def run_draws(model: Model, plan: DrawPlan, draws: list[tuple[int, np.random.SeedSequence]],
              baseline: PortfolioResult | None, options: Options) -> list[dict]:
    """Optimise each draw of a chunk; one record per draw (runs in a worker process).

    When only the values move (no cost ranges) and HiGHS solves, the chunk shares one
    Reoptimiser: the MILP is built once and each draw starts from the best portfolio so far.
    """
    solve = _draw_solver(model, plan, options)
    shares = (horizon_shares(model, baseline.start_year, baseline.horizon, baseline.shares)
              if baseline is not None else None)
    records = []
    for draw, seed in draws:
        values, drawn = draw_inputs(model, plan, seed)
        result = solve(drawn, values)
        fits = baseline is not None and (drawn is model or _still_fits(drawn, baseline, values,
                                                                       options))
        records.append({
            "draw": draw, "status": result.status, "value": result.value["total"],
            "standalone": result.value["standalone"], "synergy": result.value["synergy"],
            "critical_mass": result.value["critical_mass"],
            "baseline_value": portfolio_value(model, baseline, values, shares) if fits
            else np.nan,
            "selected": result.selected if result.found else (),
            "shares": dict(result.shares) if result.found else {},  # of actions funded in part
        })
    return records


def _draw_solver(model: Model, plan: DrawPlan, options: Options):
    """solve(drawn model, values) -> PortfolioResult for the draws of one chunk (an
    infeasible draw needs no explanation)."""
    if plan.varies_costs or options.solver != "highs":
        return lambda drawn, values: optimise(drawn, options.changed(values=values),
                                              explain=False)
    reoptimiser = Reoptimiser(model, options)
    return lambda drawn, values: reoptimiser.optimise(values=values,
                                                      time_limit=options.time_limit,
                                                      explain=False)


def _still_fits(drawn: Model, baseline: PortfolioResult, values: pd.Series,
                options: Options) -> bool:
    """Whether the agreed optimum still keeps every limit and rule once costs are drawn."""
    return evaluate(drawn, baseline, options.changed(values=values)).fits


def portfolio_value(model: Model, result: PortfolioResult, values: pd.Series,
                    shares: dict[str, float] | None = None) -> float:
    """A fixed portfolio's value [value points] when the action values change (bonuses do not).

    shares: `schedule.horizon_shares` of the portfolio, if already worked out (many draws,
    one portfolio)."""
    if shares is None:
        shares = horizon_shares(model, result.start_year, result.horizon, result.shares)
    standalone = sum(values[a] * share for a, share in shares.items())
    return float(standalone + result.value["synergy"] + result.value["critical_mass"])


# ---------------------------------------------------------------- the whole run


def process_pool(workers: int = 2) -> ProcessPoolExecutor:
    """A process pool that is safe with the solver: 'spawn' workers, not forks.

    A forked worker inherits a solver thread pool it cannot use and can hang for ever, so
    create pools with this (or pass mp_context=multiprocessing.get_context('spawn')).
    """
    if not isinstance(workers, int) or workers < 1:
        raise argument_error("workers", f"must be a whole number of at least 1, not {workers!r}")
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


SCHEDULER_TIMEOUT = 10.0  # [s] to reach a Dask scheduler and find a worker on it


@contextmanager
def cluster_executor(address: str, timeout: float | None = None) -> Iterator[Executor]:
    """An executor on a running Dask cluster, for `robustness(model, executor=...)`.

    address: the scheduler's address as `dask scheduler` prints it, e.g. 'tcp://10.0.0.5:8786';
    timeout: how long to wait for the scheduler, and for at least one worker [s] (default
    SCHEDULER_TIMEOUT). The connection closes when the `with` block ends. Needs the
    `distributed` package (the `dask` extra) here and workbench on every worker.
    """
    timeout = SCHEDULER_TIMEOUT if timeout is None else timeout
    try:
        from distributed import Client
        from distributed.comm import get_address_host_port
    except ImportError:
        raise WorkbenchError("--scheduler / cluster_executor needs the 'distributed' package: "
                             "pip install 'workbench[dask]' (or pip install distributed)"
                             ) from None
    try:
        get_address_host_port(address)
    except ValueError as error:
        raise WorkbenchError(f"scheduler address {address!r}: {error}; expected the address "
                             "`dask scheduler` prints, e.g. tcp://10.0.0.5:8786") from None
    # Made in two steps so that a failed connection can still be closed here: otherwise its
    # finaliser waits seconds at exit and prints a traceback.
    client = Client.__new__(Client)
    try:
        client.__init__(address, timeout=timeout, set_as_default=False)
    except Exception as error:  # a refused port, a timeout, a peer that is not Dask
        client.close()
        reason = (str(error).splitlines()[0] if isinstance(error, OSError) and str(error)
                  else "what answers there is not a Dask scheduler")
        raise WorkbenchError(f"cannot reach a Dask scheduler at {address} ({reason}): start "
                             "one with `dask scheduler` and give the address it prints") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        client.close()
        raise WorkbenchError(f"the Dask scheduler at {address} has no worker after {timeout:g} s: "
                             f"start one with `dask worker {address}`") from None
    try:
        yield client.get_executor()
    finally:
        client.close()


def robustness(model: Model, samples: int = 1000, seed: int = 0, executor: Executor | None = None,
               weight_concentration: float = DEFAULT_CONCENTRATION,
               cost_spread: float | Mapping[str, float] = 0.0, progress: bool = True,
               chunk_size: int | None = None, workers: int | None = None,
               options: Options | None = None, **keywords) -> RobustnessResult:
    """Re-optimise `samples` perturbed copies of the model and report how robust each choice is.

    executor: any concurrent.futures.Executor (default: this process); draws go out in chunks
      (chunk_size draws each), so the model is sent once per chunk. Use `process_pool(workers)`
      for both cores, or a dask.distributed Client's `get_executor()` for a cluster.
    workers: instead of an executor, run on a process pool of this many workers made (and
      shut down) for this call.
    weight_concentration: Dirichlet concentration for criteria without weight_low/weight_high.
    cost_spread: +- share of each amount [0..1) for actions without `<resource>_low`/`_high`,
      one number for every resource or {resource: share}.
    options / keywords: the run's options, as for `optimise` (limits, solver, include,
      exclude, horizon, ...; not weights or values, which the draws set).
    """
    if (not isinstance(samples, int) or isinstance(samples, bool)
            or not 1 <= samples <= MOST_SAMPLES):
        raise argument_error("samples", f"must be a whole number of at least 1, not "
                             f"{samples!r} (and at most {MOST_SAMPLES:,})")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise argument_error("seed", f"must be a whole number of at least 0, not {seed!r}")
    reserved = [k for k in ("values", "weights") if keywords.get(k) is not None
                or getattr(options, k, None) is not None]
    if reserved:
        raise argument_error(reserved[0], f"robustness draws its own {' and '.join(reserved)}: "
                             f"do not pass {', '.join(k + '=' for k in reserved)}")
    options = run_options(model, options, **keywords)
    if workers is not None:
        if executor is not None:
            raise argument_error("workers", "give either executor= or workers=, not both")
        with process_pool(workers) as pool:
            return robustness(model, samples, seed, pool, weight_concentration, cost_spread,
                              progress, chunk_size, options=options)
    _check_executor(executor)
    plan = plan_draws(model, weight_concentration, cost_spread)
    baseline = optimise(model, options)
    seeds = list(enumerate(np.random.SeedSequence(seed).spawn(samples)))
    records = _collect(model, plan, seeds, baseline if baseline.found else None,
                       options, executor, progress, chunk_size)
    settings = {"samples": samples, "seed": seed, "weight_concentration": weight_concentration,
                "cost_spread": dict(cost_spread) if isinstance(cost_spread, Mapping)
                else float(cost_spread)}
    return summarise(model, records, baseline.selected, settings)


def _check_executor(executor) -> None:
    if executor is None:
        return
    if not isinstance(executor, Executor) and not hasattr(executor, "submit"):
        raise argument_error("executor", "must be a concurrent.futures.Executor, not "
                             f"{type(executor).__name__}")
    context = getattr(executor, "_mp_context", None)
    if context is not None and context.get_start_method() == "fork":
        raise argument_error("executor", "a process pool that forks its workers can hang once "
                             "the solver has run in this process; use wb.process_pool(workers) "
                             "or ProcessPoolExecutor(mp_context=multiprocessing.get_context("
                             "'spawn'))")


def _collect(model, plan, seeds, baseline, options, executor, progress, chunk_size):
    """Run the draws in chunks (in this process or on the executor), in draw order."""
    from tqdm.auto import tqdm

    size = chunk_size or max(1, min(50, math.ceil(len(seeds) / 16)))
    chunks = [seeds[k:k + size] for k in range(0, len(seeds), size)]
    bar = tqdm(total=len(seeds), desc="robustness draws", unit="draw", delay=1.0,
               disable=not progress)
    records: list[dict] = []
    try:
        if executor is None:  # the same chunks as on an executor: the same answers
            for chunk in chunks:
                records += run_draws(model, plan, chunk, baseline, options)
                bar.update(len(chunk))
        else:
            futures = {executor.submit(run_draws, model, plan, chunk, baseline, options):
                       len(chunk) for chunk in chunks}
            for future in as_completed(futures):
                records += future.result()
                bar.update(futures[future])
    except BrokenExecutor as error:
        raise WorkbenchError(
            f"a worker process stopped ({error}); in a script, call robustness under "
            "`if __name__ == '__main__':`, since spawned workers import the script again"
        ) from error
    finally:
        bar.close()
    return sorted(records, key=lambda record: record["draw"])


# ---------------------------------------------------------------- summaries


def classify(core_index: pd.Series) -> pd.Series:
    """core (>= 0.9), exterior (<= 0.1) or borderline, from core indices [0..1]."""
    status = np.where(core_index >= CORE, "core",
                      np.where(core_index <= EXTERIOR, "exterior", "borderline"))
    return pd.Series(status, index=core_index.index, name="status")


def summarise(model: Model, records: list[dict], baseline: tuple[str, ...],
              settings: dict) -> RobustnessResult:
    """Core indices, classes, the value distribution and the most frequent portfolios."""
    actions = list(model.actions.index)
    draws = pd.DataFrame([{k: v for k, v in r.items() if k not in ("selected", "shares")}
                          for r in records])
    draws["actions"] = [len(r["selected"]) for r in records]
    draws["portfolio"] = [";".join(r["selected"]) for r in records]
    selected = pd.DataFrame(False, index=pd.Index(draws["draw"], name="draw"), columns=actions)
    for r in records:
        selected.loc[r["draw"], list(r["selected"])] = True
    solved = draws["status"].isin(FOUND_STATUSES).to_numpy()
    index = selected[solved].mean() if solved.any() else pd.Series(0.0, index=actions)
    core = pd.DataFrame({"name": model.actions["name"], "theme": model.actions["theme"],
                         "core_index": index.astype(float)})
    core["status"] = classify(core["core_index"])
    core["in_baseline"] = core.index.isin(baseline)
    core = core.sort_values(["core_index", "in_baseline"], ascending=False, kind="stable")
    core.index.name = "action"
    return RobustnessResult(draws, selected, core, _distinct_portfolios(draws[solved], baseline),
                            tuple(baseline), settings)


def _distinct_portfolios(draws: pd.DataFrame, baseline: tuple[str, ...]) -> pd.DataFrame:
    table = (draws.groupby("portfolio", sort=False)
             .agg(actions=("actions", "first"), draws=("draw", "size"),
                  mean_value=("value", "mean"), first_draw=("draw", "min"))
             .reset_index())
    table["share"] = table["draws"] / max(1, len(draws))
    members = table["portfolio"].str.split(";").map(lambda ids: {i for i in ids if i})
    table["added"] = members.map(lambda ids: ", ".join(sorted(ids - set(baseline))))
    table["dropped"] = members.map(lambda ids: ", ".join(sorted(set(baseline) - ids)))
    table = table.sort_values(["draws", "first_draw"], ascending=[False, True], kind="stable")
    return table[["portfolio", "actions", "draws", "share", "mean_value", "added", "dropped"]
                 ].reset_index(drop=True)
