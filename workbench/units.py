"""Names and units of resources, as the model states them, for every label people read.

resources.csv may give a resource a `name` ("Money", "Staff time") and a `unit` ("£", "FTE",
"hours"). Currency symbols go before the amount (£25,000), other units after it (1.5 FTE); a
resource without a unit shows its amount with its name. Nothing here assumes a resource called
`cost` or a currency.
"""
from __future__ import annotations

import math

from .model import Model

CURRENCY = ("£", "$", "€", "¥", "₹", "CHF ", "kr ")  # units written before the amount


def _first(model: Model, resource: str, column: str) -> str:
    """The first non-blank `column` of a resource's rows in resources.csv ('' if none)."""
    table = model.resources
    if column not in table.columns:
        return ""
    for value in table.loc[table["resource"] == resource, column]:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def resource_name(model: Model, resource: str) -> str:
    """What people call a resource: its `name`, else its id with spaces ("staff fte")."""
    return _first(model, resource, "name") or resource.replace("_", " ")


def resource_unit(model: Model, resource: str) -> str:
    """A resource's unit ('£', 'FTE', 'hours'; '' when resources.csv gives none)."""
    return _first(model, resource, "unit")


def format_amount(model: Model, resource: str, amount: float | None, *,
                  decimals: int | None = None) -> str:
    """An amount with its unit and thousands separators: '£25,000', '1.5 FTE', '12 staff fte'.

    decimals: digits after the point (default: none for amounts of 100 or more, up to two
    otherwise, trailing zeros dropped). None or NaN gives 'none'.
    """
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "none"
    unit = resource_unit(model, resource)
    text = _number(float(amount), decimals)
    if unit and unit.startswith(CURRENCY) or unit in {c.strip() for c in CURRENCY}:
        sign = "-" if text.startswith("-") else ""
        return f"{sign}{unit}{text.lstrip('-')}"
    return f"{text} {unit or resource_name(model, resource)}"


def resource_label(model: Model, resource: str) -> str:
    """A column or axis label: 'Money [£]', 'Staff time [FTE]', 'staff fte'."""
    unit = resource_unit(model, resource)
    name = resource_name(model, resource)
    return f"{name} [{unit}]" if unit else name


def _number(amount: float, decimals: int | None) -> str:
    if decimals is None:
        if abs(amount) >= 100 or amount == int(amount):
            return f"{amount:,.0f}"
        return f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{amount:,.{decimals}f}"
