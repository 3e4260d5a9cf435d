"""The dashboard's views: the controller's tables as HTML, and figures as images."""
from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass

import pandas as pd

from ..findings import action_name, humanise, stream_label
from ..model import Model
from ..units import format_amount, resource_label, resource_name
from .controller import EXPLAIN_EVERY_ACTION_UP_TO, FrontierView

STYLE = """<style>
.wb-dash {font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; font-size: 13px;}
.wb-dash h3 {margin: 10px 0 4px 0; font-size: 14px;}
.wb-head {background: #f5f7fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px;}
.wb-big {font-size: 24px; font-weight: 600;}
.wb-nofit {color: #b71c1c;}
.wb-last {border-top: 1px dashed #999; margin-top: 8px; padding-top: 6px;}
.wb-last .wb-big {font-size: 18px; color: #555;}
.wb-plus {color: #1b5e20;} .wb-minus {color: #b71c1c;}
.wb-problems {background: #fff4e5; border: 1px solid #f0a030; border-radius: 6px;
  padding: 6px 10px; margin-top: 6px;}
.wb-note {background: #e8f0fe; border: 1px solid #8ab4f8; border-radius: 6px;
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
.wb-label {font-size: 13px; line-height: 1.3; margin-top: 4px;}
.wb-picker-list {max-height: 330px; overflow-y: auto; border: 1px solid #d0d7de;
  border-radius: 4px; padding: 2px 4px; display: block !important;}
.wb-pick-row {border-bottom: 1px solid #eee; align-items: center; height: auto !important;
  flex-shrink: 0; flex-direction: row-reverse;
  flex-wrap: nowrap !important; padding: 2px 0;}
.wb-pick-row .widget-label {flex: 1 1 0; min-width: 0; width: auto !important;
  max-width: none !important;
  white-space: normal !important; text-align: left !important; height: auto !important;
  line-height: 1.3 !important; padding-left: 6px; overflow: visible !important;}
.wb-pick-row .widget-toggle-button {flex: 0 0 auto;}
.wb-dash .widget-checkbox .widget-label-basic {white-space: normal;}
</style>"""


def _e(text) -> str:
    return html.escape(str(text))


def _signed(number: float, digits: int = 1) -> str:
    text = f"{number:+,.{digits}f}"
    return text if abs(number) >= 0.5 * 10 ** -digits else f"{0:.{digits}f}"


# ---------------------------------------------------------------- names for people


def action_names(model: Model, actions) -> str:
    """Every name, comma-separated (the dashboard lists them all)."""
    return ", ".join(action_name(model, a) for a in actions)


class _Units:
    """One model's resource names and formatted amounts, remembered: `units.format_amount`
    looks the resource up in resources.csv each time, which a 200-action table would repeat
    thousands of times per change."""

    SIZE = 20_000  # amounts remembered per model

    def __init__(self, model: Model):
        self.model = model
        self.names = {r: resource_name(model, r) for r in model.resource_names}
        self.labels = {r: resource_label(model, r) for r in model.resource_names}
        self.texts: dict[tuple[str, float], str] = {}

    def amount(self, resource: str, amount: float) -> str:
        key = (resource, float(amount))
        text = self.texts.get(key)
        if text is None:
            if len(self.texts) >= self.SIZE:
                self.texts.clear()
            text = self.texts[key] = format_amount(self.model, resource, amount)
        return text


_UNITS: dict[int, _Units] = {}


def _units(model: Model) -> _Units:
    """The `_Units` of a model (kept for the last few models shown)."""
    units = _UNITS.get(id(model))
    if units is None or units.model is not model:
        if len(_UNITS) >= 4:
            _UNITS.clear()
        units = _UNITS[id(model)] = _Units(model)
    return units


def _amount(model: Model, resource: str, amount: float | None) -> str:
    """An amount with its unit ('£25,000', '1.5 FTE'); None: 'no limit'."""
    return "no limit" if amount is None else _units(model).amount(resource, amount)


def _name(model: Model, resource: str) -> str:
    return _units(model).names.get(resource) or resource_name(model, resource)


def _signed_amount(model: Model, resource: str, amount: float) -> str:
    if abs(amount) < 1e-9:  # sums of floats leave dust such as 8.9e-16
        amount = 0.0
    text = _amount(model, resource, abs(amount))
    return ("+" if amount > 0 else "-" if amount < 0 else "±") + text


def _years(count: int) -> str:
    return f"{count} year{'s' if count != 1 else ''}"


