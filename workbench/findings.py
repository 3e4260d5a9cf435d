"""Findings in words: results turned into short Markdown sentences, computed for any model.

Every function takes a model and results the library computed for it, and returns `Findings`:
Markdown that a notebook shows as formatted text (and nbval checks like any output), and that a
report prints. No sentence here is typed for one model: names come from the model's files
(actions.csv, stakeholders.csv, interactions.csv, resources.csv), amounts carry the units of
resources.csv (`units.format_amount`), value is in value points. When a model lacks the
optional table a finding needs, the finding says in one sentence what it would show and which
file to add.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

from .model import Model, PortfolioResult
from .portfolio.rules import whole_horizon_limits
from .units import format_amount, resource_label, resource_name

ROBUSTNESS_DEFAULTS = {"samples": 1000, "cost_spread": 0.0, "weight_concentration": 50.0}
"""The robustness settings used by the command line, the notebooks and the report alike."""

LISTED = 6  # names listed in one sentence before "and N more"


class Findings:
    """Markdown sentences: shown formatted in a notebook, as text anywhere else."""

    def __init__(self, text: str):
        self.text = text.strip()

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other) -> bool:
        return isinstance(other, Findings) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __add__(self, other: Findings) -> Findings:
        return Findings(f"{self.text}\n\n{other.text}")


# ---------------------------------------------------------------- words and numbers


def points(value: float, digits: int = 1) -> str:
    """'986.2 value points' (thousands separated)."""
    return f"{value:,.{digits}f} value points"


def percent(share: float, digits: int = 0) -> str:
    return f"{100 * share:.{digits}f}%"


def listing(items: Iterable[str], limit: int | None = LISTED) -> str:
    """'a', 'a and b', 'a, b and c'; beyond `limit` items, 'a, b, ... and 4 more'."""
    items = [str(item) for item in items]
    if limit is not None and len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def count(number: int, noun: str, plural: str | None = None) -> str:
    """'1 action', '3 actions'."""
    return f"{number:,} {noun if number == 1 else (plural or noun + 's')}"


def humanise(slug) -> str:
    """A slug as words: 'good_work' -> 'Good work'; text with capitals or spaces is kept."""
    text = str(slug)
    if text and text == text.lower() and " " not in text:
        text = text.replace("_", " ")
        return text[0].upper() + text[1:]
    return text


def action_name(model: Model, action: str) -> str:
    """An action's name from actions.csv (its id in words if it has none); a scheme's name."""
    if action in model.schemes:
        return model.scheme_name(action)
    name = model.actions["name"].get(action)
    return str(name) if isinstance(name, str) and name.strip() else humanise(action)


def action_names(model: Model, actions: Iterable[str], limit: int | None = LISTED) -> str:
    return listing([action_name(model, a) for a in actions], limit)


def _split(members) -> list[str]:
    if isinstance(members, str):
        return [m for m in members.split(";") if m]
    return list(members) if members is not None else []


def stakeholder_name(model: Model, stakeholder: str) -> str:
    """A stakeholder group's name from stakeholders.csv (its id in words if it has none)."""
    table = model.stakeholders
    if "name" in table.columns and "stakeholder" in table.columns:
        for name in table.loc[table["stakeholder"] == stakeholder, "name"]:
            if isinstance(name, str) and name.strip():
                return name.strip()
    return humanise(stakeholder)


def cluster_name(name: str) -> str:
    return humanise(str(name).removesuffix("_critical_mass"))


def amounts(model: Model, used: Mapping[str, float], limits: Mapping[str, float] | None = None
            ) -> str:
    """'money £652,000 of £680,000 (96%) and staff time 5.5 FTE of 5.5 FTE (100%)'; a resource
    without a limit shows its amount only."""
    from .units import resource_unit

    limits = limits or {}
    parts = []
    for resource, amount in used.items():
        name = resource_name(model, resource)
        name = name[0].lower() + name[1:] if name[:1].isupper() and name[1:2].islower() else name
        if resource_unit(model, resource):
            show = lambda x, r=resource: format_amount(model, r, x)  # noqa: E731
        else:  # the name says what it is: '222,000 of 258,514'
            show = lambda x, r=resource: format_amount(model, r, x).removesuffix(  # noqa: E731
                f" {resource_name(model, r)}")
        limit = limits.get(resource)
        if limit is not None and limit > 0:
            parts.append(f"{name} {show(amount)} of {show(limit)} ({percent(amount / limit)})")
        else:
            parts.append(f"{name} {show(amount)}")
    return listing(parts, None)


# ---------------------------------------------------------------- the model


def about(model: Model) -> Findings:
    """The model's title and description from settings.csv (or how to add them)."""
    title = str(model.settings.get("title") or "").strip()
    description = str(model.settings.get("description") or "").strip()
    if not title:
        source = str(getattr(model, "source", "") or "the model")
        title = source.rstrip("/").rsplit("/", 1)[-1] or "the model"
        description = description or ("(settings.csv gives no `title` or `description`: add "
                                      "rows `title,...` and `description,...` to name the model "
                                      "here and in reports)")
    text = f"**The model: {title}.**"
    return Findings(f"{text} {description}" if description else text)


