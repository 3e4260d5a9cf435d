"""The dashboard's layout: ipywidgets controls that set the controller, views that show it."""
from __future__ import annotations

import math
import threading

import ipywidgets as widgets
import pandas as pd
from ipywidgets.widgets.widget_int import SliderStyle
from ipywidgets.widgets.widget_selection import ToggleButtonsStyle
from ipywidgets.widgets.widget_string import HTMLStyle

from ..errors import WorkbenchError
from ..findings import action_name, humanise, stakeholder_name
from ..model import Model
from ..scenarios import AGREED, COMBINED, scenario_names, stakeholder_choices
from ..units import resource_label, resource_unit
from .controller import WhatIf, _error_lines
from .views import (PIXELS_PER_INCH, SHARPNESS, STYLE, _amount, _e, _picture, _Picture,
                    _units, criteria_html, explanation_html, frontier_figure, frontier_html,
                    headline_html, portfolio_html, stream_label)

PICKER_STATES = (("–", ""), ("in", "in"), ("out", "out"))
PICKER_TIPS = ("let the optimiser choose", "force in: always funded",
               "force out: never funded")


def _nice_step(top: float) -> float:
    """A round slider step: about 1/200 of the range (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return 1.0
    raw = top / 200
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


class _Shared:
    """Style and layout models shared by a dashboard's many small widgets: each shared model
    is one less for the browser to create, so the page shows sooner."""

    def __init__(self):
        self.html_style = HTMLStyle()
        self.html_layout = widgets.Layout()
        self.slider_style = SliderStyle(description_width="0px")
        self.slider_layout = widgets.Layout(width="98%")
        self.toggle_style = ToggleButtonsStyle(button_width="40px",
                                                       description_width="auto")
        self.row_shown = widgets.Layout(width="100%", display="flex")
        self.row_hidden = widgets.Layout(width="100%", display="none")

    def html(self, value: str = "") -> widgets.HTML:
        return widgets.HTML(value, style=self.html_style, layout=self.html_layout)


def _slider(value: float | None, top: float, tooltip: str, shared: _Shared):
    step = _nice_step(top)
    top = math.ceil(max(top, value or 0.0, step) / step) * step
    return widgets.FloatSlider(
        value=top if value is None else value, min=0.0, max=top, step=step,
        continuous_update=False, readout=True, readout_format=f",.{_decimals(step)}f",
        tooltip=tooltip, style=shared.slider_style, layout=shared.slider_layout)


class ActionPicker(widgets.VBox):
    """Force actions in or out: a search box over one list of every action, each with its
    full name (theme and lead beside it) and three buttons: – (the optimiser chooses), in, out.

    on_change((action, state)) is called when the lead presses a button (state '' / 'in' /
    'out'). Actions constraints.csv forces are shown with their state and cannot be changed
    here.
    """

    def __init__(self, model: Model, fixed: dict[str, str], on_change,
                 shared: _Shared | None = None):
        super().__init__()
        shared = shared or _Shared()
        self.add_class("wb-picker")
        self.on_change = on_change
        self._shared = shared
        self.search = widgets.Text(placeholder="search actions by name, theme or lead",
                                   continuous_update=True,
                                   layout=widgets.Layout(width="98%"))
        self.search.add_class("wb-picker-search")
        self.search.observe(lambda change: self.filter(change["new"]), names="value")
        self.summary = shared.html()
        self.buttons: dict[str, widgets.ToggleButtons] = {}
        self._words: dict[str, str] = {}
        for action, row in _picker_rows(model):
            name = (f"{model.scheme_name(action)} (any of its {len(model.schemes[action])} "
                    "levels)" if action in model.schemes else action_name(model, action))
            theme, lead = humanise(row.get("theme", "")), str(row.get("lead", "") or "")
            mark = fixed.get(action, "")
            rule = " · forced by the model's constraints" if mark else ""
            buttons = widgets.ToggleButtons(
                options=PICKER_STATES, value=mark.split(" ")[0] if mark else "",
                tooltips=list(PICKER_TIPS), tooltip=name, disabled=bool(mark),
                description_allow_html=True,
                description=(f"<span class='wb-pick-name'>{_e(name)}</span> <span "
                             f"class='wb-muted'>{_e(theme)} · {_e(lead)}{rule}</span>"),
                style=shared.toggle_style, layout=shared.row_shown)
            buttons.add_class("wb-pick-row")
            buttons.add_class(f"wb-pick-{action}")
            buttons.observe(lambda change, a=action: self._pressed(a, change["new"]),
                            names="value")
            self.buttons[action] = buttons
            self._words[action] = " ".join((name, action, theme, lead)).lower()
        self._fixed = set(fixed)
        self.list = widgets.VBox(list(self.buttons.values()))
        self.list.add_class("wb-picker-list")
        self._syncing = False
        self.children = [self.search, self.summary, self.list]
        self.show({})

    def _pressed(self, action: str, state: str) -> None:
        if not self._syncing:
            self.on_change((action, state))

    def shown(self) -> list[str]:
        """The actions the search leaves in the list."""
        return [a for a, b in self.buttons.items() if b.layout is self._shared.row_shown]

    def filter(self, text: str) -> None:
        """Show only the actions whose name, id, theme or lead hold every word typed."""
        words = text.lower().split()
        for action, buttons in self.buttons.items():
            shown = all(word in self._words[action] for word in words)
            layout = self._shared.row_shown if shown else self._shared.row_hidden
            if buttons.layout is not layout:
                buttons.layout = layout

    def show(self, forced: dict[str, str]) -> None:
        """Set every row's buttons to `forced` ({action: 'in' / 'out'}) without calling back."""
        self._syncing = True
        try:
            for action, buttons in self.buttons.items():
                if action not in self._fixed:
                    buttons.value = forced.get(action, "")
        finally:
            self._syncing = False
        ins = sum(1 for b in self.buttons.values() if b.value == "in")
        outs = sum(1 for b in self.buttons.values() if b.value == "out")
        self.summary.value = (f"<div class='wb-muted wb-picker-summary'>{len(self.buttons)} "
                              f"actions: {ins} forced in, {outs} forced out</div>")


