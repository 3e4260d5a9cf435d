"""The what-if dashboard: controls for leads, views that follow every change.

Two layers, so the logic can be tested without a browser:
- `WhatIf`, a plain-Python controller: holds the settings (a `Scenario`), the last good
  portfolio, the pinned baseline and cached results; calls `optimise`, `frontier` and
  `explain`; returns small tables. It does no maths of its own.
- `Dashboard`, an ipywidgets box: sliders, pickers and buttons that set the controller, and
  HTML views that show its tables.

Fast views (headline, portfolio table, value by criterion, frontier marker, timeline) follow a
change at once. Slow views (the frontier itself, many solves; the explanation, one solve per
action) are worked out once per settings, cached, and in a live kernel computed on a
background thread so the controls never wait for them.
"""
from __future__ import annotations

import base64
import html
import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import ipywidgets as widgets
import pandas as pd

from .errors import WorkbenchError
from .model import Model, PortfolioResult
from .plan import format_amount
from .portfolio import optimise
from .scenarios import (AGREED, COMBINED, Scenario, apply_scenario, load_scenario,
                        load_scenarios, save_scenario, scenario_names, scenario_table,
                        scenario_weights, stakeholder_choices, stakeholder_weights)
from .options import Options
from .reoptimise import Reoptimiser
from .rules import forced_actions, whole_horizon_limits
from .schedule import resource_amounts
from .scoring import action_values, normalised_weights

CACHE_SIZE = 64  # portfolios kept per dashboard (one per distinct settings)
REOPTIMISERS = 8  # MILPs kept per dashboard (one per include / exclude / horizon / streams)
FRONTIER_STEPS = 25  # the dashboard's frontier merges steps closer than range / this
EXPLAINED_EXCLUSIONS = 5  # closest calls listed in the explanation
EXPLAIN_EVERY_ACTION_UP_TO = 40  # actions; `explain` re-optimises once per action


# ---------------------------------------------------------------- the controller


@dataclass(frozen=True)
class FrontierView:
    """A frontier table for some settings, with the resource it varies and the budget in force."""

    table: pd.DataFrame | None
    resource: str
    budget: float | None
    current: bool  # computed for the settings in force (False: an older one, or none yet)