def model_scope(model: Model) -> Findings:
    """What the model holds, in one sentence, with its limits in their units."""
    limits = whole_horizon_limits(model)
    groups = _stakeholders(model)
    kinds = model.interactions["kind"].value_counts() if len(model.interactions) else {}
    parts = [count(len(model.actions), "candidate action"), count(len(model.criteria), "criterion",
                                                                   "criteria")]
    text = (f"The model holds {parts[0]}, scored on {parts[1]}"
            + (f" by {count(len(groups), 'stakeholder group')}" if len(groups) > 1 else "")
            + ".")
    links = [count(int(kinds.get(kind, 0)), noun, plural) for kind, noun, plural in (
        ("synergy", "synergy pair", None), ("critical_mass", "critical-mass cluster", None),
        ("requires", "'requires' rule", None), ("excludes", "'excludes' rule", None))
        if int(kinds.get(kind, 0))]
    if links:
        text += f" Between the actions: {listing(links, None)}."
    if limits:
        text += (f" Limits over {count(model.horizon, 'year')}: "
                 + amounts(model, limits) + ".")
    return Findings(text)


def _stakeholders(model: Model) -> list[str]:
    if "stakeholder" not in model.scores.columns:
        return []
    groups = [g for g in dict.fromkeys(model.scores["stakeholder"]) if isinstance(g, str) and g]
    return groups


# ---------------------------------------------------------------- optional tables


NEEDS = {
    "portfolios": ("compare the optimised portfolio with reference portfolios, such as the "
                   "priorities a meeting picked by show of hands",
                   "add portfolios.csv (columns portfolio, action) naming each reference "
                   "portfolio's actions"),
    "stakeholders": ("show where stakeholder groups value the actions differently and a "
                     "portfolio every group can live with",
                     "add a stakeholder column to scores.csv with at least two groups' scores "
                     "(and optionally weights.csv with each group's own weights)"),
    "ranges": ("test how much the choice depends on uncertain weights and scores",
               "add weight_low and weight_high to criteria.csv, or low and high to scores.csv"),
    "multi_year": ("plan when each action should start over several years",
                   "set horizon_years above 1 in settings.csv, or add a scenario with a "
                   "`horizon` row to scenarios.csv"),
    "interactions": ("show how the actions support each other and what ignoring that costs",
                     "add interactions.csv (synergy and critical_mass rows)"),
    "weights": ("compare each group's own weights",
                "add weights.csv (columns stakeholder, criterion, weight)"),
    "progress": ("set the plan beside what has happened so far and re-plan the years left",
                 "add progress.csv (one row per action and year reported)"),
}


def has(model: Model, need: str) -> bool:
    """Whether the model holds what a section needs (one of NEEDS)."""
    if need == "portfolios":
        return len(model.portfolios) > 0
    if need == "stakeholders":
        return len(_stakeholders(model)) >= 2
    if need == "ranges":
        criteria, scores = model.criteria, model.scores
        weight = any(c in criteria.columns and criteria[c].notna().any()
                     for c in ("weight_low", "weight_high"))
        score = any(c in scores.columns and scores[c].notna().any() for c in ("low", "high"))
        return weight or score
    if need == "multi_year":
        return multi_year_scenario(model) is not None
    if need == "interactions":
        return bool(model.interactions["kind"].isin(["synergy", "critical_mass"]).any())
    if need == "weights":
        return len(model.weights) > 0 and len(_stakeholders(model)) >= 2
    if need == "progress":
        return len(getattr(model, "progress", ())) > 0
    raise ValueError(f"unknown need {need!r} (known: {', '.join(NEEDS)})")


def missing(model: Model, need: str) -> Findings:
    """One sentence: what a section would show, and which file to add for it."""
    would, add = NEEDS[need]
    return Findings(f"*Not in this model.* This section would {would}; to see it, {add}.")


def multi_year_scenario(model: Model) -> str | None:
    """'' when the model's own horizon is over a year; else the first scenario of
    scenarios.csv that plans over several years; None when neither exists."""
    if model.horizon > 1:
        return ""
    from .errors import WorkbenchError
    from .scenarios import load_scenarios

    try:
        scenarios = load_scenarios(model)
    except WorkbenchError:  # a broken scenarios.csv has no plan to offer
        return None
    rows = scenarios[scenarios["kind"] == "horizon"]
    for name, value in zip(rows["scenario"], rows["value"]):
        try:
            if int(float(value)) > 1:
                return str(name)
        except (TypeError, ValueError):
            continue
    return None


def multi_year(model: Model):
    """(model, Options, words) of the model's multi-year plan: its own horizon, else the first
    scenario that plans over several years. Raises ModelError when there is none."""
    from .errors import ModelError, Problem
    from .options import run_options
    from .scenarios import apply_scenario

    name = multi_year_scenario(model)
    if name is None:
        raise ModelError(Problem("settings.csv", None, "horizon_years", str(missing(
            model, "multi_year"))))
    if name == "":
        return model, run_options(model), Findings(
            f"The model plans over {count(model.horizon, 'year')} (settings.csv).")
    planned, options = apply_scenario(model, name)
    return planned, options, Findings(
        f"The model's own plan is for one year; the scenario **{name}** of scenarios.csv plans "
        f"over {count(options.horizon or planned.horizon, 'year')}, with these limits over the "
        f"whole plan: {amounts(planned, whole_horizon_limits(planned, options.limits))}.")


def tighter_limits(model: Model, share: float = 0.8) -> dict[str, float]:
    """The first resource's whole-plan limit cut to `share` of itself: a leaner year."""
    resource = model.resource_names[0]
    return {resource: round(share * whole_horizon_limits(model)[resource], 6)}


# ---------------------------------------------------------------- portfolios