# ---------------------------------------------------------------- the headline


def headline_html(head: dict, model: Model) -> str:
    """The headline: the portfolio's value and use of each resource with its change on the
    baseline; when no portfolio fits the settings, that first, with the reasons, and the last
    portfolio that fitted labelled as such; and what a horizon other than the model's did."""
    parts = ['<div class="wb-head">']
    problems = head["problems"]
    if problems:
        title = ("No portfolio fits these settings" if head["infeasible"]
                 else "These settings cannot be used")
        items = "".join(f"<li>{_e(p)}</li>" for p in problems)
        asked = _asked_for(head, model)
        parts.append(f'<div class="wb-big wb-nofit">{title}</div>'
                     f'<div class="wb-problems"><b>Why:</b><ul class="wb-reasons">{items}</ul>'
                     + (f'<div class="wb-asked">You asked for: {_e(asked)}.</div>' if asked
                        else "")
                     + "<div>Loosen a limit or release a forced action to find a portfolio "
                       "again.</div></div>")
    if head["found"]:
        if problems:
            parts.append('<div class="wb-last"><div class="wb-last-title"><b>Last portfolio '
                         'that fitted</b> (the settings before your change; it is not a '
                         'portfolio for the settings above)</div>')
        parts.append(_portfolio_lines(head, model, last=bool(problems)))
        if problems:
            parts.append("</div>")
    elif not problems:
        parts.append('<div class="wb-big">No portfolio yet</div>')
    note = horizon_note(head, model)
    if note:
        parts.append(f'<div class="wb-note wb-horizon-note">{_e(note)}</div>')
    parts.append("</div>")
    return "".join(parts)


def _portfolio_lines(head: dict, model: Model, last: bool) -> str:
    value = head["value"]
    parts = [f'<div class="wb-big"><span class="wb-value" data-value="{value["total"]!r}">'
             f'{value["total"]:,.1f}</span> value points</div>']
    years = "" if head["horizon"] == 1 else f" over {head['horizon']} years"
    parts.append(f'<div>standalone {value["standalone"]:,.1f} + synergy '
                 f'{value["synergy"]:,.1f} + critical mass {value["critical_mass"]:,.1f}; '
                 f'{head["selected"]} of {head["actions"]} actions{years}</div>')
    within = "within its limit then of" if last else "of"
    uses = []
    for resource, used in head["cost"].items():
        limit = head["limits"].get(resource)
        uses.append(f'<span class="wb-cost" data-resource="{_e(resource)}" '
                    f'data-amount="{used!r}">{_e(_name(model, resource))} '
                    f'{_e(_amount(model, resource, used))} {within} '
                    f'{_e(_amount(model, resource, limit))}</span>')
    parts.append("<div>" + " &nbsp;|&nbsp; ".join(uses) + "</div>")
    change = head.get("change")
    if change is not None:
        gain = change["value"]
        tone = "wb-plus" if gain > 1e-9 else "wb-minus" if gain < -1e-9 else ""
        costs = ", ".join(f"{_e(_name(model, r))} {_e(_signed_amount(model, r, v))}"
                          for r, v in change["cost"].items())
        parts.append(f'<div class="wb-change">Against the baseline '
                     f'({_e(head["baseline_name"])}): <b class="{tone}">{_signed(gain)} '
                     f'value points</b>, {costs}; {len(change["added"])} added, '
                     f'{len(change["dropped"])} dropped</div>')
    for warning in head["warnings"]:
        parts.append(f'<div class="wb-muted">{_e(warning)}</div>')
    return "".join(parts)


def _asked_for(head: dict, model: Model) -> str:
    """The requested settings that differ from the model's, in names and units."""
    asked = head["requested"]
    parts = []
    for resource, limit in asked["limits"].items():
        own = head["model_limits"].get(resource)
        if limit is not None and (own is None or abs(limit - own) > 1e-9 * max(1.0, abs(own))):
            parts.append(f"{_name(model, resource)} at most "
                         f"{_amount(model, resource, limit)} (the model's limit: "
                         f"{_amount(model, resource, own)})")
    resource_of = dict(zip(model.funding["stream"], model.funding["resource"]))
    for stream, (limit, own) in asked.get("streams", {}).items():
        resource = resource_of.get(stream, model.resource_names[0])
        parts.append(f"the funding stream \u201c{stream_label(model, stream)}\u201d at most "
                     f"{_amount(model, resource, limit)} (the model's limit: "
                     f"{_amount(model, resource, own)})")
    if asked["include"]:
        parts.append("forced in: " + action_names(model, asked["include"]))
    if asked["exclude"]:
        parts.append("forced out: " + action_names(model, asked["exclude"]))
    if asked["horizon"] != head["model_horizon"]:
        parts.append(f"a horizon of {_years(asked['horizon'])}")
    return "; ".join(parts)


