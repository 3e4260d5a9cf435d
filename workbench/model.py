"""The data model: table schemas declared once as data, and small frozen bundles.

A strategy model is a folder of CSV files (or one .xlsx workbook, one sheet per table).
Units: costs in the resource's own unit (pounds, FTE) per active year, `<resource>_setup`
one-off in the start year; values in value points (0..100 for one action); years from 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import pandas as pd


@dataclass(frozen=True)
class TableSchema:
    """Columns of one table: which must be present, which may be, and which hold numbers."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    required_file: bool = True
    key: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


SCHEMAS: dict[str, TableSchema] = {
    schema.name: schema
    for schema in (
        TableSchema(
            "actions",
            required=("id", "name", "theme", "lead", "indicator"),
            optional=("duration_years", "earliest_start", "min_share", "option_of",
                      "indicator_target", "description", "evidence"),
            numeric=("duration_years", "earliest_start", "min_share", "indicator_target"),
            key=("id",),
        ),
        TableSchema(
            "resources",
            required=("resource", "limit"),
            optional=("year", "name", "unit"),
            numeric=("limit", "year"),
            key=("resource", "year"),
        ),
        TableSchema(
            "criteria",
            required=("id", "name", "weight", "scale_min", "scale_max", "direction"),
            optional=("weight_low", "weight_high", "baseline", "per", "description"),
            numeric=("weight", "scale_min", "scale_max", "weight_low", "weight_high",
                     "baseline"),
            key=("id",),
        ),
        TableSchema(
            "scores",
            required=("action", "criterion", "score"),
            optional=("stakeholder", "low", "high"),
            numeric=("score", "low", "high"),
        ),
        TableSchema(
            "interactions",
            required=("kind", "actions"),
            optional=("threshold", "bonus", "lag", "note", "name"),
            numeric=("threshold", "bonus", "lag"),
            required_file=False,
        ),
        TableSchema(
            "constraints",
            required=("kind", "target"),
            optional=("value",),
            numeric=("value",),
            required_file=False,
        ),
        TableSchema(
            "funding",
            required=("stream", "limit"),
            optional=("resource", "themes", "actions", "year", "description"),
            numeric=("limit", "year"),
            required_file=False,
            key=("stream", "year"),
        ),
        TableSchema(
            "portfolios",
            required=("portfolio", "action"),
            required_file=False,
            key=("portfolio", "action"),
        ),
        TableSchema(
            "stakeholders",
            required=("stakeholder",),
            optional=("name", "description"),
            required_file=False,
            key=("stakeholder",),
        ),
        TableSchema(
            "weights",
            required=("stakeholder", "criterion", "weight"),
            numeric=("weight",),
            required_file=False,
            key=("stakeholder", "criterion"),
        ),
        TableSchema(
            "profiles",
            required=("action", "resource", "year", "amount"),
            numeric=("year", "amount"),
            required_file=False,
            key=("action", "resource", "year"),
        ),
        TableSchema(
            "progress",
            required=("action", "year", "status"),
            optional=("spent", "indicator_value", "note"),
            numeric=("year", "spent", "indicator_value"),
            required_file=False,
            key=("action", "year"),
        ),
        TableSchema(
            "settings",
            required=("setting", "value"),
            required_file=False,
            key=("setting",),
        ),
    )
}

INTERACTION_KINDS = ("synergy", "critical_mass", "requires", "excludes")
CONSTRAINT_KINDS = ("include", "exclude", "theme_min", "theme_max", "lead_max")
DIRECTIONS = ("higher", "lower")
SETTINGS_DEFAULTS = {"horizon_years": 1, "aggregation": "mean",
                     "title": "", "description": ""}  # title, description: shown on reports
SETUP_SUFFIX = "_setup"
STOP_SUFFIX = "_stop"  # actions.csv `<resource>_stop`: paid once in the year an action stops early
PROGRESS_STATUSES = ("started", "running", "stopped")  # progress.csv `status`
LONGEST_HORIZON = 20  # years a plan may cover (settings.csv, options, scenarios, profiles):
# the worked example plans 10 years in about half a minute and 20 in about three minutes
FOUND_STATUSES = ("optimal", "time_limit")  # the optimiser's statuses that come with a portfolio
BREACH_COLUMNS = ("family", "target", "amount", "limit", "message")


def breach_table(rows=()) -> pd.DataFrame:
    """Breaches as a table: family (limit, funding, requires, excludes, include, exclude,
    theme_min, theme_max, lead_max, timing; `conflict` for why no portfolio exists), target
    (the resource, action, theme, ... it concerns), amount and limit (where a number is
    broken), and the message in words."""
    rows = list(rows)
    return pd.DataFrame({column: pd.Series([row.get(column) for row in rows],
                                           dtype=float if column in ("amount", "limit") else object)
                         for column in BREACH_COLUMNS})