def clusters(model: Model, result: PortfolioResult) -> pd.DataFrame:
    """Each critical-mass cluster: name, threshold, funded members, reached, bonus earned."""
    rows = []
    table = model.interactions[model.interactions["kind"] == "critical_mass"]
    earned = result.earned_interactions
    earned = earned[earned["kind"] == "critical_mass"].set_index("name")["earned"] \
        if len(earned) else pd.Series(dtype=float)
    chosen = set(result.selected)
    for _, row in table.iterrows():
        members = _split(row["members"])
        bonus = float(earned.get(row["name"], 0.0))
        rows.append({"cluster": cluster_name(row["name"]), "threshold": int(row["threshold"]),
                     "members": len(members), "funded": sum(m in chosen for m in members),
                     "reached": bonus > 0, "bonus": float(row["bonus"]), "earned": bonus})
    return pd.DataFrame(rows, columns=["cluster", "threshold", "members", "funded", "reached",
                                       "bonus", "earned"])


def _cluster_sentence(model: Model, result: PortfolioResult) -> str:
    table = clusters(model, result)
    if not len(table):
        return ""
    reached = table[table["reached"]]
    missed = table[~table["reached"]]
    if len(reached):
        text = (f"It reaches {len(reached)} of the "
                f"{count(len(table), 'critical-mass cluster')} ("
                f"{listing(reached['cluster'], None)}: {points(reached['earned'].sum())})")
    elif len(table) == 1:
        text = "It does not reach the model's critical-mass cluster"
    else:
        text = f"It reaches none of the {count(len(table), 'critical-mass cluster')}"
    if len(missed):
        text += ("; it misses " if len(reached) else ": it misses ") + listing(
            [f"{row.cluster} ({row.funded} of the {row.threshold} actions it needs)"
             for row in missed.itertuples()], None)
    return text + "."


def headline(model: Model, result: PortfolioResult, name: str = "The optimised portfolio",
             limits: Mapping[str, float] | None = None) -> Findings:
    """What is funded, its value and what it uses of each limit."""
    if not result.found:
        return Findings(f"{name}: no portfolio meets every limit and rule. "
                        + " ".join(result.reasons))
    value = result.value
    whole = whole_horizon_limits(model, _limits(limits))
    text = (f"{name} funds {len(result.selected)} of the {count(len(model.actions), 'action')}, "
            f"worth {points(value['total'])} ({value['standalone']:,.1f} standalone, "
            f"{value['synergy']:,.1f} from synergies, {value['critical_mass']:,.1f} from "
            f"critical mass). It uses {amounts(model, result.cost, whole)}. "
            f"{_cluster_sentence(model, result)}")
    if not result.fits:
        text += " It breaks: " + "; ".join(_breach_words(model, result)) + "."
    text += f"\n\nFunded: {action_names(model, result.selected, None)}."
    return Findings(text)


def _limits(limits) -> dict | None:
    """A run's limits from Options or a mapping (None: the model's own)."""
    limits = getattr(limits, "limits", limits)
    return dict(limits) if limits else None


def _breach_words(model: Model, result: PortfolioResult) -> list[str]:
    words = []
    for row in result.breaches.itertuples():
        if row.family == "limit" and row.target in model.resource_names \
                and not math.isnan(row.amount) and not math.isnan(row.limit):
            words.append(f"it uses {format_amount(model, row.target, row.amount)} of "
                         f"{resource_name(model, row.target)}, "
                         f"{format_amount(model, row.target, row.amount - row.limit)} over the "
                         f"limit of {format_amount(model, row.target, row.limit)}")
        else:
            words.append(str(row.message))
    return words


def reference_portfolios(model: Model, best: PortfolioResult,
                         names: Iterable[str] | None = None) -> Findings:
    """Each reference portfolio of portfolios.csv against the optimised one: the value and cost
    gap, the clusters it reaches or misses, and any limit or rule it breaks."""
    from .portfolio.evaluate import evaluate

    if not has(model, "portfolios"):
        return missing(model, "portfolios")
    names = list(names) if names is not None else list(dict.fromkeys(model.portfolios["portfolio"]))
    blocks = []
    for name in names:
        result = evaluate(model, model.reference_portfolio(name))
        blocks.append(_comparison(model, best, result, f"**{name}**"))
    return Findings("\n".join(f"- {block}" for block in blocks))


def _comparison(model: Model, best: PortfolioResult, other: PortfolioResult, label: str) -> str:
    gap = best.value["total"] - other.value["total"]
    first = model.resource_names[0]
    cost_gap = other.cost.get(first, 0.0) - best.cost.get(first, 0.0)
    more = "more" if gap > 0 else "less"
    text = (f"{label} funds {count(len(other.selected), 'action')}, worth "
            f"{points(other.value['total'])}: {points(abs(gap))} {'fewer' if gap > 0 else 'more'}"
            f" than the optimised portfolio" if abs(gap) >= 0.05 else
            f"{label} funds {count(len(other.selected), 'action')}, worth "
            f"{points(other.value['total'])}, as much as the optimised portfolio")
    if abs(cost_gap) >= 1e-9:
        text += (f", for {format_amount(model, first, abs(cost_gap))} "
                 f"{'more' if cost_gap > 0 else 'less'} {resource_name(model, first).lower()}")
    text += ". "
    added = [a for a in other.selected if a not in best.selected]
    dropped = [a for a in best.selected if a not in other.selected]
    if added:
        text += f"It funds {action_names(model, added)}, which the optimised portfolio does not. "
    if dropped:
        text += f"It leaves out {action_names(model, dropped)}. "
    text += _cluster_sentence(model, other).replace("It reaches", "It reaches", 1)
    if not other.fits:
        text += " It breaks " + ("a limit or rule: " if len(other.breaches) == 1 else
                                 "limits or rules: ") + "; ".join(_breach_words(model, other)) + "."
    del more
    return text.strip()