def horizon_note(head: dict, model: Model) -> str:
    """When the controls plan over other years than the model: each whole-horizon limit in
    force, in all and a year, against the model's own, so a lead sees what the change did."""
    years, own_years = head["requested"]["horizon"], head["model_horizon"]
    if years == own_years:
        return ""
    parts = []
    for resource, limit in head["requested"]["limits"].items():
        if limit is None:
            continue
        own = head["model_limits"].get(resource)
        parts.append(f"{_name(model, resource)} {_amount(model, resource, limit)} in "
                     f"all, {_amount(model, resource, limit / years)} a year (the model: "
                     f"{_amount(model, resource, own)} for {_years(own_years)})")
    limits = ("; the limits: " + "; ".join(parts)) if parts else ""
    return (f"Planning for {_years(years)} instead of the model's {own_years}{limits}. "
            "Value points are an average over the years, so a longer horizon with the same "
            "totals buys less each year.")


def portfolio_html(table: pd.DataFrame, model: Model, horizon: int, last: bool = False) -> str:
    """The portfolio table: funded actions first, added and dropped ones highlighted.

    last: the portfolio is the last one that fitted, not one for the settings asked for."""
    resources = model.resource_names
    selected = ";".join(sorted(table.index[table["selected"]]))
    head = ["", "action", "theme", "lead", "value [value points]"]
    head += [_units(model).labels[r] for r in resources]
    numeric = {"value [value points]", "start", *head[5:]}
    if horizon > 1:
        head.insert(2, "start")
    cells = "".join(f'<th class="{"num" if h in numeric else ""}">{_e(h)}</th>' for h in head)
    rows = []
    for action, row in zip(table.index, table.to_dict("records")):
        classes = ["wb-in" if row["selected"] else "wb-out"]
        if row["change"]:
            classes.append(f"wb-{row['change']}")
        mark = "&#10003;" if row["selected"] else ""
        note = row["change"] or ""
        if row.get("scheme"):
            note = (note + "; " if note else "") + f"a level of {model.scheme_name(row['scheme'])}"
        share = row.get("share")
        if share is not None and share == share and share < 1 - 1e-9:
            note = (note + "; " if note else "") + f"{share:.0%} funded"
        if row["forced"]:
            note = (note + " " if note else "") + f"forced {row['forced']}"
        cells_row = [f"<td>{mark}</td>",
                     f'<td>{_e(row["name"])}'
                     f'{f" <i class=wb-muted>({_e(note)})</i>" if note else ""}</td>']
        if horizon > 1:
            start = row["start_year"]
            cells_row.append(f'<td class="num">{"" if pd.isna(start) else int(start)}</td>')
        cells_row += [f"<td>{_e(humanise(row['theme']))}</td>", f"<td>{_e(row['lead'])}</td>",
                      f'<td class="num">{row["value"]:.1f}</td>']
        cells_row += [f'<td class="num">{_e(_amount(model, r, row[r]))}</td>'
                      for r in resources]
        rows.append(f'<tr class="{" ".join(classes)}" data-action="{_e(action)}">'
                    + "".join(cells_row) + "</tr>")
    caption = ("value: standalone value points under the weights in force; amounts: set-up "
               "plus one year's running amount of the whole action (an action funded in part "
               "uses its share of them)")
    warning = ('<div class="wb-problems wb-last-portfolio">Not a portfolio for the settings '
               'asked for: this is the last portfolio that fitted.</div>' if last else "")
    return (f'{warning}<table class="wb-table wb-portfolio" data-selected="{_e(selected)}">'
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


FRONTIER_SIZE = (6.0, 3.8)  # inches: the frontier chart as the dashboard shows it
PIXELS_PER_INCH = 80  # CSS pixels per inch of a figure on the page
SHARPNESS = 2  # image pixels per CSS pixel (sharp on high-density screens)
SMALLEST_TEXT_PX = 10  # CSS pixels: no chart text is smaller


def _picture(figure, dpi: float = PIXELS_PER_INCH) -> _Picture:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    axes = figure.axes[0]
    box = axes.get_position()
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return _Picture(uri, box.x0, box.width, box.y0, box.height, tuple(axes.get_xlim()))


def frontier_figure(table: pd.DataFrame, model: Model):
    """`plots.plot_frontier` at the dashboard's size: every text at least SMALLEST_TEXT_PX
    on the page, clusters and axes named as people know them, cluster labels kept apart."""
    from matplotlib.text import Annotation
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from ..plots import as_text, plot_frontier

    resource = table.attrs.get("resource", model.resource_names[0])
    named = table.assign(jump_clusters=[
        ";".join(humanise(c) for c in str(clusters).split(";") if c)
        if isinstance(clusters, str) else clusters for clusters in table["jump_clusters"]])
    named.attrs = dict(table.attrs)
    figure = plot_frontier(named)
    figure.set_size_inches(*FRONTIER_SIZE)
    axes = figure.axes[0]
    axes.set_xlabel(as_text(f"{resource_label(model, resource)}: limit over the whole horizon"))
    axes.xaxis.set_major_formatter(FuncFormatter(
        lambda amount, _: as_text(format_amount(model, resource, amount))))
    axes.xaxis.set_major_locator(MaxNLocator(4))
    smallest = SMALLEST_TEXT_PX * 72 / PIXELS_PER_INCH + 0.05  # points
    axes.tick_params(labelsize=max(smallest, 9.5))
    for text in figure.findobj(lambda artist: hasattr(artist, "get_fontsize")
                               and hasattr(artist, "set_fontsize")):
        if text.get_fontsize() < smallest:
            text.set_fontsize(smallest)
    if axes.get_legend() is not None:  # the caption under the chart says it (frontier_html)
        axes.get_legend().remove()
    labels = [text for text in axes.texts
              if isinstance(text, Annotation) and text.arrow_patch is not None]
    _spread(figure, axes, labels)
    return figure


def _spread(figure, axes, labels) -> None:
    """Place annotation labels where none overlaps another or crosses the axes' edge: below
    and right of their point (under a rising frontier), else above and left, else below and
    left, each tried nearest first; failing all, where they overlap least."""
    for label in labels:
        label.set_in_layout(False)
        label.set_annotation_clip(False)
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    frame = axes.get_window_extent(renderer)
    taken = []
    for label in sorted(labels, key=lambda text: text.xy[0]):
        step = label.get_window_extent(renderer).height * 72 / figure.dpi + 3  # points
        candidates = [("left", 10, -(12 + k * step) - step) for k in range(16)]
        candidates += [("right", -10, 12 + k * step) for k in range(16)]
        candidates += [("right", -10, -(12 + k * step) - step) for k in range(16)]
        best = None
        for align, dx, dy in candidates:
            label.set_horizontalalignment(align)
            label.xyann = (dx, dy)
            box = label.get_window_extent(renderer)
            clash = sum(_overlap(box, other) for other in taken) + (
                box.width * box.height - _overlap(box, frame))
            if best is None or clash < best[0]:
                best = (clash, align, dx, dy)
            if clash <= 0:
                break
        _, align, dx, dy = best
        label.set_horizontalalignment(align)
        label.xyann = (dx, dy)
        taken.append(label.get_window_extent(renderer).padded(2))


def _overlap(one, other) -> float:
    """The area two boxes share [display pixels squared]."""
    width = min(one.x1, other.x1) - max(one.x0, other.x0)
    height = min(one.y1, other.y1) - max(one.y0, other.y0)
    return max(width, 0.0) * max(height, 0.0)


def frontier_html(picture: _Picture | None, view: FrontierView, model: Model) -> str:
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
                  f"height:{100 * picture.height:.2f}%;border-left:2px dashed #d62728'></div>")
    stale = "" if view.current else (
        "<div class='wb-muted'>Updating the frontier for the new settings…</div>")
    width = FRONTIER_SIZE[0] * PIXELS_PER_INCH
    return (f"<div style='position:relative;display:inline-block;width:{width:.0f}px;"
            f"max-width:100%'><img src='{picture.uri}' style='width:100%;display:block' "
            f"alt='efficient frontier'/>{marker}</div>"
            "<div class='wb-muted'><span style='color:#1565c0'>Blue steps</span>: the most "
            "value each limit buys; <span style='color:#ef6c00'>&#9650;</span>: a "
            "critical-mass cluster becomes affordable (named there)"
            + (f"; <span style='color:#d62728'>red dashed line</span>: the limit now, "
               f"{_e(format_amount(model, view.resource, budget))}" if marker else "")
            + f".</div>{stale}")
