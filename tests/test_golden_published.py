"""Golden tests: published prioritisation cases re-run in the workbench, each citing its source.

Every case is entered here as the source prints it, and checked twice:

1. the data alone, solved with scipy (`milp` or `linprog`), must give the source's stated
   answer, so a slip in copying the numbers fails there and not in the workbench;
2. the same data as workbench tables (`wb.from_tables`), optimised by the workbench, must give
   that answer too: the same actions (and shares) and the same value once value points are
   turned back into the source's unit.

The cases: mutually exclusive alternatives under a capital budget (Newnan et al.), mutually
exclusive health interventions under two budgets (Murray et al., WHO), funding levels of a
health programme (Hillier & Lieberman), and partial funding in a linear programme (Winston).

Each published value (a net present worth, a health benefit, person-years of life) is one
criterion of weight 1 on a linear scale, so an action's value points are 100 x (value -
baseline) / (scale_max - baseline) and one value point is worth (scale_max - baseline) / 100
of the source's unit.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

import workbench as wb


def published_model(actions: list[dict], resources: dict[str, float], *, criterion: str,
                     scale: tuple[float, float], baseline: float | None = None) -> wb.Model:
    """A one-criterion model: each action row has id, `value` (in the source's unit), one
    amount per resource, and optionally option_of and min_share; `resources` maps each
    resource to its limit."""
    frame = pd.DataFrame(actions)
    tables = {
        "actions": frame.drop(columns="value").assign(
            name=frame["id"], theme="published case", lead="source", indicator="as published"),
        "resources": pd.DataFrame({"resource": list(resources),
                                   "limit": list(resources.values())}),
        "criteria": pd.DataFrame({"id": [criterion], "name": [criterion], "weight": [1],
                                  "scale_min": [scale[0]], "scale_max": [scale[1]],
                                  "direction": ["higher"]}),
        "scores": pd.DataFrame({"action": frame["id"], "criterion": criterion,
                                "score": frame["value"]}),
        "settings": pd.DataFrame({"setting": ["horizon_years"], "value": ["1"]}),
    }
    if baseline is not None:
        tables["criteria"]["baseline"] = [baseline]
    return wb.from_tables(tables)


def in_source_unit(points: float, scale: tuple[float, float], baseline: float | None) -> float:
    """Value points back in the source's unit (direction 'higher'; default baseline: the
    worst end of the scale)."""
    zero = scale[0] if baseline is None else baseline
    return points * (scale[1] - zero) / 100


# ---------------------------------------------------------------------------------------------
# Capital rationing with mutually exclusive alternatives (Newnan, Eschenbach & Lavelle)
# ---------------------------------------------------------------------------------------------

# Newnan, D.G., Eschenbach, T.G. and Lavelle, J.P. (2004) Engineering Economic Analysis, 9th
# edition, Oxford University Press. Chapter 17, "Rationing Capital Among Competing Projects",
# Example 17-4 (pp. 527-528): three proposals, each with mutually exclusive alternatives (and a
# do-nothing alternative of cost 0 and NPW 0, which here is simply "not funded"); cost and net
# present worth (NPW) in thousands of dollars, as the table on p. 528 prints them. Proposal 2 has one alternative besides doing nothing.
NEWNAN_ALTERNATIVES = [  # (alternative, proposal, cost [$ thousand], NPW [$ thousand])
    ("1A", "proposal_1", 100, 60.04), ("1B", "proposal_1", 150, 66.06),
    ("1C", "proposal_1", 200, 67.40),
    ("2A", "", 50, 9.57),
    ("3A", "proposal_3", 100, 36.99), ("3B", "proposal_3", 150, 38.21),
]
# The selections the book states: p. 528 for $250,000 (by Lorie and Savage's multiplier), and
# p. 530 for $250,000, $300,000 and $400,000 (by incremental rate of return, "these answers
# agree with the computations in Example 17-4").
NEWNAN_ANSWERS = {250: ("1A", "2A", "3A"), 300: ("1B", "2A", "3A"), 400: ("1C", "2A", "3B")}
# NPW on a scale from -$100,000 to +$100,000 with doing nothing (NPW 0) as the baseline, so one
# value point is $1,000 of NPW and an alternative that lost money would count below zero.
NEWNAN_SCALE, NEWNAN_BASELINE = (-100, 100), 0


def newnan_model() -> wb.Model:
    rows = [{"id": alternative, "value": npw, "capital": cost, "option_of": proposal}
            for alternative, proposal, cost, npw in NEWNAN_ALTERNATIVES]
    return published_model(rows, {"capital": 250}, criterion="npw_thousands",
                           scale=NEWNAN_SCALE, baseline=NEWNAN_BASELINE)


def newnan_npw(selection) -> float:
    npw = {alternative: value for alternative, _, _, value in NEWNAN_ALTERNATIVES}
    return sum(npw[alternative] for alternative in selection)


@pytest.mark.parametrize("budget", sorted(NEWNAN_ANSWERS))
def test_newnan_example_17_4_data_give_the_stated_selections(budget):
    """Newnan, Eschenbach & Lavelle (2004), Engineering Economic Analysis, 9th ed., Example
    17-4 (pp. 527-528) and p. 530: the book's selection for each capital budget is the
    unique best one under the budget with at most one alternative per proposal (a 0-1
    programme solved by scipy's milp)."""
    names = [row[0] for row in NEWNAN_ALTERNATIVES]
    cost = np.array([row[2] for row in NEWNAN_ALTERNATIVES], dtype=float)
    npw = np.array([row[3] for row in NEWNAN_ALTERNATIVES])
    rows = [cost] + [np.array([row[1] == proposal for row in NEWNAN_ALTERNATIVES], dtype=float)
                     for proposal in ("proposal_1", "proposal_3")]
    solution = milp(-npw, constraints=LinearConstraint(np.array(rows), -np.inf, [budget, 1, 1]),
                    integrality=np.ones(len(names)), bounds=Bounds(0, 1))
    assert solution.success
    chosen = tuple(name for name, x in zip(names, solution.x) if x > 0.5)
    assert chosen == NEWNAN_ANSWERS[budget]
    assert -solution.fun == pytest.approx(newnan_npw(NEWNAN_ANSWERS[budget]), abs=1e-9)
    # unique: forbidding the stated selection costs NPW
    cut = np.array([[name in NEWNAN_ANSWERS[budget] for name in names]], dtype=float)
    second = milp(-npw, constraints=[LinearConstraint(np.array(rows), -np.inf, [budget, 1, 1]),
                                     LinearConstraint(cut, -np.inf, len(chosen) - 1)],
                  integrality=np.ones(len(names)), bounds=Bounds(0, 1))
    assert -second.fun < -solution.fun - 0.01


@pytest.mark.parametrize("budget", sorted(NEWNAN_ANSWERS))
def test_newnan_example_17_4_workbench_chooses_one_alternative_per_proposal(budget):
    """Newnan, Eschenbach & Lavelle (2004), Engineering Economic Analysis, 9th ed., Example
    17-4 (pp. 527-528) and p. 530: with a capital limit of $250,000 the book funds 1A, 2A
    and 3A; with $300,000, 1B, 2A and 3A; with $400,000, 1C, 2A and 3B. The alternatives of a
    proposal are versions of one scheme (`option_of`), so 1A and 1B are never funded together
    (at $300,000 they would otherwise be: 1A + 1B + 2A is worth $135,670); NPW is measured
    from the do-nothing baseline."""
    model = newnan_model()
    result = wb.optimise(model, limits={"capital": budget})
    assert result.found
    assert sorted(result.selected) == sorted(NEWNAN_ANSWERS[budget])
    assert result.shares == {alternative: 1.0 for alternative in NEWNAN_ANSWERS[budget]}
    assert in_source_unit(result.objective, NEWNAN_SCALE, NEWNAN_BASELINE) == pytest.approx(
        newnan_npw(NEWNAN_ANSWERS[budget]), abs=1e-6)
    assert result.cost["capital"] == pytest.approx(budget)


# ---------------------------------------------------------------------------------------------
# Mutually exclusive health interventions under two budgets (WHO generalised CEA)
# ---------------------------------------------------------------------------------------------

# Murray, C.J.L., Evans, D.B., Acharya, A. and Baltussen, R.M.P.M. (2000) Development of WHO
# guidelines on generalized cost-effectiveness analysis. Health Economics 9(3), 235-251.
# Table 1: eleven hypothetical interventions in three categories (a1-a4, b1-b3, c1-c4); the
# interventions of a category are mutually exclusive (alternative ways of tackling one
# problem), those of different categories independent. Table 4, "Optimal solutions with 2
# constraints": each intervention's cost split between the current budget (limit 70) and
# infrastructure (limit 100); the optimum funds b1 and c2, benefit 36.5, with no slack in
# either budget. Costs and benefits are in the paper's own hypothetical units.
WHO_INTERVENTIONS = {  # intervention: (current budget, infrastructure, health benefit)
    "a1": (60, 60, 1), "a2": (80, 60, 5.5), "a3": (90, 80, 3), "a4": (110, 80, 7),
    "b1": (35, 65, 12), "b2": (60, 60, 17), "b3": (75, 75, 20),
    "c1": (15, 35, 22), "c2": (35, 35, 24.5), "c3": (50, 70, 29), "c4": (85, 85, 31),
}
WHO_TOTAL_COST = {"a1": 120, "a2": 140, "a3": 170, "a4": 190, "b1": 100, "b2": 120,
                  "b3": 150, "c1": 50, "c2": 70, "c3": 120, "c4": 170}  # Table 1 and 4
WHO_LIMITS = {"current_budget": 70, "infrastructure": 100}
WHO_ANSWER, WHO_BENEFIT = ("b1", "c2"), 36.5
# Health benefit on a scale from 0 to 40 (the default baseline 0 is "not funded"), so one
# value point is 0.4 units of benefit.
WHO_SCALE = (0, 40)


def who_category(intervention: str) -> str:
    return f"category_{intervention[0]}"


def test_who_generalised_cea_data_give_the_stated_optimum():
    """Murray, Evans, Acharya & Baltussen (2000), Development of WHO guidelines on generalized
    cost-effectiveness analysis, Health Economics 9(3), Tables 1 and 4: the two budget shares
    of each intervention add up to its total cost in Table 1, and the 0-1 programme (at most
    one intervention per category, both budgets) solved by scipy's milp funds b1 and c2,
    benefit 36.5, both budgets used up. Without the one-per-category rule c1 and c2 together
    would be worth 46.5 within both budgets, so the rule decides the answer."""
    for name, (current, infrastructure, _) in WHO_INTERVENTIONS.items():
        assert current + infrastructure == WHO_TOTAL_COST[name]
    names = list(WHO_INTERVENTIONS)
    amounts = np.array([[row[0] for row in WHO_INTERVENTIONS.values()],
                        [row[1] for row in WHO_INTERVENTIONS.values()]], dtype=float)
    benefit = np.array([row[2] for row in WHO_INTERVENTIONS.values()])
    categories = sorted({who_category(name) for name in names})
    one_each = np.array([[who_category(name) == c for name in names] for c in categories],
                        dtype=float)

    def best(rows, limits):
        solution = milp(-benefit, constraints=LinearConstraint(rows, -np.inf, limits),
                        integrality=np.ones(len(names)), bounds=Bounds(0, 1))
        assert solution.success
        return -solution.fun, tuple(n for n, x in zip(names, solution.x) if x > 0.5), solution

    value, chosen, solution = best(np.vstack([amounts, one_each]),
                                   [*WHO_LIMITS.values(), *[1] * len(categories)])
    assert (value, chosen) == (pytest.approx(WHO_BENEFIT), WHO_ANSWER)
    assert amounts @ solution.x == pytest.approx(list(WHO_LIMITS.values()))
    assert best(amounts, list(WHO_LIMITS.values()))[:2] == (pytest.approx(46.5), ("c1", "c2"))


def test_who_generalised_cea_workbench_funds_the_stated_interventions():
    """Murray, Evans, Acharya & Baltussen (2000), Development of WHO guidelines on generalized
    cost-effectiveness analysis, Health Economics 9(3), Table 4, "Optimal solutions with 2
    constraints": with 70 in the current budget and 100 for infrastructure, b1 and c2 are
    funded, health benefit 36.5, neither budget has slack. The interventions of a category are
    versions of one scheme (`option_of`)."""
    rows = [{"id": name, "value": benefit, "current_budget": current,
             "infrastructure": infrastructure, "option_of": who_category(name)}
            for name, (current, infrastructure, benefit) in WHO_INTERVENTIONS.items()]
    model = published_model(rows, WHO_LIMITS, criterion="health_benefit", scale=WHO_SCALE)
    result = wb.optimise(model)
    assert result.found
    assert sorted(result.selected) == list(WHO_ANSWER)
    assert in_source_unit(result.objective, WHO_SCALE, None) == pytest.approx(WHO_BENEFIT,
                                                                              abs=1e-6)
    assert result.cost == pytest.approx(WHO_LIMITS)


# ---------------------------------------------------------------------------------------------
# Funding levels for a health programme (Hillier & Lieberman's World Health Council)
# ---------------------------------------------------------------------------------------------

# Hillier, F.S. and Lieberman, G.J. (2010) Introduction to Operations Research, 9th edition,
# McGraw-Hill. Section 11.3, Example 2, "Distributing Medical Teams to Countries": the World
# Health Council allocates five medical teams among three countries; the table gives the
# additional person-years of life, in thousands, for 0 to 5 teams in each country. The book's
# optimal allocation is one team to country 1, three to country 2 and one to country 3, for
# 170 thousand additional person-years.
WORLD_HEALTH_COUNCIL = {  # country: thousands of additional person-years for 1..5 teams
    "country_1": (45, 70, 90, 105, 120),
    "country_2": (20, 45, 75, 110, 150),
    "country_3": (50, 70, 80, 100, 130),
}
WORLD_HEALTH_TEAMS = 5
WORLD_HEALTH_ANSWER = {"country_1": 1, "country_2": 3, "country_3": 1}
WORLD_HEALTH_STATED_VALUE = 170  # thousand person-years, as the book states it
# Person-years on a scale from 0 to 150 thousand (the most any allocation in the table earns);
# the default baseline (the worst end, 0) is "no team sent".
WORLD_HEALTH_SCALE = (0, 150)


def world_health_options():
    return [(f"{country}_{teams}_teams", country, teams, value)
            for country, values in WORLD_HEALTH_COUNCIL.items()
            for teams, value in enumerate(values, start=1)]


def test_world_health_council_data_give_the_stated_allocation():
    """Hillier & Lieberman (2010), Introduction to Operations Research, 9th ed., Section
    11.3, Example 2: every allocation of at most five teams enumerated by hand; the book's
    (1, 3, 1) is the only one worth 170 thousand person-years, and nothing is worth more. The
    same answer from scipy's milp with one 'at most one level per country' row each."""
    values = WORLD_HEALTH_COUNCIL
    totals = {}
    for teams in np.ndindex(*(WORLD_HEALTH_TEAMS + 1,) * len(values)):
        if sum(teams) <= WORLD_HEALTH_TEAMS:
            totals[teams] = sum(values[c][n - 1] for c, n in zip(values, teams) if n)
    best = max(totals.values())
    assert best == WORLD_HEALTH_STATED_VALUE
    assert [t for t, v in totals.items() if v == best] == [tuple(WORLD_HEALTH_ANSWER.values())]

    options = world_health_options()
    value = np.array([row[3] for row in options], dtype=float)
    rows = [[row[2] for row in options]] + [[row[1] == c for row in options] for c in values]
    solution = milp(-value, constraints=LinearConstraint(np.array(rows, dtype=float), -np.inf,
                                                         [WORLD_HEALTH_TEAMS, 1, 1, 1]),
                    integrality=np.ones(len(options)), bounds=Bounds(0, 1))
    assert solution.success and -solution.fun == pytest.approx(WORLD_HEALTH_STATED_VALUE)
    assert {row[1]: row[2] for row, x in zip(options, solution.x) if x > 0.5} == \
        WORLD_HEALTH_ANSWER


def test_world_health_council_workbench_sends_the_stated_teams():
    """Hillier & Lieberman (2010), Introduction to Operations Research, 9th ed., Section
    11.3, Example 2, "Distributing Medical Teams to Countries": the optimal allocation is one
    team to country 1, three to country 2 and one to country 3, 170 thousand additional
    person-years of life. Each country's team counts are funding levels of one scheme
    (`option_of`); without that rule the workbench could stack levels of one country (1 and
    2 teams to country 1 plus one each to the others is 185 on paper, with five teams)."""
    options = world_health_options()
    rows = [{"id": action, "value": value, "medical_teams": teams, "option_of": country}
            for action, country, teams, value in options]
    model = published_model(rows, {"medical_teams": WORLD_HEALTH_TEAMS},
                            criterion="person_years_thousands", scale=WORLD_HEALTH_SCALE)
    result = wb.optimise(model)
    assert result.found
    expected = {f"{country}_{teams}_teams" for country, teams in WORLD_HEALTH_ANSWER.items()}
    assert set(result.selected) == expected
    assert in_source_unit(result.objective, WORLD_HEALTH_SCALE, None) == pytest.approx(
        WORLD_HEALTH_STATED_VALUE, abs=1e-6)
    assert result.cost["medical_teams"] == pytest.approx(WORLD_HEALTH_TEAMS)


# ---------------------------------------------------------------------------------------------
# Partial funding: a linear programme over shares of each investment (Winston's Star Oil)
# ---------------------------------------------------------------------------------------------

# Winston, W.L. (2004) Operations Research: Applications and Algorithms, 4th edition,
# Brooks/Cole. Section 3.6, "A Capital Budgeting Problem", Star Oil Company: five investments,
# each with a cash outflow now (time 0) and in a year (time 1) and a net present value, in
# millions of dollars; $40 million available at time 0 and $20 million at time 1; "Star Oil
# may purchase any fraction of each investment", outflows and NPV scaling with the fraction.
# The book's optimum (the LINDO output for Star Oil, printed to six decimals): investments 1,
# 3 and 4 whole, 0.200860 of investment 2 and 0.288084 of investment 5, NPV 57.4490166, both
# cash limits binding (slack 0).
STAR_OIL = {  # investment: (time 0 outflow, time 1 outflow, NPV) [$ million]
    "investment_1": (11, 3, 13), "investment_2": (53, 6, 16), "investment_3": (5, 5, 16),
    "investment_4": (5, 1, 14), "investment_5": (29, 34, 39),
}
STAR_OIL_CASH = {"cash_time_0": 40, "cash_time_1": 20}
STAR_OIL_SHARES = {"investment_1": 1.0, "investment_2": 0.200860, "investment_3": 1.0,
                   "investment_4": 1.0, "investment_5": 0.288084}
STAR_OIL_NPV = 57.4490166
# NPV on a scale from $0 to $100 million (default baseline 0), so one value point is $1 million.
STAR_OIL_SCALE = (0, 100)
# "Any fraction": the format needs a minimum share above 0, and 1% stands for "any share".
STAR_OIL_MIN_SHARE = 0.01


def test_star_oil_data_give_the_stated_fractions():
    """Winston (2004), Operations Research: Applications and Algorithms, 4th ed., Section 3.6,
    Star Oil Company: the linear programme solved by scipy's linprog gives the book's
    fractions (to the six decimals LINDO prints) and NPV $57.449 million, with both cash
    limits used up."""
    outflow = np.array([[row[0] for row in STAR_OIL.values()],
                        [row[1] for row in STAR_OIL.values()]], dtype=float)
    npv = np.array([row[2] for row in STAR_OIL.values()], dtype=float)
    solution = linprog(-npv, A_ub=outflow, b_ub=list(STAR_OIL_CASH.values()),
                       bounds=[(0, 1)] * len(npv), method="highs")
    assert solution.success
    assert -solution.fun == pytest.approx(STAR_OIL_NPV, abs=1e-6)
    assert solution.x == pytest.approx(list(STAR_OIL_SHARES.values()), abs=1e-6)
    assert outflow @ solution.x == pytest.approx(list(STAR_OIL_CASH.values()))
    # no share falls below the 1% minimum, so the minimum does not change the optimum
    assert min(solution.x[solution.x > 0]) >= STAR_OIL_MIN_SHARE


def test_star_oil_workbench_funds_the_stated_shares():
    """Winston (2004), Operations Research: Applications and Algorithms, 4th ed., Section 3.6,
    "A Capital Budgeting Problem" (Star Oil Company; LINDO output to six decimals): investments
    1, 3 and 4 whole, 0.200860 of investment 2 and 0.288084 of investment 5, NPV $57.4490166
    million, both cash limits binding. Each investment is scalable (`min_share`), its outflows
    and value scaling with its share."""
    rows = [{"id": name, "value": npv, "cash_time_0": now, "cash_time_1": later,
             "min_share": STAR_OIL_MIN_SHARE}
            for name, (now, later, npv) in STAR_OIL.items()]
    model = published_model(rows, STAR_OIL_CASH, criterion="npv_million",
                            scale=STAR_OIL_SCALE)
    result = wb.optimise(model)
    assert result.found
    assert sorted(result.selected) == sorted(STAR_OIL)
    assert result.shares == pytest.approx(STAR_OIL_SHARES, abs=1e-6)
    assert result.to_dict()["shares"] == pytest.approx(STAR_OIL_SHARES, abs=1e-6)
    assert in_source_unit(result.objective, STAR_OIL_SCALE, None) == pytest.approx(
        STAR_OIL_NPV, abs=1e-5)
    assert result.cost == pytest.approx(STAR_OIL_CASH, abs=1e-6)
