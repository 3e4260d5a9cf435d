"""The dashboard's views: the controller's tables as HTML, and figures as images."""
from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass

import pandas as pd

from ..model import Model
from ..plan import format_amount
from .controller import EXPLAIN_EVERY_ACTION_UP_TO, FrontierView

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