@dataclass(frozen=True)
class Model:
    """A validated strategy model. Tables are tidy pandas frames; nothing here reads files."""

    actions: pd.DataFrame  # indexed by action id
    resources: pd.DataFrame  # resource, limit, year (NaN: whole horizon)
    criteria: pd.DataFrame  # indexed by criterion id
    scores: pd.DataFrame  # long: action, criterion, stakeholder, score, low, high
    interactions: pd.DataFrame  # kind, members (tuple of ids), threshold, bonus, lag, note, name
    constraints: pd.DataFrame  # kind, target, value
    funding: pd.DataFrame  # stream, resource, limit, year, themes (tuple), actions (tuple)
    portfolios: pd.DataFrame  # portfolio, action
    stakeholders: pd.DataFrame
    weights: pd.DataFrame  # stakeholder, criterion, weight
    settings: dict = field(default_factory=lambda: dict(SETTINGS_DEFAULTS))
    source: str = "<memory>"
    # action, resource, year (of the action's life, from 1), amount: replaces the running amount
    profiles: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["action", "resource", "year", "amount"]))
    # action, year (of the plan), status, spent [first resource's unit], indicator_value, note:
    # what a review knows of the years gone by (progress.csv)
    progress: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["action", "year", "status", "spent", "indicator_value", "note"]))

    @property
    def resource_names(self) -> list[str]:
        return list(dict.fromkeys(self.resources["resource"]))

    @cached_property
    def schemes(self) -> dict[str, list[str]]:
        """{scheme id: its versions} from actions.csv `option_of` (funding levels of one
        scheme: at most one version is funded)."""
        if "option_of" not in self.actions:
            return {}
        schemes: dict[str, list[str]] = {}
        for action, scheme in self.actions["option_of"].items():
            if isinstance(scheme, str) and scheme:
                schemes.setdefault(scheme, []).append(action)
        return schemes

    def members(self, target: str) -> list[str]:
        """The actions an id stands for: a scheme's versions, or the action itself."""
        return self.schemes.get(target, [target])

    def scheme_of(self, action: str) -> str | None:
        """The scheme an action is a version of (None if it stands alone)."""
        return next((s for s, versions in self.schemes.items() if action in versions), None)

    def scheme_name(self, scheme: str) -> str:
        """A scheme as people read it: what its versions' names have in common ("Crisis
        cafe" from "Crisis cafe, evenings and weekends" and "Crisis cafe, weekends only"),
        else its id in words."""
        names = [str(n) for n in self.actions.loc[self.schemes[scheme], "name"]]
        common = names[0]
        for name in names[1:]:
            while not name.startswith(common):
                common = common[:-1]
        common = common.rstrip(" ,(-:;")
        return common if len(common) >= 3 else scheme.replace("_", " ").capitalize()

    @property
    def horizon(self) -> int:
        return int(self.settings.get("horizon_years", 1))

    def reference_portfolio(self, name: str) -> list[str]:
        """The actions of a named reference portfolio from portfolios.csv."""
        rows = self.portfolios[self.portfolios["portfolio"] == name]
        if rows.empty:
            known = ", ".join(sorted(set(self.portfolios["portfolio"]))) or "none"
            from .errors import ModelError

            raise ModelError(f"no reference portfolio named {name!r} (known: {known})")
        return list(rows["action"])

    def without_interactions(self, kinds: tuple[str, ...] = ("synergy", "critical_mass")
                             ) -> Model:
        """The same model with these interaction kinds dropped: by default the bonuses, so
        actions are valued as if independent (requires and excludes stay, as they are rules)."""
        unknown = sorted(set(kinds) - set(INTERACTION_KINDS))
        if unknown:
            from .errors import ModelError

            raise ModelError(f"kinds: unknown interaction kind(s) {', '.join(unknown)} "
                             f"(known: {', '.join(INTERACTION_KINDS)})")
        kept = self.interactions[~self.interactions["kind"].isin(kinds)]
        return replace(self, interactions=kept.reset_index(drop=True))


@dataclass(frozen=True)
class PortfolioResult:
    """What the optimiser (or an evaluation of a given portfolio) found.

    value: value points, split into standalone, synergy, critical_mass and total.
    cost: amount per resource over the horizon; cost_by_year: resource x year table.
    """

    status: str
    selected: tuple[str, ...]
    start_year: dict[str, int]
    value: dict[str, float]
    value_by_criterion: pd.Series
    cost: dict[str, float]
    cost_by_year: pd.DataFrame
    funding: pd.DataFrame  # action, stream, year, amount
    earned_interactions: pd.DataFrame  # name, kind, members, bonus earned
    horizon: int = 1
    gap: float = 0.0
    solver: str = ""
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    breaches: pd.DataFrame = field(default_factory=breach_table)  # see `breach_table`
    shares: dict[str, float] = field(default_factory=dict)  # funded action -> share [0..1]

    @property
    def objective(self) -> float:
        return self.value["total"]

    @property
    def found(self) -> bool:
        """The optimiser found a portfolio (proven optimal, or the best within a time limit)."""
        return self.status in FOUND_STATUSES

    @property
    def fits(self) -> bool:
        """A portfolio that keeps every limit and rule (found, or evaluated as feasible)."""
        return self.found or self.status == "feasible"

    @property
    def reasons(self) -> list[str]:
        """The breaches in words: what a portfolio breaks, or why none was found."""
        return list(self.breaches["message"])

    def to_dict(self) -> dict:
        """Plain JSON-ready data, as the CLI prints it."""
        return {
            "status": self.status,
            "objective": round(self.objective, 6),
            "selected": list(self.selected),
            "start_year": {k: int(v) for k, v in self.start_year.items()},
            "shares": {k: round(float(v), 6) for k, v in self.shares.items()},
            "cost": {k: round(float(v), 6) for k, v in self.cost.items()},
            "value": {k: round(float(v), 6) for k, v in self.value.items()},
            "gap": self.gap,
            "solver": self.solver,
            "horizon": self.horizon,
            "build_seconds": round(self.build_seconds, 4),
            "solve_seconds": round(self.solve_seconds, 4),
            "warnings": list(self.warnings),
            "breaches": self.reasons,
        }