def comparison(model: Model, table: pd.DataFrame) -> Findings:
    """The `compare` table in words: each portfolio's value and gain over it, what it uses."""
    rows = table.set_index("portfolio")
    if "optimised" not in rows.index:
        return Findings("")
    best = rows.loc["optimised"]
    lines = []
    for name, row in rows.iterrows():
        if name == "optimised":
            continue
        used = {r: float(row[r]) for r in model.resource_names if r in row.index}
        line = (f"- **{name}** is worth {points(row['value'])}, {points(row['gain'])} less than "
                f"the optimised portfolio's {row_value(best)}, and uses "
                f"{amounts(model, used, whole_horizon_limits(model))}")
        line += "." if bool(row["feasible"]) else "; it does not fit every limit and rule."
        lines.append(line)
    return Findings("\n".join(lines))


def row_value(row) -> str:
    return f"{row['value']:,.1f}"


def value_for_money(model: Model, best: PortfolioResult, other: PortfolioResult) -> Findings:
    """The value-for-money list (ranked by value per unit of the first resource)."""
    return Findings(_comparison(model, best, other, "The **value-for-money list**"))


def budget_matches(model: Model, matches: pd.DataFrame | pd.Series, table: pd.DataFrame,
                   resource: str | None = None) -> Findings:
    """From `budget_for_value`: the least money that matches each portfolio's value."""
    resource = resource or model.resource_names[0]
    frame = matches if isinstance(matches, pd.DataFrame) else matches.to_frame("budget")
    budget_column = next((c for c in ("budget", "least_budget", "budget_needed")
                          if c in frame.columns), frame.columns[0])
    used = table.set_index("portfolio")[resource] if resource in table.columns else None
    lines = []
    for name, row in frame.iterrows():
        if name == "optimised":
            continue
        needed = row[budget_column]
        if needed is None or (isinstance(needed, float) and math.isnan(needed)):
            lines.append(f"- No budget buys the value of **{name}** within the other limits.")
            continue
        line = (f"- The optimiser matches the value of **{name}** with "
                f"{format_amount(model, resource, needed)}")
        if used is not None and name in used.index:
            saving = float(used[name]) - float(needed)
            spent = format_amount(model, resource, float(used[name]))
            if format_amount(model, resource, abs(saving)) == format_amount(model, resource, 0):
                line += f", the same {spent} it uses: it is efficient for what it spends"
            else:
                line += (f": {format_amount(model, resource, abs(saving))} "
                         f"{'less' if saving >= 0 else 'more'} than the {spent} it uses")
        lines.append(line + ".")
    return Findings("\n".join(lines))


# ---------------------------------------------------------------- scores


def weights(model: Model) -> Findings:
    """The agreed weights as shares, largest first, and each group's largest."""
    agreed = model.criteria.set_index("id")["weight"].astype(float)
    share = agreed / agreed.sum()
    names = model.criteria.set_index("id")["name"]
    order = share.sort_values(ascending=False)
    text = ("The agreed weights, as shares of all weights: " + listing(
        [f"{names[c]} {percent(s)}" for c, s in order.items()], None) + ".")
    if has(model, "weights"):
        table = model.weights
        lines = []
        for group, rows in table.groupby("stakeholder", sort=False):
            own = rows.set_index("criterion")["weight"].astype(float)
            own = own / own.sum()
            top = own.sort_values(ascending=False).head(2)
            low = own.sort_values().head(1)
            lines.append(f"- {stakeholder_name(model, group)} put most on "
                         + listing([f"{names.get(c, c)} ({percent(s)})" for c, s in top.items()],
                                   None)
                         + f" and least on {names.get(low.index[0], low.index[0])} "
                           f"({percent(low.iloc[0])}).")
        text += "\n\nEach group's own weights:\n\n" + "\n".join(lines)
    return Findings(text)


def values(model: Model, scores: pd.DataFrame) -> Findings:
    """The actions worth most and least on their own."""
    table = scores.sort_values("value", ascending=False)
    top, bottom = table.head(3), table.tail(3).iloc[::-1]
    return Findings(
        "Worth most on its own: " + listing([f"{action_name(model, a)} ({points(v)})" for a, v in
                                             top["value"].items()], None)
        + ". Worth least: " + listing([f"{action_name(model, a)} ({points(v)})" for a, v in
                                       bottom["value"].items()], None)
        + ". Standalone value is only part of the story: an action may make others work better.")


def spread(model: Model, scores: pd.DataFrame, top: int = 3) -> Findings:
    """Where the groups' own scores value an action most differently."""
    if not has(model, "stakeholders") or "spread" not in scores.columns:
        return missing(model, "stakeholders")
    table = scores.sort_values("spread", ascending=False).head(top)
    return Findings("The groups' scores differ most on " + listing(
        [f"{action_name(model, a)} (from {row['stakeholder_min']:,.1f} to "
         f"{row['stakeholder_max']:,.1f} value points, a spread of {row['spread']:,.1f})"
         for a, row in table.iterrows()], None) + ".")


# ---------------------------------------------------------------- interactions


def interactions(model: Model, result: PortfolioResult) -> Findings:
    """What the synergies and clusters add to a portfolio."""
    earned = result.earned_interactions
    if not has(model, "interactions"):
        return missing(model, "interactions")
    synergy = earned[earned["kind"] == "synergy"] if len(earned) else earned
    gains = synergy[synergy["earned"] > 0]["earned"].sum() if len(synergy) else 0.0
    losses = synergy[synergy["earned"] < 0]["earned"].sum() if len(synergy) else 0.0
    text = _cluster_sentence(model, result)
    text += (f" Synergies add {points(gains)}" + (f" and overlaps take away "
             f"{points(-losses)}" if losses < 0 else "") + f": {points(gains + losses)} net.")
    return Findings(text)