class WhatIf:
    """The dashboard's state and logic: settings in, portfolio and tables out.

    model: a loaded model; scenario: a scenario name from its scenarios.csv to start from;
    resource: the resource the frontier varies (default the first, e.g. cost).
    """

    def __init__(self, model: Model, scenario: str | None = None, *, solver: str = "highs",
                 resource: str | None = None):
        self.model = model
        self.solver = solver
        self.resource = resource or model.resource_names[0]
        self.notices: list[str] = []
        try:
            self.scenarios = load_scenarios(model)
        except WorkbenchError as error:
            self.scenarios = scenario_table(Scenario()).iloc[0:0]
            self.notices = ["scenarios.csv cannot be used: " + line
                            for line in _error_lines(error)]
        self.requested = Scenario()  # what the controls say
        self.settings: Scenario | None = None  # the settings of the portfolio shown
        self.result: PortfolioResult | None = None  # the last good portfolio
        self.problems: list[str] = []  # why the requested settings have no portfolio
        self.baseline: PortfolioResult | None = None
        self.baseline_name = ""
        self._lock = threading.RLock()
        self._results: OrderedDict[tuple, PortfolioResult] = OrderedDict()
        self._values: OrderedDict[tuple, pd.Series] = OrderedDict()
        self._frontiers: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._explanations: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._reoptimisers: OrderedDict[tuple, Reoptimiser] = OrderedDict()
        self._solve_lock = threading.Lock()
        self._model_limits = whole_horizon_limits(model)  # {resource: limit} of the model
        start = Scenario()
        if scenario:
            try:
                start = load_scenario(model, scenario, self.scenarios)
            except WorkbenchError as error:
                self.notices += _error_lines(error)
        self.apply(start)
        self.pin_baseline("the model as given" if not scenario else scenario)

    # ------------------------------------------------------------ changing settings

    def apply(self, settings: Scenario) -> bool:
        """Optimise under new settings; True if a portfolio was found.

        Otherwise `problems` says why in words and the last good portfolio stays.
        """
        self.requested = settings
        try:
            model, options = apply_scenario(self.model, settings)
            result = self._optimise(settings, model, options)
        except WorkbenchError as error:
            self.problems = _error_lines(error)
            return False
        if not result.found:
            self.problems = result.reasons or [f"no portfolio satisfies every constraint "
                                               f"({result.status})"]
            return False
        self.result, self.settings, self.problems = result, settings, []
        return True

    def set_limit(self, resource: str, amount: float) -> bool:
        """A resource's limit over the whole horizon [its unit]; the model's own clears it."""
        limits = dict(self.requested.limits)
        if _same(amount, self.model_limit(resource)):
            limits.pop(resource, None)
        else:
            limits[resource] = float(amount)
        return self.apply(self.requested.changed(limits=limits))

    def set_stream_limit(self, stream: str, amount: float) -> bool:
        """A funding stream's limit over the whole horizon [pounds]."""
        limits = dict(self.requested.stream_limits)
        if _same(amount, self.model_stream_limit(stream)):
            limits.pop(stream, None)
        else:
            limits[stream] = float(amount)
        return self.apply(self.requested.changed(stream_limits=limits))

    def set_weight(self, criterion: str, weight: float) -> bool:
        """A criterion's weight [relative], on top of the chosen stakeholder's weights."""
        weights = dict(self.requested.weights)
        base = stakeholder_weights(self.model, self.requested.stakeholder)
        if _same(weight, base[criterion]):
            weights.pop(criterion, None)
        else:
            weights[criterion] = float(weight)
        return self.apply(self.requested.changed(weights=weights))

    def set_stakeholder(self, choice: str) -> bool:
        """Start from other weights (agreed, combined or a group's); weight changes are reset."""
        return self.apply(self.requested.changed(stakeholder=choice, weights={}))

    def set_include(self, actions) -> bool:
        return self.apply(self.requested.changed(include=tuple(actions)))

    def set_exclude(self, actions) -> bool:
        return self.apply(self.requested.changed(exclude=tuple(actions)))

    def set_horizon(self, years: int | None) -> bool:
        years = None if years in (None, self.model.horizon) else int(years)
        return self.apply(self.requested.changed(horizon=years))

    def use_scenario(self, name: str | None) -> bool:
        """Replace every setting by a saved scenario's (None or '': the model as given)."""
        settings = load_scenario(self.model, name, self.scenarios) if name else Scenario()
        return self.apply(settings)

    def pin_baseline(self, name: str | None = None) -> None:
        """Compare everything from now on with the portfolio shown now."""
        self.baseline = self.result
        self.baseline_name = name or (self.settings.name if self.settings and
                                      self.settings.name else "pinned settings")

    def save(self, name: str, overwrite: bool = False, note: str = ""):
        """Save the requested settings as a named scenario in the model's scenarios.csv."""
        settings = self.requested.changed(name=name, note=note or self.requested.note)
        path = save_scenario(self.model, settings, overwrite=overwrite)
        self.scenarios = load_scenarios(self.model)
        self.requested = settings
        if self.settings is not None and self.settings.key() == settings.key():
            self.settings = settings
        return path

    # ------------------------------------------------------------ what is in force

    def model_limit(self, resource: str) -> float | None:
        """The model's own whole-horizon limit of a resource (None: limited per year only)."""
        return self._model_limits.get(resource)

    def model_stream_limit(self, stream: str) -> float | None:
        rows = self.model.funding[(self.model.funding["stream"] == stream)
                                  & self.model.funding["year"].isna()]
        return float(rows["limit"].iloc[0]) if len(rows) else None

    def limit(self, resource: str) -> float | None:
        """The limit the controls ask for [the resource's unit]."""
        return self.requested.limits.get(resource, self.model_limit(resource))

    def stream_limit(self, stream: str) -> float | None:
        return self.requested.stream_limits.get(stream, self.model_stream_limit(stream))

    def weights(self) -> pd.Series:
        """The weights the controls ask for [relative]."""
        return scenario_weights(self.model, self.requested)

    def normalised_weights(self) -> pd.Series | None:
        """Those weights as shares summing to 1 (None when they add up to zero)."""
        weights = self.weights()
        return normalised_weights(weights) if weights.sum() > 0 else None

    def horizon(self) -> int:
        return self.requested.horizon or self.model.horizon

    def horizon_choices(self) -> list[int]:
        """Horizons worth offering [years]: up to the model's or its longest action's duration."""
        durations = self.model.actions.get("duration_years", pd.Series(dtype=float))
        longest = int(durations.max()) if durations.notna().any() else 1
        return list(range(1, max(self.model.horizon, longest) + 1))

    # ------------------------------------------------------------ tables for the views

    def headline(self) -> dict:
        """Value [value points], its split, use of each resource and the change on the baseline."""
        result = self.result
        if result is None:
            return {"found": False, "problems": self.problems}
        baseline = self.baseline
        head = {
            "found": True, "status": result.status, "value": result.value,
            "cost": result.cost, "limits": {r: self.limit(r) for r in self.model.resource_names},
            "selected": len(result.selected), "actions": len(self.model.actions),
            "horizon": result.horizon, "warnings": list(result.warnings),
            "problems": self.problems, "baseline_name": self.baseline_name,
            "scenario": self.settings.name if self.settings else "",
        }
        if baseline is not None:
            head["change"] = {
                "value": result.value["total"] - baseline.value["total"],
                "cost": {r: result.cost[r] - baseline.cost[r] for r in result.cost},
                "added": [a for a in result.selected if a not in baseline.selected],
                "dropped": [a for a in baseline.selected if a not in result.selected],
            }
        return head

    def action_values(self) -> pd.Series:
        """Standalone value of each action under the weights in force [value points]."""
        settings = self.settings or self.requested
        key = (settings.stakeholder, tuple(sorted(settings.weights.items())))
        with self._lock:
            if key not in self._values:
                values = action_values(self.model, scenario_weights(self.model, settings))
                _remember(self._values, key, values, 16)
            return self._values[key]

    def portfolio_table(self) -> pd.DataFrame:
        """Every action: selected, in the baseline, change (added / dropped), forced, start year,
        standalone value [value points] and amount of each resource (set-up plus one year)
        [the resource's unit]."""
        model, result = self.model, self.result
        selected = set(result.selected) if result else set()
        baseline = set(self.baseline.selected) if self.baseline else selected
        settings = self.settings or self.requested
        forced = {**{a: "in" for a in settings.include}, **{a: "out" for a in settings.exclude}}
        for actions, mark in zip(forced_actions(model), ("in", "out")):
            for action in sorted(actions):
                forced.setdefault(action, mark + " (model)")
        running, setup = resource_amounts(model)
        table = pd.DataFrame({
            "name": model.actions["name"], "theme": model.actions["theme"],
            "lead": model.actions["lead"],
            "selected": [a in selected for a in model.actions.index],
            "baseline": [a in baseline for a in model.actions.index],
        }, index=model.actions.index)
        table["change"] = ["added" if s and not b else "dropped" if b and not s else ""
                           for s, b in zip(table["selected"], table["baseline"])]
        table["forced"] = [forced.get(a, "") for a in table.index]
        table["start_year"] = [result.start_year.get(a) if result else None for a in table.index]
        table["value"] = self.action_values()
        for resource in model.resource_names:
            table[resource] = running[resource] + setup[resource]
        order = (~table["selected"]).astype(int) * 2 + (table["change"] != "dropped").astype(int)
        return table.assign(order=order).sort_values(
            ["order", "value"], ascending=[True, False], kind="stable").drop(columns="order")

    def criterion_table(self) -> pd.DataFrame:
        """Value the portfolio (and the baseline) gets on each criterion [value points]."""
        names = self.model.criteria["name"]
        now = self.result.value_by_criterion if self.result else pd.Series(dtype=float)
        before = self.baseline.value_by_criterion if self.baseline else pd.Series(dtype=float)
        table = pd.DataFrame({"name": names, "value": now.reindex(names.index),
                              "baseline": before.reindex(names.index)})
        table["change"] = table["value"] - table["baseline"]
        return table

    # ------------------------------------------------------------ slow views, cached

    def frontier_key(self, settings: Scenario) -> tuple:
        """Everything the frontier depends on: the settings less the varied resource's limit."""
        others = settings.changed(limits={r: v for r, v in settings.limits.items()
                                          if r != self.resource})
        return others.key()

    def cached_frontier(self, settings: Scenario | None = None) -> pd.DataFrame | None:
        settings = settings or self.settings
        with self._lock:
            return self._frontiers.get(self.frontier_key(settings)) if settings else None

    def frontier(self, settings: Scenario | None = None) -> pd.DataFrame:
        """The efficient frontier over `resource` for some settings (default those in force)."""
        from .frontier import frontier, full_need

        settings = settings or self.settings
        key = self.frontier_key(settings)
        with self._lock:
            if key in self._frontiers:
                return self._frontiers[key]
        model, options = apply_scenario(self.model, settings)
        options = options.changed(solver=self.solver, limits={
            r: v for r, v in options.limits.items() if r != self.resource})
        top = full_need(model, self.resource, options.horizon)
        table = frontier(model, None, self.resource, None, options,
                         resolution=top / FRONTIER_STEPS)
        with self._lock:
            _remember(self._frontiers, key, table, 8)
        return table

    def frontier_view(self) -> FrontierView:
        """The frontier to draw now: the current one if cached, else the latest one known."""
        table = self.cached_frontier()
        current = table is not None
        with self._lock:
            if table is None and self._frontiers:
                table = next(reversed(self._frontiers.values()))
        return FrontierView(table, self.resource, self.limit(self.resource), current)

    def cached_explanation(self, settings: Scenario | None = None) -> pd.DataFrame | None:
        settings = settings or self.settings
        with self._lock:
            return self._explanations.get(settings.key()) if settings else None

    def explanation(self, settings: Scenario | None = None,
                    result: PortfolioResult | None = None) -> pd.DataFrame:
        """What the choices cost, most telling first [value points].

        Rows of kind 'forced in' / 'forced out' (the lead's own choices: value given up by
        each, from re-optimising without it) and 'left out' (the closest calls the optimiser
        left out: value lost if forced in, and what it would displace), from `explain`, which
        re-optimises once per action: worked out for models of up to
        EXPLAIN_EVERY_ACTION_UP_TO actions (attrs['closest_calls'] says whether).
        Columns: kind, action, name, cost [value points], displaces, reason.
        """
        from .explain import explain

        settings, result = settings or self.settings, result or self.result
        key = settings.key()
        with self._lock:
            if key in self._explanations:
                return self._explanations[key]
        model, options = apply_scenario(self.model, settings)
        options = options.changed(values=action_values(model, options.weights), weights=None,
                                  solver=self.solver)
        rows = []
        for kind, chosen in (("include", settings.include), ("exclude", settings.exclude)):
            for action in chosen:
                freer = options.changed(**{kind: tuple(a for a in getattr(options, kind)
                                                       if a != action)})
                better = optimise(model, freer, explain=False)
                rows.append({"kind": "forced in" if kind == "include" else "forced out",
                             "action": action, "name": model.actions.at[action, "name"],
                             "cost": max(better.objective - result.objective, 0.0),
                             "displaces": "", "reason": ""})
        closest_calls = len(model.actions) <= EXPLAIN_EVERY_ACTION_UP_TO
        if closest_calls:
            table = explain(model, result, options)
            left_out = table[(table["forced"] == "in") & ~table["action"].isin(settings.exclude)]
            left_out = left_out.sort_values(["regret", "action"]).head(EXPLAINED_EXCLUSIONS)
            for row in left_out.itertuples():
                rows.append({"kind": "left out", "action": row.action, "name": row.name,
                             "cost": row.regret, "displaces": row.dropped,
                             "reason": row.reason})
        frame = pd.DataFrame(rows, columns=["kind", "action", "name", "cost", "displaces",
                                            "reason"])
        frame.attrs["closest_calls"] = closest_calls
        with self._lock:
            _remember(self._explanations, key, frame, 16)
        return frame

    # ------------------------------------------------------------ internals

    def _optimise(self, settings: Scenario, model: Model, options: Options) -> PortfolioResult:
        key = settings.key()
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        if self.solver != "highs":
            result = optimise(model, options.changed(solver=self.solver))
        else:
            with self._solve_lock:
                result = self._reoptimiser(settings, model, options).optimise(
                    weights=options.weights, limits={**self._model_limits, **options.limits})
        with self._lock:
            _remember(self._results, key, result, CACHE_SIZE)
        return result

    def _reoptimiser(self, settings: Scenario, model: Model, options: Options) -> Reoptimiser:
        """The MILP for these settings, kept while only weights and resource limits change."""
        key = (settings.changed(limits={}, weights={}, stakeholder=AGREED, name="").key(),
               tuple(sorted(r for r in options.limits if r not in self._model_limits)))
        with self._lock:
            if key in self._reoptimisers:
                self._reoptimisers.move_to_end(key)
                return self._reoptimisers[key]
        reoptimiser = Reoptimiser(model, options.changed(weights=None))
        with self._lock:
            _remember(self._reoptimisers, key, reoptimiser, REOPTIMISERS)
        return reoptimiser


