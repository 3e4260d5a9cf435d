"""Small generated models shared by tests, benchmarks and docs.

`random_tables` returns the tables as an analyst would type them (so they go through the same
validation as a folder on disk); `random_model` validates them into a Model.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .io import from_tables
from .model import Model


def random_tables(n_actions: int = 8, seed: int = 0, *, n_resources: int = 2,
                  n_criteria: int = 3, synergy_share: float = 0.1, cluster_every: int = 20,
                  n_requires: int = 2, n_excludes: int = 1, budget_share: float = 0.5,
                  dense_synergy: float = 0.0, funding: bool = False, group_limits: bool = False,
                  forced: bool = False, horizon: int = 1,
                  stakeholders: int = 2, scalable: float = 0.0, schemes: int = 0,
                  baselines: bool = False, reach: bool = False,
                  profiles: bool = False) -> dict[str, pd.DataFrame]:
    """Tables of a random but well-formed model.

    synergy_share: share of actions that sit in a synergy pair (about one pair per two of them);
    dense_synergy: instead, the share of all pairs that carry a bonus;
    cluster_every: one critical-mass group per this many actions (at least one);
    budget_share: each resource's limit as a share of what funding every action would need.
    Real partnerships' forms: scalable, the share of actions that may be funded in part
    (min_share); schemes, how many schemes of 2-3 consecutive actions (option_of), some named
    in interactions and constraints; baselines, status-quo scores mid-scale on some criteria
    (so some values are negative); reach, a reach criterion (`per` people_reached); profiles,
    cost profiles over the actions' lives for some actions and resources.
    """
    rng = np.random.default_rng(seed)
    ids = [f"a{k:02d}" for k in range(n_actions)]
    resources = ["cost", "staff_fte", "capital", "volunteers"][:n_resources]
    themes = [f"theme{rng.integers(0, 3)}" for _ in ids]
    actions = pd.DataFrame({
        "id": ids, "name": [f"Action {k}" for k in range(n_actions)], "theme": themes,
        "lead": [f"lead{rng.integers(0, 3)}" for _ in ids],
        "indicator": ["people reached per year"] * n_actions,
    })
    for r in resources:
        actions[r] = rng.integers(1, 100, n_actions) * (1000 if r == "cost" else 1)
        actions[f"{r}_setup"] = np.where(rng.random(n_actions) < 0.3,
                                         rng.integers(0, 50, n_actions), 0)
    if horizon > 1:
        actions["duration_years"] = [rng.integers(1, horizon + 1) if rng.random() < 0.6 else None
                                     for _ in ids]
        actions["earliest_start"] = [rng.integers(1, horizon + 1) if rng.random() < 0.3 else 1
                                     for _ in ids]
    per_year_total = {r: float((actions[r] + actions[f"{r}_setup"]).sum()) for r in resources}
    resource_rows = [{"resource": r, "limit": round(budget_share * per_year_total[r] * horizon)}
                     for r in resources]
    if horizon > 1:
        resource_rows.append({"resource": resources[0], "year": 1,
                              "limit": round(budget_share * per_year_total[resources[0]])})
    criteria = pd.DataFrame({
        "id": [f"c{k}" for k in range(n_criteria)], "name": [f"Criterion {k}" for k in range(n_criteria)],
        "weight": rng.integers(1, 10, n_criteria), "scale_min": 0, "scale_max": 10,
        "direction": ["lower" if k == n_criteria - 1 and n_criteria > 1 else "higher"
                      for k in range(n_criteria)],
    })
    groups = [f"group{g}" for g in range(max(1, stakeholders))]
    scores = pd.DataFrame([
        {"action": a, "criterion": c, "stakeholder": g, "score": int(rng.integers(0, 11))}
        for a in ids for c in criteria["id"] for g in groups])
    interactions = _random_interactions(rng, ids, synergy_share, cluster_every, n_requires,
                                        n_excludes, dense_synergy, horizon)
    tables = {"actions": actions, "resources": pd.DataFrame(resource_rows), "criteria": criteria,
              "scores": scores, "interactions": interactions,
              "stakeholders": pd.DataFrame({"stakeholder": groups}),
              "settings": pd.DataFrame({"setting": ["horizon_years"], "value": [str(horizon)]})}
    constraints = []
    if group_limits:
        constraints += [{"kind": "theme_min", "target": themes[0], "value": 1},
                        {"kind": "theme_max", "target": themes[-1], "value": max(1, n_actions // 3)},
                        {"kind": "lead_max", "target": actions["lead"].iloc[0],
                         "value": max(1, n_actions // 3)}]
    if forced and n_actions >= 2:
        constraints += [{"kind": "include", "target": ids[int(rng.integers(0, n_actions))]},
                        {"kind": "exclude", "target": ids[-1]}]
        if constraints[-2]["target"] == ids[-1]:
            constraints.pop()
    if scalable:
        actions["min_share"] = [round(float(rng.uniform(0.1, 0.9)), 2)
                                if rng.random() < scalable else None for _ in ids]
    if schemes:
        _add_schemes(rng, tables, ids, schemes, constraints)
    if baselines:
        criteria["baseline"] = [int(rng.integers(2, 7)) if rng.random() < 0.6 else None
                                for _ in criteria["id"]]
    if reach:
        actions["people_reached"] = rng.integers(0, 5000, n_actions)
        criteria["per"] = ["people_reached" if k == 0 else "" for k in range(n_criteria)]
    rows = [{"action": a, "resource": r, "year": year,
             "amount": int(rng.integers(0, 120)) * (1000 if r == "cost" else 1)}
            for a in (ids if profiles else []) if rng.random() < 0.4 for r in resources[:1]
            for year in range(1, max(2, horizon) + 1) if rng.random() < 0.7]
    if rows:
        tables["profiles"] = pd.DataFrame(rows)
    if constraints:
        tables["constraints"] = pd.DataFrame(constraints)
    if funding:
        theme_names = sorted(set(themes))
        tables["funding"] = pd.DataFrame([
            {"stream": "general", "resource": "cost",
             "limit": round(0.3 * per_year_total["cost"] * horizon), "themes": "", "actions": ""},
            {"stream": "targeted", "resource": "cost",
             "limit": round(0.4 * per_year_total["cost"] * horizon),
             "themes": ";".join(theme_names[:2]), "actions": ids[-1]},
        ])
    return tables


def _add_schemes(rng, tables, ids, count, constraints) -> None:
    """Make runs of 2-3 consecutive actions versions of one scheme; name schemes instead of
    their versions in some interactions and in an include."""
    actions, n = tables["actions"], len(ids)
    versions: dict[str, str] = {}
    k = 0
    for s in range(count):
        size = int(rng.integers(2, 4))
        if k + size > n:
            break
        for action in ids[k:k + size]:
            versions[action] = f"scheme{s}"
        k += size + int(rng.integers(0, 2))
    actions["option_of"] = [versions.get(a, "") for a in ids]
    rows = tables["interactions"].to_dict("records")
    for row in rows:
        members = row["actions"].split(";")
        if row["kind"] == "requires":
            x, y = members
            if y in versions and versions.get(x) != versions[y] and rng.random() < 0.6:
                members[1] = versions[y]
        elif rng.random() < 0.6:
            renamed = []
            for m in members:
                scheme = versions.get(m)
                named = scheme if scheme and scheme not in renamed and not any(
                    versions.get(o) == scheme for o in members if o != m) else m
                renamed.append(named)
            members = renamed
        row["actions"] = ";".join(members)
    frame = pd.DataFrame(rows, columns=tables["interactions"].columns)
    tables["interactions"] = frame.drop_duplicates(subset=["kind", "actions"])
    if versions and rng.random() < 0.4:
        constraints.append({"kind": "include", "target": sorted(set(versions.values()))[0]})


def _random_interactions(rng, ids, synergy_share, cluster_every, n_requires, n_excludes,
                         dense_synergy, horizon) -> pd.DataFrame:
    n = len(ids)
    rows = []
    if dense_synergy:
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < dense_synergy]
    else:
        count = max(1, round(synergy_share * n / 2)) if n >= 2 else 0
        pairs = {tuple(sorted(rng.choice(n, 2, replace=False))) for _ in range(count)}
    for i, j in sorted(pairs):
        sign = 1 if dense_synergy or rng.random() < 0.75 else -1
        rows.append({"kind": "synergy", "actions": f"{ids[i]};{ids[j]}",
                     "bonus": sign * int(rng.integers(1, 15))})
    for g in range(max(1, n // cluster_every) if n >= 3 else 0):
        size = int(rng.integers(3, min(5, n) + 1))
        members = rng.choice(n, size, replace=False)
        rows.append({"kind": "critical_mass", "actions": ";".join(ids[m] for m in sorted(members)),
                     "threshold": int(rng.integers(2, size + 1)),
                     "bonus": int(rng.integers(10, 40)), "name": f"cluster{g}"})
    for _ in range(n_requires if n >= 2 else 0):
        x, y = sorted(rng.choice(n, 2, replace=False), reverse=True)  # later needs earlier: no cycles
        rows.append({"kind": "requires", "actions": f"{ids[x]};{ids[y]}",
                     "lag": int(rng.integers(0, 2)) if horizon > 1 else ""})
    for _ in range(n_excludes if n >= 2 else 0):
        x, y = rng.choice(n, 2, replace=False)
        rows.append({"kind": "excludes", "actions": f"{ids[x]};{ids[y]}"})
    frame = pd.DataFrame(rows, columns=["kind", "actions", "threshold", "bonus", "lag", "name"])
    frame = frame.drop_duplicates(subset=["kind", "actions"])
    return frame


def random_model(n_actions: int = 8, seed: int = 0, **options) -> Model:
    """A validated random model; see `random_tables` for the options."""
    return from_tables(random_tables(n_actions, seed, **options), source=f"random({n_actions}, {seed})")


def tiny_model(actions, limit: float, *, interactions=(), constraints=(), funding=None,
               horizon: int = 1) -> Model:
    """A hand-made model for tests and docs: one criterion 'benefit' (value = 10 x score
    [value points]) and one resource 'cost'. Action rows: (id, score, cost[, theme[, lead[,
    extra columns such as duration_years]]]); theme defaults to 't', lead to 'l'."""
    frame = pd.DataFrame(actions)
    frame.columns = ["id", "score", "cost", "theme", "lead", *frame.columns[5:]][:frame.shape[1]]
    frame = frame.assign(**{column: frame.get(column, default)
                            for column, default in (("theme", "t"), ("lead", "l"))})
    tables = {
        "actions": frame.drop(columns="score").assign(name=frame["id"], indicator="done"),
        "resources": pd.DataFrame({"resource": ["cost"], "limit": [limit]}),
        "criteria": pd.DataFrame({"id": ["benefit"], "name": ["Benefit"], "weight": [1],
                                  "scale_min": [0], "scale_max": [10], "direction": ["higher"]}),
        "scores": pd.DataFrame({"action": frame["id"], "criterion": "benefit",
                                "score": frame["score"]}),
        "settings": pd.DataFrame({"setting": ["horizon_years"], "value": [str(horizon)]}),
    }
    for name, rows in (("interactions", interactions), ("constraints", constraints),
                       ("funding", funding or ())):
        if len(rows):
            tables[name] = pd.DataFrame(list(rows))
    return from_tables(tables)