def ignoring_interactions(model: Model, result: PortfolioResult, blind: PortfolioResult,
                          resource_limits: Mapping[str, float] | None = None) -> Findings:
    """What the interaction-blind pick loses, scored with the full model."""
    from .portfolio.evaluate import evaluate

    scored = evaluate(model, blind, limits=dict(resource_limits or {}))
    loss = result.value["total"] - scored.value["total"]
    added = [a for a in scored.selected if a not in result.selected]
    dropped = [a for a in result.selected if a not in scored.selected]
    where = (" within " + listing([format_amount(model, r, v) for r, v in
                                   resource_limits.items()], None)) if resource_limits else ""
    if loss < 0.05 and not added and not dropped:
        return Findings(f"Treating the actions as independent{where} picks the same portfolio: "
                        "here the interactions do not change the choice.")
    text = (f"Treating the actions as independent{where} loses {points(loss)} "
            f"({scored.value['total']:,.1f} against {result.value['total']:,.1f})")
    swaps = []
    if added:
        swaps.append(f"funding {action_names(model, added)}")
    if dropped:
        swaps.append(f"leaving out {action_names(model, dropped)}")
    text += (", by " + " and ".join(swaps) if swaps else "") + ". "
    text += _cluster_sentence(model, scored).replace("It reaches", "The blind pick reaches", 1)
    return Findings(text)


# ---------------------------------------------------------------- time and money


def plan(model: Model, result: PortfolioResult, options=None) -> Findings:
    """A multi-year plan: what starts when and what each year uses.
    options: the run's Options (or limits), whose limits replace the model's."""
    if not result.found:
        return headline(model, result, "The plan", options)
    starts = pd.Series(result.start_year)
    text = str(headline(model, result, f"Over {count(result.horizon, 'year')} the plan",
                        options))
    by_year = []
    for year, actions in starts.groupby(starts).groups.items():
        by_year.append(f"year {year}: {action_names(model, sorted(actions, key=list(model.actions.index).index))}")
    text += "\n\nStarts by year: " + "; ".join(by_year) + "."
    left = [a for a in model.actions.index if a not in result.selected]
    if left:
        text += f" Left out: {action_names(model, left, None)}."
    return Findings(text)


def frontier_jumps(model: Model, table: pd.DataFrame, current: float | None = None,
                   resource: str | None = None) -> Findings:
    """The frontier: where it starts, where money stops buying value, where each cluster first
    becomes affordable, and what the current limit buys."""
    resource = resource or model.resource_names[0]
    found = table[table["value"].notna()].sort_values("budget")
    if not len(found):
        return Findings("No budget gives a portfolio that meets every other limit and rule.")
    amount = lambda x: format_amount(model, resource, x)  # noqa: E731
    text = (f"The cheapest portfolio that meets every rule uses "
            f"{amount(found['cost'].iloc[0])} and is worth {points(found['value'].iloc[0])}. "
            f"The best value rises in {count(len(found) - 1, 'step')}")
    top = found["value"].max()
    saturation = found[found["value"] >= top - 1e-9]["budget"].min()
    text += (f", up to {points(top)} at {amount(saturation)}; beyond that more "
             f"{resource_name(model, resource).lower()} buys nothing, as other limits or rules "
             "bind.")
    jumps = found[found["jump"].astype(bool)] if "jump" in found.columns else found.iloc[0:0]
    first = {}
    for budget, names in zip(jumps["budget"], jumps["jump_clusters"]):
        for name in _split(names):
            first.setdefault(name, budget)
    if first:
        text += (" A critical-mass cluster first becomes affordable at: " + listing(
            [f"{amount(b)} ({cluster_name(n)})" for n, b in first.items()], None) + ".")
    if current is not None:
        at = found[found["budget"] <= current + 1e-9]
        if len(at):
            row = at.iloc[-1]
            text += (f" At the current limit of {amount(current)} the best portfolio is worth "
                     f"{points(row['value'])} and uses {amount(row['cost'])}.")
            above = found[(found["budget"] > current + 1e-9) & (found["value"] > row["value"]
                                                                  + 1e-9)]
            if len(above):
                text += (f" The next better portfolio uses {amount(above['cost'].iloc[0])} "
                         f"(worth {points(above['value'].iloc[0])}).")
    return Findings(text)


def marginal(model: Model, table: pd.DataFrame, resource: str | None = None) -> Findings:
    """`marginal_budget` in words: what the last and the next step of money buy."""
    resource = resource or model.resource_names[0]
    lines = []
    for _, row in table.iterrows():
        label = str(row.get("change", row.name))
        low, high = row.get("from_budget", row.get("budget_from")), row.get("to_budget",
                                                                              row.get("budget_to"))
        gain = row.get("value_change", row.get("gain"))
        bits = f"- {humanise(label)}"
        if low is not None and high is not None:
            bits += (f" (from {format_amount(model, resource, low)} to "
                     f"{format_amount(model, resource, high)})")
        if gain is not None and not (isinstance(gain, float) and math.isnan(gain)):
            bits += f": {points(gain)}"
        for column, verb in (("added", "brings in"), ("dropped", "leaves out")):
            if column in row.index and _split(row[column]):
                bits += f"; {verb} {action_names(model, _split(row[column]))}"
        lines.append(bits + ".")
    return Findings("\n".join(lines))


# ---------------------------------------------------------------- explanations