def _remember(cache: OrderedDict, key, value, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


def _error_lines(error: Exception) -> list[str]:
    problems = getattr(error, "problems", None)
    if problems:
        return [str(p).removeprefix("<model>: ") for p in problems]
    explanation = getattr(error, "explanation", None)
    return [str(error).splitlines()[0], *(explanation or [])]


# ---------------------------------------------------------------- HTML for the views

STYLE = """<style>
.wb-dash {font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; font-size: 13px;}
.wb-dash h3 {margin: 10px 0 4px 0; font-size: 14px;}
.wb-head {background: #f5f7fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px;}
.wb-big {font-size: 24px; font-weight: 600;}
.wb-plus {color: #1b5e20;} .wb-minus {color: #b71c1c;}
.wb-problems {background: #fff4e5; border: 1px solid #f0a030; border-radius: 6px;
  padding: 6px 10px; margin-top: 6px;}
.wb-table {border-collapse: collapse; width: 100%;}
.wb-table th {text-align: left; border-bottom: 2px solid #999; padding: 2px 6px;}
.wb-table td {border-bottom: 1px solid #e3e3e3; padding: 2px 6px;}
.wb-table td.num, .wb-table th.num {text-align: right; font-variant-numeric: tabular-nums;}
.wb-table tr.wb-out td {color: #777;}
.wb-table tr.wb-added td {background: #e3f4e1;}
.wb-table tr.wb-dropped td {background: #fde7e7; text-decoration: line-through;}
.wb-bar {background: #5c7cfa; height: 10px; display: inline-block;}
.wb-bar-base {background: #adb5bd; height: 4px; display: block;}
.wb-muted {color: #777;}
</style>"""


def _e(text) -> str:
    return html.escape(str(text))


def _signed(number: float, digits: int = 1) -> str:
    text = f"{number:+,.{digits}f}"
    return text if abs(number) >= 0.5 * 10 ** -digits else f"{0:.{digits}f}"


def _amount(amount: float | None, resource: str) -> str:
    """An amount without its resource's name (the column or label gives it): £ for cost."""
    if amount is None:
        return "no limit"
    return format_amount(amount, resource).removesuffix(f" {resource}")


def headline_html(head: dict, model: Model) -> str:
    """Value, split, use of each resource, change on the baseline, and any problem."""
    parts = ['<div class="wb-head">']
    if not head["found"]:
        parts.append('<div class="wb-big">No portfolio yet</div>')
    else:
        value = head["value"]
        parts.append(f'<div class="wb-big"><span class="wb-value" data-value="{value["total"]!r}">'
                     f'{value["total"]:,.1f}</span> value points</div>')
        years = "" if head["horizon"] == 1 else f" over {head['horizon']} years"
        parts.append(f'<div>standalone {value["standalone"]:,.1f} + synergy '
                     f'{value["synergy"]:,.1f} + critical mass {value["critical_mass"]:,.1f}; '
                     f'{head["selected"]} of {head["actions"]} actions{years}</div>')
        uses = []
        for resource, used in head["cost"].items():
            limit = head["limits"].get(resource)
            uses.append(f'<span class="wb-cost" data-resource="{_e(resource)}" '
                        f'data-amount="{used!r}">{_e(resource)} {_e(_amount(used, resource))}'
                        f' of {_e(_amount(limit, resource))}</span>')
        parts.append("<div>" + " &nbsp;|&nbsp; ".join(uses) + "</div>")
        change = head.get("change")
        if change is not None:
            gain = change["value"]
            tone = "wb-plus" if gain > 1e-9 else "wb-minus" if gain < -1e-9 else ""
            costs = ", ".join(f"{_e(r)} {_e(_signed_amount(v, r))}"
                              for r, v in change["cost"].items())
            parts.append(f'<div class="wb-change">Against the baseline '
                         f'({_e(head["baseline_name"])}): <b class="{tone}">{_signed(gain)} '
                         f'value points</b>, {costs}; {len(change["added"])} added, '
                         f'{len(change["dropped"])} dropped</div>')
        for warning in head["warnings"]:
            parts.append(f'<div class="wb-muted">{_e(warning)}</div>')
    if head["problems"]:
        items = "".join(f"<li>{_e(p)}</li>" for p in head["problems"])
        kept = " The portfolio shown is the last one that worked." if head["found"] else ""
        parts.append(f'<div class="wb-problems"><b>No portfolio satisfies these settings.</b>'
                     f"{kept}<ul>{items}</ul></div>")
    parts.append("</div>")
    return "".join(parts)


def _signed_amount(amount: float, resource: str) -> str:
    if abs(amount) < 1e-9:  # sums of floats leave dust such as 8.9e-16
        amount = 0.0
    text = _amount(abs(amount), resource)
    return ("+" if amount > 0 else "-" if amount < 0 else "±") + text


def portfolio_html(table: pd.DataFrame, model: Model, horizon: int) -> str:
    """The portfolio table: funded actions first, added and dropped ones highlighted."""
    resources = model.resource_names
    selected = ";".join(sorted(table.index[table["selected"]]))
    head = ["", "action", "theme", "lead", "value"] + resources
    if horizon > 1:
        head.insert(2, "start")
    cells = "".join(f'<th class="{"num" if h in ("value", "start", *resources) else ""}">'
                    f"{_e(h)}</th>" for h in head)
    rows = []
    for action, row in table.iterrows():
        classes = ["wb-in" if row["selected"] else "wb-out"]
        if row["change"]:
            classes.append(f"wb-{row['change']}")
        mark = "&#10003;" if row["selected"] else ""
        note = row["change"] or ""
        if row["forced"]:
            note = (note + " " if note else "") + f"forced {row['forced']}"
        cells_row = [f"<td>{mark}</td>",
                     f'<td title="{_e(action)}">{_e(row["name"])}'
                     f'{f" <i class=wb-muted>({_e(note)})</i>" if note else ""}</td>']
        if horizon > 1:
            start = row["start_year"]
            cells_row.append(f'<td class="num">{"" if pd.isna(start) else int(start)}</td>')
        cells_row += [f"<td>{_e(row['theme'])}</td>", f"<td>{_e(row['lead'])}</td>",
                      f'<td class="num">{row["value"]:.1f}</td>']
        cells_row += [f'<td class="num">{_e(_amount(row[r], r))}</td>' for r in resources]
        rows.append(f'<tr class="{" ".join(classes)}" data-action="{_e(action)}">'
                    + "".join(cells_row) + "</tr>")
    caption = ("value: standalone value points under the weights in force; amounts: set-up "
               "plus one year's running amount")
    return (f'<table class="wb-table wb-portfolio" data-selected="{_e(selected)}">'
            f"<thead><tr>{cells}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f'<div class="wb-muted">{caption}</div>')


def criteria_html(table: pd.DataFrame) -> str:
    """Value by criterion as bars: the portfolio's (blue) over the baseline's (grey)."""
    top = max(float(table[["value", "baseline"]].max().max()), 1e-9) if len(table) else 1.0
    rows = []
    for _, row in table.iterrows():
        value = 0.0 if pd.isna(row["value"]) else row["value"]
        base = 0.0 if pd.isna(row["baseline"]) else row["baseline"]
        change = "" if pd.isna(row["change"]) else _signed(row["change"])
        rows.append(f"<tr><td>{_e(row['name'])}<br>"
                    f"<span class='wb-bar' style='width:{100 * value / top:.1f}%'></span>"
                    f"<span class='wb-bar-base' style='width:{100 * base / top:.1f}%'></span></td>"
                    f"<td class='num'>{value:,.1f}</td><td class='num'>{change}</td></tr>")
    return ("<table class='wb-table wb-criteria'><thead><tr><th>criterion (blue: now, grey: "
            "baseline)</th><th class='num'>value points</th><th class='num'>change</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def explanation_html(table: pd.DataFrame | None, model: Model) -> str:
    """What the lead's own choices cost, and the closest calls left out, in words."""
    if table is None:
        return "<div class='wb-muted'>Working out what each choice costs…</div>"
    names = model.actions["name"]
    items = []
    if not table.attrs.get("closest_calls", True):
        items.append(f"<li class='wb-muted'>The closest calls are worked out on every change "
                     f"for models of up to {EXPLAIN_EVERY_ACTION_UP_TO} actions; this one has "
                     f"{len(names)} (wb.explain gives them all).</li>")
    elif table.empty:
        return "<div class='wb-muted'>Every action is funded: nothing is left out.</div>"
    for row in table.itertuples():
        if row.kind.startswith("forced"):
            verb = "in" if row.kind == "forced in" else "out"
            items.append(f"<li>You forced <b>{_e(row.name)}</b> {verb}: that gives up "
                         f"<b>{row.cost:,.1f} value points</b>.</li>")
        elif math.isinf(row.cost):
            why = f" ({_e(row.reason)})" if row.reason else ""
            items.append(f"<li><b>{_e(row.name)}</b> cannot be added under these settings{why}."
                         "</li>")
        else:
            displaced = [names.get(a, a) for a in str(row.displaces).split(";") if a]
            instead = (f", in place of {_e(', '.join(displaced))}" if displaced else "")
            items.append(f"<li><b>{_e(row.name)}</b>: forcing it in would lose "
                         f"<b>{row.cost:,.1f} value points</b>{instead}.</li>")
    return f"<ul class='wb-explanation'>{''.join(items)}</ul>"


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class _Picture:
    """A figure as a PNG data URI, with where its x axis sits (figure fractions) and its range."""

    uri: str
    left: float
    width: float
    bottom: float
    height: float
    x_range: tuple[float, float]


def _picture(figure) -> _Picture:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    axes = figure.axes[0]
    box = axes.get_position()
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return _Picture(uri, box.x0, box.width, box.y0, box.height, tuple(axes.get_xlim()))


def frontier_html(picture: _Picture | None, view: FrontierView) -> str:
    """The frontier image with the budget in force marked by a line laid over it."""
    if picture is None:
        return "<div class='wb-muted'>Working out the efficient frontier…</div>"
    low, high = picture.x_range
    budget = view.budget
    marker = ""
    if budget is not None and high > low:
        share = min(max((budget - low) / (high - low), 0.0), 1.0)
        left = 100 * (picture.left + share * picture.width)
        top = 100 * (1 - picture.bottom - picture.height)
        marker = (f"<div class='wb-budget-marker' data-budget='{budget!r}' "
                  f"style='position:absolute;left:{left:.2f}%;top:{top:.2f}%;"
                  f"height:{100 * picture.height:.2f}%;border-left:2px dashed #d62728'></div>"
                  f"<div style='position:absolute;left:{left:.2f}%;top:{top:.2f}%;"
                  "font-size:11px;color:#d62728;padding-left:4px'>now: "
                  f"{_e(format_amount(budget, view.resource))}</div>")
    stale = "" if view.current else (
        "<div class='wb-muted'>Updating the frontier for the new settings…</div>")
    return (f"<div style='position:relative;width:100%'><img src='{picture.uri}' "
            f"style='width:100%;display:block' alt='efficient frontier'/>{marker}</div>{stale}")


# ---------------------------------------------------------------- the widgets


def _nice_step(top: float) -> float:
    """A round slider step: about 1/200 of the range (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return 1.0
    raw = top / 200
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _slider(description: str, value: float | None, top: float, tooltip: str = ""):
    step = _nice_step(top)
    top = math.ceil(max(top, value or 0.0, step) / step) * step
    slider = widgets.FloatSlider(
        value=top if value is None else value, min=0.0, max=top, step=step,
        description=description, continuous_update=False, readout=True,
        readout_format=f",.{_decimals(step)}f", tooltip=tooltip,
        style={"description_width": "150px"}, layout=widgets.Layout(width="98%"))
    return slider


class Dashboard(widgets.VBox):
    """The what-if dashboard for one model: controls on the left, views on the right.

    background: compute the slow views (frontier, explanation) on a thread after each change;
    default True inside a running kernel, False elsewhere (tests, scripts).
    defer: also compute the first slow views on that thread (the Voila app, so the page
    appears at once); the default computes them before the dashboard is shown, so a saved
    notebook holds them.
    """

    def __init__(self, model: Model, scenario: str | None = None, *,
                 background: bool | None = None, defer: bool = False, solver: str = "highs"):
        super().__init__()
        self.add_class("wb-dash")
        self.controller = WhatIf(model, scenario, solver=solver)
        self.background = _in_kernel() if background is None else background
        self._syncing = False
        self._generation = 0
        self._pending: int | None = None
        self._worker: threading.Thread | None = None
        self._render_lock = threading.RLock()
        self._picture: tuple[pd.DataFrame | None, _Picture | None] = (None, None)
        self._build_controls()
        self._build_views()
        self._sync_controls()
        self._render_fast()
        if self.controller.notices:
            self._show_message("; ".join(self.controller.notices), problem=True)
        if defer and self.background:
            self._request_slow()
        else:
            self._render_slow(self._generation)

    def __repr__(self) -> str:
        model = self.controller.model
        return (f"What-if dashboard: {len(model.actions)} actions, "
                f"{len(model.criteria)} criteria")

    # ------------------------------------------------------------ building

    def _build_controls(self) -> None:
        model, what_if = self.controller.model, self.controller
        horizon = what_if.horizon()
        self.scenario_picker = widgets.Dropdown(description="Scenario",
                                                style={"description_width": "60px"},
                                                layout=widgets.Layout(width="98%"))
        self._set_scenario_options()
        self.scenario_picker.observe(self._guard(self._on_scenario), names="value")
        self.pin_button = widgets.Button(description="Pin as baseline", icon="thumb-tack",
                                         tooltip="compare every later change with this portfolio")
        self.pin_button.on_click(self._guard(self._on_pin))
        from .frontier import full_need

        self.limit_sliders = {}
        for resource in model.resource_names:
            slider = _slider(resource, what_if.limit(resource),
                             full_need(model, resource, horizon),
                             f"limit on {resource} over the whole horizon")
            slider.add_class(f"wb-limit-{resource}")
            slider.observe(self._guard(self._on_limit, resource), names="value")
            self.limit_sliders[resource] = slider
        self.stream_sliders = {}
        for row in model.funding[model.funding["year"].isna()].itertuples():
            limit = what_if.stream_limit(row.stream)
            slider = _slider(row.stream, limit, max(2 * limit, full_need(model, row.resource,
                                                                          horizon)),
                             f"funding stream {row.stream}: limit over the whole horizon")
            slider.observe(self._guard(self._on_stream, row.stream), names="value")
            self.stream_sliders[row.stream] = slider
        names = dict(zip(model.stakeholders.get("stakeholder", []),
                         model.stakeholders.get("name", model.stakeholders.get("stakeholder", []))))
        labels = {AGREED: "agreed weights (criteria.csv)",
                  COMBINED: "all groups combined (weights.csv)"}
        self.stakeholder_picker = widgets.Dropdown(
            options=[(labels.get(c, f"{names.get(c, c)}'s own weights"), c)
                     for c in stakeholder_choices(model)],
            description="Weights of", style={"description_width": "70px"},
            layout=widgets.Layout(width="98%"))
        self.stakeholder_picker.observe(self._guard(self._on_stakeholder), names="value")
        every = [model.criteria["weight"].max()]
        if len(model.weights):
            every.append(model.weights["weight"].max())
        top = max(10.0, 2 * float(max(every)))
        self.weight_sliders, self.weight_shares = {}, {}
        for criterion, name in model.criteria["name"].items():
            slider = _slider(name, float(model.criteria.at[criterion, "weight"]), top,
                             f"weight of {criterion} (relative)")
            slider.layout.width = "82%"
            slider.observe(self._guard(self._on_weight, criterion), names="value")
            self.weight_sliders[criterion] = slider
            self.weight_shares[criterion] = widgets.HTML(layout=widgets.Layout(width="16%"))
        options = [(f"{name[:48]}", action) for action, name in model.actions["name"].items()]
        self.include_picker = widgets.SelectMultiple(options=options, rows=6,
                                                     layout=widgets.Layout(width="98%"))
        self.exclude_picker = widgets.SelectMultiple(options=options, rows=6,
                                                     layout=widgets.Layout(width="98%"))
        self.include_picker.observe(self._guard(self._on_include), names="value")
        self.exclude_picker.observe(self._guard(self._on_exclude), names="value")
        choices = what_if.horizon_choices()
        self.horizon_picker = widgets.Dropdown(
            options=[(f"{t} year{'s' if t > 1 else ''}", t) for t in choices],
            description="Horizon", style={"description_width": "60px"},
            layout=widgets.Layout(width="98%", display="" if len(choices) > 1 else "none"))
        self.horizon_picker.observe(self._guard(self._on_horizon), names="value")
        self.name_box = widgets.Text(placeholder="name, e.g. lean_year",
                                     layout=widgets.Layout(width="98%"))
        self.replace_box = widgets.Checkbox(description="replace a scenario of that name",
                                            indent=False)
        self.save_button = widgets.Button(description="Save scenario", icon="save")
        self.save_button.on_click(self._guard(self._on_save))
        self.message = widgets.HTML()

    def _build_views(self) -> None:
        heading = widgets.HTML(
            STYLE + "<h2 style='margin:4px 0'>What-if dashboard</h2><div class='wb-muted'>Move a "
            "limit or a weight, force actions in or out: the portfolio of most value is chosen "
            "again at once.</div>")
        self.headline_view = widgets.HTML()
        self.headline_view.add_class("wb-headline")
        self.frontier_view = widgets.HTML(layout=widgets.Layout(width="55%"))
        self.criteria_view = widgets.HTML(layout=widgets.Layout(width="45%"))
        self.timeline_view = widgets.HTML()
        self.portfolio_view = widgets.HTML()
        self.portfolio_view.add_class("wb-portfolio-view")
        self.explanation_view = widgets.HTML()

        def section(title: str, *children, hint: str = ""):
            label = f"<h3>{_e(title)}</h3>" + (f"<div class='wb-muted'>{_e(hint)}</div>"
                                               if hint else "")
            return [widgets.HTML(label), *children]

        weights = [widgets.HBox([self.weight_sliders[c], self.weight_shares[c]])
                   for c in self.weight_sliders]
        controls = widgets.VBox([
            *section("Scenario", self.scenario_picker, self.pin_button),
            *section("Limits", *self.limit_sliders.values(),
                     hint="over the whole horizon, in each resource's unit"),
            *(section("Funding streams", *self.stream_sliders.values())
              if self.stream_sliders else []),
            *section("Weights", self.stakeholder_picker, *weights,
                     hint="relative; the share of the total is shown on the right"),
            *section("Force in", self.include_picker, hint="ctrl-click to pick several"),
            *section("Force out", self.exclude_picker),
            *(section("Timing", self.horizon_picker)
              if self.horizon_picker.layout.display != "none" else []),
            *section("Save these settings", self.name_box, self.replace_box, self.save_button,
                     self.message),
        ], layout=widgets.Layout(width="34%", padding="0 12px 0 0"))
        views = widgets.VBox([
            self.headline_view,
            widgets.HBox([widgets.VBox([widgets.HTML("<h3>Value for money: the efficient "
                                                     "frontier</h3>"), self.frontier_view],
                                       layout=widgets.Layout(width="55%")),
                          widgets.VBox([widgets.HTML("<h3>Value by criterion</h3>"),
                                        self.criteria_view],
                                       layout=widgets.Layout(width="45%"))]),
            self.timeline_view,
            widgets.HTML("<h3>What the choices cost</h3><div class='wb-muted'>Value points "
                         "given up by the actions you forced in or out, and by forcing in each of "
                         "the closest calls left out.</div>"), self.explanation_view,
            widgets.HTML("<h3>The portfolio</h3>"), self.portfolio_view,
        ], layout=widgets.Layout(width="66%"))
        self.frontier_view.layout.width = "100%"
        self.criteria_view.layout.width = "100%"
        self.children = [heading, widgets.HBox([controls, views])]

    def _set_scenario_options(self) -> None:
        names = scenario_names(self.controller.scenarios)
        self.scenario_picker.options = [("the model as given", "")] + [(n, n) for n in names]

    # ------------------------------------------------------------ callbacks

    def _guard(self, handler, *arguments):
        """Wrap a callback: ignore changes made while syncing; never let an error escape."""
        def call(change=None):
            if self._syncing:
                return
            try:
                value = change["new"] if isinstance(change, dict) else change
                handler(*arguments, value)
            except Exception as error:  # a lead sees the reason, never a traceback
                self._show_message(f"Something went wrong: {error}", problem=True)
        return call

    def _on_limit(self, resource, amount):
        self._changed(self.controller.set_limit(resource, amount))

    def _on_stream(self, stream, amount):
        self._changed(self.controller.set_stream_limit(stream, amount))

    def _on_weight(self, criterion, weight):
        self._changed(self.controller.set_weight(criterion, weight))

    def _on_stakeholder(self, choice):
        self._changed(self.controller.set_stakeholder(choice), sync=True)

    def _on_include(self, actions):
        self._changed(self.controller.set_include(actions))

    def _on_exclude(self, actions):
        self._changed(self.controller.set_exclude(actions))

    def _on_horizon(self, years):
        self._changed(self.controller.set_horizon(years), sync=True)

    def _on_scenario(self, name):
        self._changed(self.controller.use_scenario(name), sync=True)

    def _on_pin(self, _button):
        self.controller.pin_baseline()
        self._render_fast()

    def _on_save(self, _button):
        name = self.name_box.value.strip()
        try:
            path = self.controller.save(name, overwrite=self.replace_box.value)
        except WorkbenchError as error:
            self._show_message("; ".join(_error_lines(error)), problem=True)
            return
        self._syncing = True
        try:
            self._set_scenario_options()
            self.scenario_picker.value = name
        finally:
            self._syncing = False
        self._show_message(f"Saved scenario {name!r} in {path.name}.")
        self._render_fast()

    def _changed(self, found: bool, sync: bool = False) -> None:
        if sync:
            self._sync_controls()
        self._show_message("")
        self._render_fast()
        if found:
            self._request_slow()
        else:
            self._update_weight_shares()

    def _show_message(self, text: str, problem: bool = False) -> None:
        style = "wb-problems" if problem else "wb-muted"
        self.message.value = f"<div class='{style}'>{_e(text)}</div>" if text else ""

    # ------------------------------------------------------------ showing

    def _sync_controls(self) -> None:
        """Set every control to the requested settings without triggering callbacks."""
        from .frontier import full_need

        what_if = self.controller
        self._syncing = True
        try:
            for resource, slider in self.limit_sliders.items():
                # a longer horizon needs more of each resource: let the slider reach it
                _widen(slider, full_need(what_if.model, resource, what_if.horizon()))
                _set_slider(slider, what_if.limit(resource))
            for stream, slider in self.stream_sliders.items():
                _set_slider(slider, what_if.stream_limit(stream))
            self.stakeholder_picker.value = what_if.requested.stakeholder
            for criterion, weight in what_if.weights().items():
                _set_slider(self.weight_sliders[criterion], weight)
            self.include_picker.value = tuple(what_if.requested.include)
            self.exclude_picker.value = tuple(what_if.requested.exclude)
            if what_if.horizon() in [years for _, years in self.horizon_picker.options]:
                self.horizon_picker.value = what_if.horizon()
            if what_if.requested.name in dict(self.scenario_picker.options).values():
                self.scenario_picker.value = what_if.requested.name
        finally:
            self._syncing = False
        self._update_weight_shares()

    def _update_weight_shares(self) -> None:
        shares = self.controller.normalised_weights()
        for criterion, label in self.weight_shares.items():
            share = "–" if shares is None else f"{100 * shares[criterion]:.0f}%"
            label.value = (f"<span class='wb-share' title='share of the total weight'>= {share}"
                           "</span>")

    def _render_fast(self) -> None:
        """Headline, table, criteria, frontier marker and timeline for the portfolio shown."""
        what_if = self.controller
        with self._render_lock:
            self.headline_view.value = headline_html(what_if.headline(), what_if.model)
            if what_if.result is not None:
                self.portfolio_view.value = portfolio_html(
                    what_if.portfolio_table(), what_if.model, what_if.result.horizon)
                self.criteria_view.value = criteria_html(what_if.criterion_table())
            self._render_frontier()
            self._render_timeline()
        self._update_weight_shares()

    def _render_frontier(self) -> None:
        view = self.controller.frontier_view()
        picture = None
        if view.table is not None:
            drawn, picture = self._picture
            if drawn is not view.table:
                picture = self._draw_frontier(view.table)
                self._picture = (view.table, picture)
        self.frontier_view.value = frontier_html(picture, view)

    def _draw_frontier(self, table: pd.DataFrame) -> _Picture | None:
        try:
            from .plots import plot_frontier
        except ImportError:  # charts not available: the view says so
            return None
        return _picture(plot_frontier(table))

    def _render_timeline(self) -> None:
        result = self.controller.result
        if result is None or result.horizon <= 1:
            self.timeline_view.value = ""
            return
        from .plots import plot_timeline

        picture = _picture(plot_timeline(result, self.controller.model))
        self.timeline_view.value = (f"<h3>Timeline over {result.horizon} years</h3>"
                                    f"<img src='{picture.uri}' style='width:100%'/>")

    def _request_slow(self) -> None:
        """Bring the frontier and explanation up to date: now, or on the worker thread."""
        with self._render_lock:
            self._generation += 1
            generation = self._generation
        if not self.background:
            self._render_slow(generation)
            return
        with self._render_lock:
            self.explanation_view.value = explanation_html(None, self.controller.model)
            self._render_frontier()
            self._pending = generation
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, daemon=True,
                                                name="what-if slow views")
                self._worker.start()

    def _work(self) -> None:
        """The worker thread: always the latest request; requests made meanwhile are merged."""
        while True:
            with self._render_lock:
                generation, self._pending = self._pending, None
                if generation is None:
                    self._worker = None
                    return
            self._render_slow(generation)

    def _render_slow(self, generation: int) -> None:
        """Frontier then explanation for the settings in force (dropped once out of date)."""
        what_if = self.controller
        settings, result = what_if.settings, what_if.result
        if settings is None:
            return
        failed = ""
        try:
            what_if.frontier(settings)
        except Exception as error:  # shown in place of the chart, never raised
            failed = f"<div class='wb-problems'>The frontier could not be drawn: {_e(error)}</div>"
        with self._render_lock:
            if generation != self._generation:
                return
            if failed:
                self.frontier_view.value = failed
            else:
                self._render_frontier()
        try:
            text = explanation_html(what_if.explanation(settings, result), what_if.model)
        except Exception as error:
            text = f"<div class='wb-problems'>No explanation: {_e(error)}</div>"
        with self._render_lock:
            if generation == self._generation:
                self.explanation_view.value = text


def _widen(slider, top: float) -> None:
    """Let a slider reach `top` (its range never shrinks under a lead's hand)."""
    if top > slider.max:
        slider.max = math.ceil(top / slider.step) * slider.step


def _set_slider(slider, value: float | None) -> None:
    """Move a slider, first widening its range when the value lies beyond it."""
    value = slider.max if value is None else float(value)
    _widen(slider, value)
    slider.value = value


def _in_kernel() -> bool:
    """True inside a running IPython kernel (JupyterLab, Voila), where threads can update views."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def dashboard(model: Model, scenario: str | None = None, **options) -> Dashboard:
    """The what-if dashboard for a model, ready to show (the last expression of a cell).

    scenario: a scenario of the model's scenarios.csv to start from. options: see `Dashboard`.
    """
    return Dashboard(model, scenario, **options)
