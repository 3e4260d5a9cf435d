"""The what-if dashboard, in three layers, so the logic can be tested without a browser:

- `controller`: `WhatIf`, a plain-Python controller: holds the settings (a `Scenario`), the
  last good portfolio, the pinned baseline and cached results; calls `optimise`, `frontier`
  and `explain`; returns small tables. It does no maths of its own.
- `views`: those tables as HTML (headline, portfolio, criteria, explanation, frontier).
- `layout`: `Dashboard`, an ipywidgets box: sliders, pickers and buttons that set the
  controller, and the views that show its tables.
"""
from .controller import EXPLAINED_EXCLUSIONS, FrontierView, WhatIf
from .layout import Dashboard, dashboard

__all__ = ["Dashboard", "EXPLAINED_EXCLUSIONS", "FrontierView", "WhatIf", "dashboard"]