def regret(model: Model, choices: pd.DataFrame, top: int = 3) -> Findings:
    """The choices that matter most: reversing which costs the most value."""
    table = choices.sort_values("regret", ascending=False)
    finite = table[table["regret"].apply(lambda r: math.isfinite(r))]
    impossible = table[~table["regret"].apply(lambda r: math.isfinite(r))]
    lines = []
    for row in finite.head(top).itertuples():
        verb = "Leaving out" if row.forced == "out" else "Funding"
        line = f"- {verb} **{action_name(model, row.action)}** costs {points(row.regret)}"
        added = [a for a in _split(row.added) if a != row.action]
        dropped = [a for a in _split(row.dropped) if a != row.action]
        if added or dropped:
            line += ": the best portfolio then " + " and ".join(
                ([f"adds {action_names(model, added)}"] if added else [])
                + ([f"drops {action_names(model, dropped)}"] if dropped else []))
        lines.append(line + ".")
    if len(impossible):
        lines.append("- " + listing([action_name(model, a) for a in impossible["action"]])
                     + (" cannot" if len(impossible) > 1 else " cannot")
                     + " be funded under the rules at all.")
    if not lines:
        return Findings("No single choice changes the value: every reversal is free.")
    return Findings("\n".join(lines))


# ---------------------------------------------------------------- robustness


def robustness_settings(result) -> Findings:
    """The settings a robustness run used (each page prints its own)."""
    settings = result.settings
    return Findings(
        f"Settings: {settings.get('samples', '?'):,} draws, seed {settings.get('seed', '?')}, "
        f"cost spread {percent(float(settings.get('cost_spread', 0) or 0))} either side of each "
        "stated cost (where no range is given), weight concentration "
        f"{float(settings.get('weight_concentration', 0)):g} (larger: draws closer to the agreed "
        "weights).")


def core(model: Model, result) -> Findings:
    """Core, borderline and exterior actions, and how many draws had a portfolio."""
    table = result.core
    classes = {status: list(table.index[table["status"] == status])
               for status in ("core", "borderline", "exterior")}
    draws = int(result.settings.get("samples", 0))
    text = (f"Of {count(len(table), 'action')}, {len(classes['core'])} are core (chosen in at "
            f"least 90% of draws), {len(classes['borderline'])} borderline and "
            f"{len(classes['exterior'])} exterior (at most 10%).")
    if result.infeasible_draws:
        text += (f" {count(result.infeasible_draws, 'draw')} of {draws:,} had no portfolio "
                 "within the limits.")
    if classes["core"]:
        text += f"\n\n- Core: {action_names(model, classes['core'], None)}."
    border = table.loc[classes["borderline"]].sort_values("core_index", ascending=False)
    if len(border):
        text += "\n- Borderline: " + listing(
            [f"{action_name(model, a)} ({percent(row['core_index'])}"
             f"{', in the agreed optimum' if row['in_baseline'] else ''})"
             for a, row in border.iterrows()], None) + "."
    return Findings(text)


def value_spread(model: Model, result) -> Findings:
    """The optimal value over the draws."""
    summary = result.value_summary()
    if not summary.get("draws", 0):
        return Findings("No draw had a portfolio within the limits.")
    return Findings(f"Over the draws the optimal portfolio is worth {points(summary['median'])} "
                    f"at the median ({summary['p5']:,.1f} to {summary['p95']:,.1f} between the "
                    "5th and 95th percentiles).")


def stability(model: Model, table: pd.DataFrame) -> Findings:
    """Weight stability: which criteria's stated ranges keep the portfolio, and the closest."""
    names = model.criteria.set_index("id")["name"]
    if "stable_over_range" not in table.columns or not len(table):
        return Findings("")
    unstable = table[table["stable_over_range"] == False]  # noqa: E712 - NaN: no range stated
    stable = table[table["stable_over_range"] == True]  # noqa: E712
    lines = []
    if len(stable):
        lines.append(f"The portfolio holds over the whole stated weight range of "
                     f"{listing([names.get(c, c) for c in stable.index], None)}.")
    if len(unstable):
        lines.append("It changes within the stated range of " + listing(
            [f"{names.get(c, c)} (stable from {percent(row['low'], 1)} to "
             f"{percent(row['high'], 1)})" for c, row in unstable.iterrows()], None) + ".")
    # how far the stable interval reaches past the stated range (or the agreed weight)
    below = table["range_low"].fillna(table["weight"]) - table["low"]
    above = table["high"] - table["range_high"].fillna(table["weight"])
    closest = below.combine(above, min).idxmin()
    row = table.loc[closest]
    stated = (f", stated range {percent(row['range_low'], 1)} to {percent(row['range_high'], 1)}"
              if pd.notna(row["range_low"]) and pd.notna(row["range_high"]) else "")
    lines.append(f"The closest is {names.get(closest, closest)} (agreed "
                 f"{percent(row['weight'], 1)}{stated}): the portfolio holds from "
                 f"{percent(row['low'], 1)} to {percent(row['high'], 1)} of all weights.")
    return Findings(" ".join(lines))


def tipping(model: Model, table: pd.DataFrame, top: int = 4) -> Findings:
    """Tipping points: the decisions closest to flipping (None or empty: no borderline)."""
    if table is None or not len(table):
        return Findings("No borderline actions, so no decision is close to flipping.")
    close = table.reindex(table["change"].abs().sort_values().index).head(top)
    return Findings("Closest to flipping: " + listing(
        [f"{action_name(model, a)} ({'funded' if row['selected'] else 'left out'}; "
         f"{abs(row['change']):,.1f} value points {'lower' if row['selected'] else 'higher'} "
         "would flip it)" for a, row in close.iterrows()], None) + ".")