def _picker_rows(model: Model):
    """(id, actions.csv row) of each action, and of each scheme once in place of its versions
    (forcing a scheme in funds whichever level the optimiser finds best)."""
    listed = set()
    for action, row in model.actions.iterrows():
        scheme = model.scheme_of(action)
        if scheme is None:
            yield action, row
        elif scheme not in listed:
            listed.add(scheme)
            yield scheme, row


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
        self._shared = _Shared()
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
        from ..frontier import full_need

        self.limit_sliders, self.limit_labels = {}, {}
        for resource in model.resource_names:
            slider = _slider(what_if.limit(resource), full_need(model, resource, horizon),
                             f"limit on {resource_label(model, resource)} over the whole "
                             "horizon", self._shared)
            slider.add_class(f"wb-limit-{resource}")
            slider.observe(self._guard(self._on_limit, resource), names="value")
            self.limit_sliders[resource] = slider
            self.limit_labels[resource] = self._shared.html()
            self.limit_labels[resource].add_class(f"wb-limit-label-{resource}")
        self.stream_sliders = {}
        self.stream_labels = {}
        resource_of = dict(zip(model.funding["stream"], model.funding["resource"]))
        for stream in what_if.stream_names():
            limit = what_if.stream_limit(stream)
            resource = resource_of[stream]
            slider = _slider(limit, max(2 * limit, full_need(model, resource, horizon)),
                             "limit on this funding stream over the whole horizon",
                             self._shared)
            slider.observe(self._guard(self._on_stream, stream), names="value")
            self.stream_sliders[stream] = slider
            unit = resource_unit(model, resource)
            self.stream_labels[stream] = self._shared.html(
                f"<div class='wb-label'>{_e(stream_label(model, stream))}"
                f"{f' [{_e(unit)}]' if unit else ''}</div>")
        labels = {AGREED: "the agreed weights (criteria)",
                  COMBINED: "all stakeholder groups combined"}
        self.stakeholder_picker = widgets.Dropdown(
            options=[(labels.get(c, stakeholder_name(model, c)), c)
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
            slider = _slider(float(model.criteria.at[criterion, "weight"]), top,
                             f"weight of {name} (relative)", self._shared)
            slider.observe(self._guard(self._on_weight, criterion), names="value")
            self.weight_sliders[criterion] = slider
            self.weight_shares[criterion] = self._shared.html()
        self.action_picker = ActionPicker(
            model, {a: f for a, f in what_if.forced().items() if f.endswith("(model)")},
            self._guard(self._on_forced), self._shared)
        choices = what_if.horizon_choices()
        self.horizon_picker = widgets.Dropdown(
            options=[(f"{t} year{'s' if t > 1 else ''}", t) for t in choices],
            description="Horizon", style={"description_width": "60px"},
            layout=widgets.Layout(width="98%", display="" if len(choices) > 1 else "none"))
        self.horizon_picker.add_class("wb-horizon")
        self.horizon_picker.observe(self._guard(self._on_horizon), names="value")
        self.scale_box = widgets.Checkbox(
            value=True, indent=False, layout=widgets.Layout(width="98%"),
            description="scale the limits with the horizon (each year keeps what it had)")
        self.scale_box.add_class("wb-scale-limits")
        self.horizon_note = widgets.HTML()
        self.horizon_note.add_class("wb-horizon-change")
        self.name_box = widgets.Text(placeholder="name, e.g. lean_year",
                                     layout=widgets.Layout(width="98%"))
        self.replace_box = widgets.Checkbox(description="replace a scenario of that name",
                                            indent=False)
        self.save_button = widgets.Button(description="Save scenario", icon="save")
        self.save_button.on_click(self._guard(self._on_save))
        self.save_note = widgets.HTML()
        self.save_note.add_class("wb-save-note")
        self.message = widgets.HTML()
        self._update_saving()

    def _build_views(self) -> None:
        heading = widgets.HTML(
            STYLE + "<h2 style='margin:4px 0'>What-if dashboard</h2><div class='wb-muted'>Move a "
            "limit or a weight, force actions in or out: the portfolio of most value is chosen "
            "again at once.</div>")
        self.headline_view = widgets.HTML()
        self.headline_view.add_class("wb-headline")
        self.frontier_view = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.criteria_view = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.timeline_view = widgets.HTML()
        self.portfolio_view = widgets.HTML()
        self.portfolio_view.add_class("wb-portfolio-view")
        self.explanation_view = widgets.HTML()

        def section(title: str, *children, hint: str = ""):
            label = f"<h3>{_e(title)}</h3>" + (f"<div class='wb-muted'>{_e(hint)}</div>"
                                               if hint else "")
            return [self._shared.html(label), *children]

        limits = [w for r in self.limit_sliders
                  for w in (self.limit_labels[r], self.limit_sliders[r])]
        streams = [w for s in self.stream_sliders
                   for w in (self.stream_labels[s], self.stream_sliders[s])]
        weights = [w for c in self.weight_sliders
                   for w in (self.weight_shares[c], self.weight_sliders[c])]
        timing = self.horizon_picker.layout.display != "none"
        controls = widgets.VBox([
            *section("Scenario", self.scenario_picker, self.pin_button),
            *section("Limits", *limits, hint="over the whole horizon"),
            *(section("Funding streams", *streams, hint="over the whole horizon")
              if self.stream_sliders else []),
            *section("Weights", self.stakeholder_picker, *weights,
                     hint="relative; each criterion's share of the total is shown"),
            *section("Force actions in or out", self.action_picker,
                     hint="search, then press in or out; – lets the optimiser choose"),
            *(section("Timing", self.horizon_picker, self.scale_box, self.horizon_note)
              if timing else []),
            *section("Save these settings", self.name_box, self.replace_box, self.save_button,
                     self.save_note, self.message),
        ], layout=widgets.Layout(width="34%", padding="0 12px 0 0"))
        views = widgets.VBox([
            self.headline_view,
            widgets.HBox([widgets.VBox([widgets.HTML("<h3>Value for money: the efficient "
                                                     "frontier</h3>"), self.frontier_view],
                                       layout=widgets.Layout(width="60%")),
                          widgets.VBox([widgets.HTML("<h3>Value by criterion</h3>"),
                                        self.criteria_view],
                                       layout=widgets.Layout(width="40%"))]),
            self.timeline_view,
            widgets.HTML("<h3>What the choices cost</h3><div class='wb-muted'>Value points "
                         "given up by the actions you forced in or out, and by forcing in each of "
                         "the closest calls left out.</div>"), self.explanation_view,
            widgets.HTML("<h3>The portfolio</h3>"), self.portfolio_view,
        ], layout=widgets.Layout(width="66%"))
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

    def _on_forced(self, choice):
        action, state = choice
        found = self.controller.set_forced(action, state)
        self.action_picker.show(self.controller.forced())
        self._changed(found)

    def _on_horizon(self, years):
        before = self.controller.horizon()
        scale = self.scale_box.value
        found = self.controller.set_horizon(years, scale_limits=scale)
        after = self.controller.horizon()
        if after == before:
            change = ""
        elif scale:
            change = (f"The horizon went from {before} to {after} years: every limit was "
                      f"multiplied by {after}/{before}, so each year keeps what it had.")
        else:
            change = (f"The horizon went from {before} to {after} years and the limits stayed "
                      f"as they were: they must now last {after} years.")
        self._changed(found, sync=True)
        self.horizon_note.value = f"<div class='wb-note'>{_e(change)}</div>" if change else ""

    def _on_scenario(self, name):
        self.horizon_note.value = ""
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
            self._update_saving()
            return
        self._update_saving()
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

    def _update_saving(self) -> None:
        """Saving is off, with the reason shown, while scenarios.csv cannot be written."""
        problem = self.controller.save_problem
        for control in (self.save_button, self.name_box, self.replace_box):
            control.disabled = problem is not None
        self.save_button.tooltip = ("save these settings as a scenario in scenarios.csv"
                                    if problem is None else "saving is off: see the reason")
        self.save_note.value = ("" if problem is None else
                                f"<div class='wb-problems'>Saving is off: {_e(problem)}</div>")

    def _show_message(self, text: str, problem: bool = False) -> None:
        style = "wb-problems" if problem else "wb-muted"
        self.message.value = f"<div class='{style}'>{_e(text)}</div>" if text else ""

    # ------------------------------------------------------------ showing

    def _sync_controls(self) -> None:
        """Set every control to the requested settings without triggering callbacks."""
        from ..frontier import full_need

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
            self.action_picker.show(what_if.forced())
            if what_if.horizon() in [years for _, years in self.horizon_picker.options]:
                self.horizon_picker.value = what_if.horizon()
            if what_if.requested.name in dict(self.scenario_picker.options).values():
                self.scenario_picker.value = what_if.requested.name
        finally:
            self._syncing = False
        self._update_weight_shares()

    def _update_weight_shares(self) -> None:
        shares = self.controller.normalised_weights()
        names = self.controller.model.criteria["name"]
        for criterion, label in self.weight_shares.items():
            share = "–" if shares is None else f"{100 * shares[criterion]:.0f}%"
            label.value = (f"<div class='wb-label'>{_e(names[criterion])} <span "
                           f"class='wb-share wb-muted' title='share of the total weight'>= "
                           f"{share} of the total weight</span></div>")

    def _render_fast(self) -> None:
        """Headline, table, criteria, frontier marker and timeline for the portfolio shown."""
        what_if = self.controller
        with self._render_lock:
            self.headline_view.value = headline_html(what_if.headline(), what_if.model)
            if what_if.result is not None:
                self.portfolio_view.value = portfolio_html(
                    what_if.portfolio_table(), what_if.model, what_if.result.horizon,
                    last=bool(what_if.problems))
                self.criteria_view.value = criteria_html(what_if.criterion_table())
            self._render_limit_labels()
            self._render_frontier()
            self._render_timeline()
        self._update_weight_shares()

    def _render_limit_labels(self) -> None:
        """Each limit's name and unit, over how many years, and per year when more than one."""
        what_if = self.controller
        model, years = what_if.model, what_if.horizon()
        for resource, label in self.limit_labels.items():
            limit = what_if.limit(resource)
            text = f"<b>{_e(_units(model).labels[resource])}</b>"
            if years > 1 and limit is not None:
                text += (f" <span class='wb-muted wb-per-year' data-per-year='{limit / years!r}'>"
                         f"over {years} years: {_e(_amount(model, resource, limit))}, "
                         f"that is {_e(_amount(model, resource, limit / years))} a year"
                         "</span>")
            label.value = f"<div class='wb-label'>{text}</div>"

    def _render_frontier(self) -> None:
        view = self.controller.frontier_view()
        picture = None
        if view.table is not None:
            drawn, picture = self._picture
            if drawn is not view.table:
                picture = self._draw_frontier(view.table)
                self._picture = (view.table, picture)
        self.frontier_view.value = frontier_html(picture, view, self.controller.model)

    def _draw_frontier(self, table: pd.DataFrame) -> _Picture | None:
        try:
            figure = frontier_figure(table, self.controller.model)
        except ImportError:  # charts not available: the view says so
            return None
        return _picture(figure, dpi=SHARPNESS * PIXELS_PER_INCH)

    def _render_timeline(self) -> None:
        result = self.controller.result
        if result is None or result.horizon <= 1:
            self.timeline_view.value = ""
            return
        from ..plots import plot_timeline

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