# ---------------------------------------------------------------- stakeholders


def consensus(model: Model, result) -> Findings:
    """The consensus portfolio: the smallest share it leaves a group, and against the optimum."""
    shares = result.shares
    row = shares.loc["consensus"]
    groups = [c for c in shares.columns if c != "minimum"]
    worst = min(groups, key=lambda g: row[g])
    text = (f"The consensus portfolio leaves no group less than {percent(row['minimum'], 1)} of "
            f"its own best ({stakeholder_name(model, worst)} is the worst off). It is worth "
            f"{points(result.portfolio.value['total'])} under the agreed weights.")
    if "agreed weights" in shares.index:
        same = shares.loc["agreed weights", "minimum"]
        text += (f" The optimum under the agreed weights leaves the worst-off group "
                 f"{percent(same, 1)}.")
    own = [i for i in shares.index if str(i).startswith("own: ")]
    if own:
        worst_own = min(own, key=lambda i: shares.loc[i, "minimum"])
        loser = min(groups, key=lambda g: shares.loc[worst_own, g])
        text += (f" The most one-sided is the portfolio of "
                 f"{stakeholder_name(model, worst_own.removeprefix('own: '))}: it would leave "
                 f"{stakeholder_name(model, loser)} {percent(shares.loc[worst_own, loser], 1)}.")
    return Findings(text)


def disagreement(model: Model, table: pd.DataFrame, top: int = 3) -> Findings:
    """Where the groups disagree in ways that change the decision (or come closest)."""
    if not len(table):
        return missing(model, "stakeholders")
    names = model.criteria.set_index("id")["name"]

    def cell(action, criterion, row):
        return (f"{action_name(model, action)} on {names.get(criterion, criterion)} "
                f"({stakeholder_name(model, row['lowest_group'])} {row['lowest_score']:g}, "
                f"{stakeholder_name(model, row['highest_group'])} {row['highest_score']:g}: "
                f"moving its value by {points(row['value_spread'])})")

    decisive = table[table["changes_decision"].astype(bool)]
    lines = []
    if len(decisive):
        lines.append("Disagreement on one criterion alone changes the decision on: " + listing(
            [cell(a, c, row) for (a, c), row in decisive.head(top).iterrows()], None) + ".")
    else:
        (action, criterion), row = next(iter(table.sort_values(
            "share_of_tipping", ascending=False).iterrows()))
        lines.append(f"No single criterion's disagreement changes a decision. The closest is "
                     f"{cell(action, criterion, row)}, {percent(row['share_of_tipping'])} of the "
                     f"{points(abs(row['tipping']))} that would flip it.")
    hanging = table[table["action_changes_decision"].astype(bool)]
    if len(hanging):
        effects = hanging.groupby(level=0, sort=False)["effect"].first()
        lines.append("Decisions that hang on whose scores hold: " + listing(
            [f"{action_name(model, a)} ({_effect_words(model, e)})" for a, e in effects.items()],
            None) + ".")
    return Findings(" ".join(lines))


def _effect_words(model: Model, effect: str) -> str:
    text = str(effect)
    for group in _stakeholders(model):
        text = text.replace(f"{group}'s", f"{stakeholder_name(model, group)}'s")
    return text


def largest_disagreement(model: Model, table: pd.DataFrame) -> Findings:
    """The one disagreement most worth a meeting's time, for the executive summary."""
    return disagreement(model, table, top=1)


# ---------------------------------------------------------------- tables for people


LIST_COLUMNS = ("added", "dropped", "selected", "actions", "members")
SHARE_COLUMNS = ("core_index", "share", "share_of_tipping", "minimum")


def readable(table: pd.DataFrame | pd.Series, model: Model, *,
             shares: Iterable[str] | bool = (), amounts: Mapping[str, str] | None = None,
             digits: int = 1) -> pd.DataFrame:
    """A table as people read it: names for ids (actions, criteria, stakeholder groups),
    resource amounts with their units, thousands separators, shares as percentages, yes/no,
    blanks for missing numbers, and column headers in words. The numbers are only formatted,
    never changed; a share column is one of SHARE_COLUMNS or `shares` (True: every column);
    `amounts` maps other columns to the resource whose unit they are in. A table with a column
    of action ids and a range index is indexed by the actions' names.
    """
    frame = table.to_frame() if isinstance(table, pd.Series) else table.copy()
    if "action" in frame.columns and isinstance(frame.index, pd.RangeIndex) \
            and frame["action"].isin(model.actions.index).all():
        frame = frame.set_index("action")
    share_columns = set(SHARE_COLUMNS) | (set(map(str, frame.columns)) if shares is True
                                          else set(shares))
    actions = {a: action_name(model, a) for a in model.actions.index}
    criteria = dict(zip(model.criteria["id"], model.criteria["name"]))
    groups = {g: stakeholder_name(model, g) for g in _stakeholders(model)}
    labels = {resource_label(model, r): r for r in model.resource_names}
    labels.update({r: r for r in model.resource_names})
    labels.update(dict(amounts or {}))
    out = pd.DataFrame(index=frame.index)
    headers = {}
    for column in frame.columns:
        values = frame[column]
        key = column if isinstance(column, str) else str(column)
        first, second = (groups, criteria) if frame.columns.name == "stakeholder" else (
            criteria, groups)
        headers[column] = (first.get(key) or second.get(key)
                           or (key if key == "name" else key.replace("_", " ")))
        if key in labels and pd.api.types.is_numeric_dtype(values):
            resource = labels[key]
            out[column] = ["" if pd.isna(v) else format_amount(model, resource, float(v))
                           for v in values]
            headers[column] = (resource_label(model, resource) if key in model.resource_names
                               or key == resource_label(model, resource) else
                               f"{key.replace('_', ' ')} [{_unit_or_name(model, resource)}]")
        elif key in LIST_COLUMNS:
            out[column] = [", ".join(actions.get(a, humanise(a)) for a in _split(v))
                           if isinstance(v, (str, tuple, list)) else "" for v in values]
        elif pd.api.types.is_bool_dtype(values) or (
                values.dtype == object and len(values.dropna())
                and all(isinstance(v, bool) for v in values.dropna())):
            out[column] = ["" if pd.isna(v) else ("yes" if v else "no") for v in values]
        elif pd.api.types.is_numeric_dtype(values):
            if key in share_columns:
                out[column] = ["" if pd.isna(v) else percent(float(v), digits) for v in values]
            elif pd.api.types.is_integer_dtype(values):
                out[column] = [f"{int(v):,}" for v in values]
            else:
                out[column] = ["" if pd.isna(v) else ("∞" if math.isinf(v) else
                               f"{float(v):,.{digits}f}") for v in values]
        else:
            lookup = groups if "group" in key or key == "stakeholder" else (
                criteria if key == "criterion" else actions if key == "action" else {})
            out[column] = ["" if v is None or (isinstance(v, float) and math.isnan(v))
                           else _effect_words(model, v) if key == "effect"
                           else humanise(v) if key in ("theme", "kind", "status") else
                           str(lookup.get(v, v)) for v in values]
    out = out.rename(columns=headers)
    out.index = _readable_index(frame.index, actions, criteria, groups)
    if "name" in out.columns and list(frame.index) != list(range(len(frame))):
        out = out.set_index("name").rename_axis(out.index.name)
    return out


def _readable_index(index: pd.Index, actions: dict, criteria: dict, groups: dict) -> pd.Index:
    def lookup(name, values):
        table = (criteria if name == "criterion" else groups if name in ("stakeholder", "group")
                 else actions if name == "action" else
                 actions if all(v in actions for v in values) else
                 criteria if all(v in criteria for v in values) else {})
        return [table.get(v, v) if isinstance(v, str) else v for v in values]

    def label(name):
        return name.replace("_", " ") if isinstance(name, str) else name

    if isinstance(index, pd.MultiIndex):
        levels = [lookup(name, list(index.get_level_values(i)))
                  for i, name in enumerate(index.names)]
        return pd.MultiIndex.from_arrays(levels, names=[label(n) for n in index.names])
    return pd.Index(lookup(index.name, list(index)), name=label(index.name))


def funding_table(model: Model, result: PortfolioResult) -> pd.DataFrame:
    """What each funding stream pays for each funded action, in the stream's resource unit
    (rows: actions by name; columns: streams as funding.csv describes them)."""
    funding = result.funding
    if not len(funding):
        return pd.DataFrame(index=pd.Index([], name="action"))
    resource_of = _stream_resources(model)
    totals = funding.groupby(["action", "stream"], sort=False)["amount"].sum()
    table = pd.DataFrame(index=pd.Index(list(dict.fromkeys(funding["action"])), name="action"))
    for stream in dict.fromkeys(funding["stream"]):
        resource = resource_of.get(stream, model.resource_names[0])
        column = totals.xs(stream, level="stream") if stream in totals.index.get_level_values(
            "stream") else pd.Series(dtype=float)
        table[humanise(stream)] = [
            format_amount(model, resource, float(column.get(a, 0.0))) if column.get(a, 0.0)
            else "" for a in table.index]
    table.index = [action_name(model, a) for a in table.index]
    return table.rename_axis("action")


def stream_totals(model: Model, result: PortfolioResult) -> pd.DataFrame:
    """What each funding stream pays in all, with its unit."""
    funding = result.funding
    resource_of = _stream_resources(model)
    totals = funding.groupby("stream", sort=False)["amount"].sum() if len(funding) else {}
    rows = [(humanise(stream), stream_label(model, stream), format_amount(
        model, resource_of.get(stream, model.resource_names[0]), float(amount)))
        for stream, amount in dict(totals).items()]
    return pd.DataFrame(rows, columns=["funding stream", "what it is", "pays"]).set_index(
        "funding stream")


def _stream_resources(model: Model) -> dict[str, str]:
    table = model.funding
    if "resource" not in table.columns:
        return {}
    return {stream: resource for stream, resource in zip(table["stream"], table["resource"])
            if isinstance(resource, str) and resource}


def stream_label(model: Model, stream: str) -> str:
    """A funding stream's description in funding.csv (its name in words if none)."""
    rows = model.funding.loc[model.funding["stream"] == stream]
    if "description" in rows.columns:
        for text in rows["description"]:
            if isinstance(text, str) and text.strip():
                return text.strip()
    return humanise(stream)


def reference_results(model: Model) -> dict[str, PortfolioResult]:
    """Each reference portfolio of portfolios.csv, evaluated (empty without portfolios.csv)."""
    from .portfolio.evaluate import evaluate

    return {name: evaluate(model, model.reference_portfolio(name))
            for name in dict.fromkeys(model.portfolios["portfolio"])}


def current_limit(model: Model, resource: str | None = None) -> float | None:
    """The model's whole-plan limit of a resource (default the first), None if it has none."""
    return whole_horizon_limits(model).get(resource or model.resource_names[0])


def _unit_or_name(model: Model, resource: str) -> str:
    """'£' for money in pounds; the resource's name when resources.csv gives no unit."""
    from .units import resource_unit

    return resource_unit(model, resource) or resource_name(model, resource)
