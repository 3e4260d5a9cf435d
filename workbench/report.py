"""Reports for reviewers: the numbered notebooks run on one model and exported to offline HTML.

`make_report` executes every `notebooks/NN_*.ipynb` with papermill (parameters `model_dir`,
`scenario`, `seed` and `samples`, each passed only to the notebooks whose `parameters` cell
declares it), puts a provenance block at the top of each (model title, folder and a hash of its
files, scenario, seed, robustness settings, package versions, validation summary), exports each
to standalone HTML with nbconvert, and writes an executive summary, `index.html`, linking them.

What a reviewer reads, not what a coder reads: code is hidden (`show_code=True` keeps it), the
parameters cells are left out, tables are formatted by the notebooks (`workbench.findings`),
and a print stylesheet gives clean pages from a browser's "print to PDF". A section that needs an
optional table the model lacks (cells tagged `needs-portfolios`, `needs-stakeholders`, ...)
is replaced by one sentence saying what it would show and which file to add. The dashboard is
shown as a labelled static snapshot of its views, never as live widgets.

Nothing but pip: the HTML needs no network and no npm. Charts are PNG images in the page; no
script, font or style sheet is fetched from anywhere.

Nothing is written half-way: the report is built in a temporary folder beside `out` and its
files are renamed into `out` only when every notebook ran. The notebooks and the model folder
are only read.
"""
from __future__ import annotations

import hashlib
import html
import logging
import os
import platform
import re
import secrets
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .errors import ModelError, Problem, WorkbenchError

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
NOTEBOOK_FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
PROVENANCE_CELL_ID = "workbench-provenance"
SETUP_CELL_ID = "workbench-report-setup"
CELL_TIMEOUT = 1800  # seconds one notebook cell may run before the report gives up
_IGNORED_PREFIXES = (".", "~$")  # hidden files and spreadsheet lock files are not the model
NEEDS_PREFIX = "needs-"  # cell tag: the cell needs an optional table (findings.NEEDS)
DASHBOARD_TAG = "dashboard"  # cell tag: the live dashboard, shown as a snapshot in reports
HIDDEN_TAGS = {"parameters", "injected-parameters", "report-setup"}  # never on a page
# Run before the first cell of every notebook of a report: whole tables, never cut to "...".
SETUP_SOURCE = ("import pandas as pd\n"
                "pd.set_option('display.max_rows', None)\n"
                "pd.set_option('display.max_columns', None)\n"
                "pd.set_option('display.max_colwidth', None)\n"
                "pd.set_option('display.width', 10_000)")

_quiet = logging.getLogger("workbench.report.quiet")  # swallows nbconvert's accessibility notes
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


class ReportError(WorkbenchError):
    """A report could not be made: a notebook failed (its reason is in the message)."""


@dataclass(frozen=True)
class Report:
    """Where a finished report is: the index page, one HTML page and executed notebook each."""

    folder: Path
    index: Path
    pages: tuple[Path, ...]
    notebooks: tuple[Path, ...]
    provenance: dict


# ---------------------------------------------------------------- provenance


def model_files(path: str | os.PathLike) -> list[tuple[str, Path]]:
    """(name, file) of every file of a model folder (or the one workbook), sorted by name.

    Hidden files, spreadsheet lock files (`~$...`) and anything under a hidden folder are left
    out: they are not the model, and editors create them when a file is merely opened.
    """
    path = Path(path)
    if path.is_file():
        return [(path.name, path)]
    files = []
    for file in path.rglob("*"):
        relative = file.relative_to(path)
        if file.is_file() and not any(part.startswith(_IGNORED_PREFIXES) or part == "__pycache__"
                                      for part in relative.parts):
            files.append((relative.as_posix(), file))
    return sorted(files)


def model_hash(path: str | os.PathLike) -> str:
    """SHA-256 [hex] over the model's sorted file names and bytes: same hash, same model."""
    digest = hashlib.sha256()
    for name, file in model_files(path):
        data = file.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of what computes the numbers: workbench, pandas, PuLP, highspy and Python."""
    from . import __version__

    versions = {"workbench": __version__}
    for label, distribution in (("pandas", "pandas"), ("PuLP", "pulp"), ("highspy", "highspy")):
        try:
            versions[label] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[label] = "not installed"
    versions["Python"] = platform.python_version()
    return versions


def validation_summary(model) -> str:
    """One line saying the model passed validation and how big it is."""
    from .units import resource_label

    return (f"valid: {len(model.actions)} actions, {len(model.criteria)} criteria, "
            f"{len(model.scores)} scores, {len(model.interactions)} interactions, "
            f"resources {', '.join(resource_label(model, r) for r in model.resource_names)}, "
            f"{int(model.funding['stream'].nunique())} funding streams, "
            f"horizon {model.horizon} year(s)")


def robustness_words(samples: int, seed: int) -> str:
    """The robustness settings of a report, as its pages print them."""
    from .findings import ROBUSTNESS_DEFAULTS

    return (f"{samples:,} draws, seed {seed}, cost spread "
            f"{100 * ROBUSTNESS_DEFAULTS['cost_spread']:g}% where no cost range is given, "
            f"weight concentration {ROBUSTNESS_DEFAULTS['weight_concentration']:g} "
            "(the defaults of workbench robustness)")


def provenance(model_dir: str | os.PathLike, scenario: str | None = None,
               seed: int = 0, samples: int | None = None) -> dict[str, str]:
    """What a reviewer needs to reproduce the report. Validates the model (and the scenario):
    a bad one raises ModelError before any notebook runs."""
    from .findings import ROBUSTNESS_DEFAULTS
    from .io import load

    folder = Path(model_dir).resolve()
    model = load(folder)
    if scenario is not None:
        from .scenarios import load_scenario

        load_scenario(model, scenario)
    versions = package_versions()
    title = str(model.settings.get("title") or "").strip()
    return {
        "model": title or f"{folder.name} (settings.csv gives no title)",
        "model folder": str(folder),
        "model files (SHA-256)": model_hash(folder),
        "scenario": scenario if scenario is not None else "none (the model as given)",
        "seed": str(seed),
        "robustness": robustness_words(samples or ROBUSTNESS_DEFAULTS["samples"], seed),
        "versions": ", ".join(f"{name} {version}" for name, version in versions.items()),
        "validation": validation_summary(model),
    }


def provenance_table(info: dict[str, str]) -> str:
    """The provenance as an HTML table, every value escaped (a path may hold '<' or '&')."""
    rows = "\n".join(f"<tr><th>{html.escape(key)}</th><td>{html.escape(value)}</td></tr>"
                     for key, value in info.items())
    return f'<table class="provenance">\n{rows}\n</table>'


def provenance_markdown(info: dict[str, str], about: str = "") -> str:
    """The markdown cell put at the top of every executed notebook: the model's title and
    description, then the provenance."""
    return ((about + "\n\n" if about else "")
            + "<details class=\"provenance\"><summary>Provenance: how this page was made"
              "</summary>\n\nThis page was made by `workbench report` on the model and settings "
              "below; the same model, scenario and seed give the same numbers.\n\n"
            + provenance_table(info) + "\n\n</details>\n")


# ---------------------------------------------------------------- notebooks


def find_notebooks(folder: str | os.PathLike = NOTEBOOK_FOLDER) -> list[Path]:
    """The numbered notebooks `NN_name.ipynb` of a folder, in order."""
    return sorted(Path(folder).glob(NOTEBOOK_PATTERN))


def prepare_notebook(notebook, model, heading: str):
    """The notebook as a report runs it: the provenance first, a setup cell that shows whole
    tables, each run of cells that needs an optional table the model lacks replaced by one
    sentence (`findings.missing`), and the live dashboard replaced by its static snapshot."""
    import nbformat

    from . import findings

    cells = []
    skipped = None  # the need of the run of cells being left out
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        needs = [t[len(NEEDS_PREFIX):] for t in tags if t.startswith(NEEDS_PREFIX)]
        lacking = next((need for need in needs if not findings.has(model, need)), None)
        if lacking is not None:
            if lacking != skipped:
                cells.append(nbformat.v4.new_markdown_cell(
                    str(findings.missing(model, lacking)), metadata={"tags": ["missing"]}))
            skipped = lacking
            continue
        skipped = None
        if DASHBOARD_TAG in tags and cell.cell_type == "code":
            cell = nbformat.v4.new_code_cell(
                "from workbench.report import dashboard_snapshot\n\n"
                "dashboard_snapshot(model, scenario=scenario)", metadata=cell.metadata)
        cells.append(cell)
    first = nbformat.v4.new_markdown_cell(heading, metadata={"tags": ["provenance"]})
    first["id"] = PROVENANCE_CELL_ID
    setup = nbformat.v4.new_code_cell(SETUP_SOURCE, metadata={"tags": ["report-setup"]})
    setup["id"] = SETUP_CELL_ID
    for index, cell in enumerate(cells):
        cell["id"] = cell.get("id") or f"workbench-cell-{index}"
    notebook.cells = [first, setup, *cells]
    return notebook


def execute_notebook(source: Path, target: Path, parameters: dict, heading: str,
                     timeout: float = CELL_TIMEOUT, model=None) -> None:
    """Run one notebook with papermill into `target`, with `heading` as its first cell.

    Only the parameters that the notebook's `parameters` cell declares are passed, so a
    notebook that does not take a scenario or a seed runs unchanged and without a warning.
    model: the loaded model, to leave out the sections it lacks the tables for.
    A failure raises ReportError with the notebook, the cell and the whole reason in one line.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    declared = papermill.inspect_notebook(str(source))
    wanted = {name: value for name, value in parameters.items() if name in declared}
    notebook = nbformat.read(source, as_version=4)
    if model is not None:
        notebook = prepare_notebook(notebook, model, heading)
    else:
        cell = nbformat.v4.new_markdown_cell(heading, metadata={"tags": ["provenance"]})
        cell["id"] = PROVENANCE_CELL_ID
        notebook.cells.insert(0, cell)
    try:
        papermill.execute_notebook(
            notebook, str(target), parameters=wanted, kernel_name="python3",
            cwd=str(source.parent), progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, execution_timeout=timeout,
            kernel_manager_class=_seeded_kernel_manager(),
            # the kernel's own log (a TCP notice at start, an interrupt note at shutdown) is
            # noise here; errors inside the notebook still come back as execution errors
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    except PapermillExecutionError as error:
        reason = " ".join(str(error.evalue or "").split())[:500]
        raise ReportError(f"{source.name}: cell {error.exec_count} raised {error.ename}: "
                          f"{reason}") from error
    except Exception as error:  # noqa: BLE001 - a dead kernel, a time-out: name the notebook
        reason = " ".join(str(error).split())[:300] or type(error).__name__
        raise ReportError(f"{source.name}: could not be executed ({reason})") from error


def _seeded_kernel_manager():
    """A kernel manager whose kernels hash strings the same way every run (PYTHONHASHSEED=0),
    so anything that iterates a set of ids (and a solver's choice among equal optima) repeats."""
    from jupyter_client import AsyncKernelManager

    class SeededKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw):
            environment = dict(kw.pop("env", None) or os.environ)
            environment["PYTHONHASHSEED"] = "0"
            return await super().start_kernel(env=environment, **kw)

    return SeededKernelManager


# ---------------------------------------------------------------- pages


PAGE_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
.jp-Notebook { max-width: 72rem; margin: 0 auto; }
.jp-RenderedHTMLCommon table, table.dataframe, table.provenance, table.summary {
  border-collapse: collapse; table-layout: auto; max-width: 100%; font-size: 0.85rem; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th, table.dataframe td, table.dataframe th {
  white-space: normal; overflow-wrap: break-word; vertical-align: top;
  padding: 0.2rem 0.5rem; max-width: 28rem; }
.jp-RenderedHTMLCommon .wb-table td, .jp-RenderedHTMLCommon .wb-table th { text-align: left; }
.jp-RenderedHTMLCommon .wb-table td.num, .jp-RenderedHTMLCommon .wb-table th.num {
  text-align: right; }
.jp-OutputArea-output { overflow-x: visible; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
table.provenance th, table.provenance td { text-align: left; vertical-align: top;
  padding: 0.2rem 0.8rem 0.2rem 0; border-bottom: 1px solid #ddd; }
table.provenance td { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
details.provenance { margin: 0.5rem 0 1rem 0; color: #444; }
.wb-snapshot-label { background: #fff8e1; border: 1px solid #f0c36d; border-radius: 6px;
  padding: 6px 10px; margin: 6px 0; }
@media print {
  @page { margin: 15mm; }
  body { font-size: 10.5pt; color: #000; background: #fff; }
  .jp-Notebook { max-width: none; padding: 0; }
  .jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt { display: none !important; }
  .jp-Cell { break-inside: avoid-page; page-break-inside: avoid; }
  h1, h2, h3 { break-after: avoid-page; page-break-after: avoid; }
  table { break-inside: auto; } tr, img { break-inside: avoid; page-break-inside: avoid; }
  a { color: #000; text-decoration: underline; }
  details.provenance > summary { display: none; }
  details.provenance { display: block; }
  nav.pages { display: none; }
}
"""


def export_html(notebook_path: Path, target: Path, show_code: bool = False) -> None:
    """Standalone HTML of an executed notebook for a reviewer: no parameters cells, code hidden
    unless `show_code`, the report's style and print sheet, nothing fetched from anywhere."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab", log=_quiet, exclude_input=not show_code,
        exclude_input_prompt=not show_code, exclude_output_prompt=True,
        # no widgets, formulas or diagrams in a report: empty URLs load nothing
        require_js_url="", mathjax_url="", mermaid_js_url="", mermaid_layout_elk_js_url="")
    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells = [cell for cell in notebook.cells
                      if not HIDDEN_TAGS & set(cell.metadata.get("tags", []))]
    notebook.metadata.pop("widgets", None)  # a report shows no live widgets
    body, _ = exporter.from_notebook_node(
        notebook, resources={"metadata": {"name": _title(notebook, notebook_path.stem)}})
    body = re.sub(r'<script src="">\s*</script>', "", body)  # the empty require.js / MathJax
    body = body.replace("</head>", f"<style>{PAGE_STYLE}</style>\n</head>", 1)
    body = body.replace("<body", '<body data-workbench-report="page"', 1)
    back = '<nav class="pages"><a href="index.html">Back to the summary</a></nav>'
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + back, body, count=1)
    target.write_text(body, encoding="utf-8")


def _title(notebook, fallback: str) -> str:
    """The notebook's first markdown heading (after the provenance cell), else `fallback`."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.get("id") != PROVENANCE_CELL_ID:
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


# ---------------------------------------------------------------- the dashboard as a snapshot


class Snapshot:
    """HTML shown as it is in a notebook (`_repr_html_`), with a plain-text stand-in."""

    def __init__(self, body: str, text: str):
        self.body, self.text = body, text

    def _repr_html_(self) -> str:
        return self.body

    def __repr__(self) -> str:
        return self.text


def dashboard_snapshot(model, scenario: str | None = None) -> Snapshot:
    """The what-if dashboard's views for the model (or a scenario) as static HTML, labelled as
    a snapshot: headline, portfolio, value by criterion, frontier, timeline and explanation,
    drawn by the dashboard's own controller (`WhatIf`) and views. No widget, no script."""
    import inspect

    from .plots import plot_timeline
    from .widgets.controller import WhatIf
    from .widgets.views import (STYLE, _picture, criteria_html, explanation_html,
                                frontier_figure, frontier_html, headline_html, portfolio_html)

    what_if = WhatIf(model, scenario)
    parts = [STYLE, "<div class='wb-dash wb-snapshot'>",
             "<div class='wb-snapshot-label'><strong>Snapshot of the what-if dashboard</strong> "
             f"at {html.escape('the scenario ' + scenario if scenario else 'the model as given')}"
             ": a picture of its views, not live controls. To move the limits, weights and "
             "forced actions, open <code>notebooks/06_what_if.ipynb</code> in JupyterLab or run "
             "<code>workbench app MODEL_FOLDER</code>.</div>"]
    for line in what_if.notices:
        parts.append(f"<div class='wb-problems'>{html.escape(line)}</div>")
    parts.append(headline_html(what_if.headline(), model))
    result = what_if.result
    if result is not None:
        parts.append("<h3>The portfolio</h3>")
        parts.append(portfolio_html(what_if.portfolio_table(), model, result.horizon))
        parts.append("<h3>Value by criterion</h3>")
        parts.append(criteria_html(what_if.criterion_table()))
        what_if.frontier(what_if.settings)
        view = what_if.frontier_view()
        picture = _picture(frontier_figure(view.table, model)) if view.table is not None else None
        parts.append("<h3>The efficient frontier</h3>")
        arguments = (picture, view, model)[:len(inspect.signature(frontier_html).parameters)]
        parts.append(frontier_html(*arguments))
        if result.horizon > 1:
            timeline = _picture(plot_timeline(result, model))
            parts.append(f"<h3>Timeline over {result.horizon} years</h3>"
                         f"<img src='{timeline.uri}' style='width:100%' alt='timeline'/>")
        parts.append("<h3>What each choice costs</h3>")
        parts.append(explanation_html(what_if.explanation(what_if.settings, result), model))
    parts.append("</div>")
    return Snapshot("\n".join(parts), "Snapshot of the what-if dashboard (HTML)")


# ---------------------------------------------------------------- the executive summary


def executive_summary(model, scenario: str | None = None, seed: int = 0,
                      samples: int | None = None) -> dict:
    """The findings of the first page, computed here from the library (not read back from the
    notebooks): the recommended portfolio, the gap to each reference portfolio, core and
    borderline actions, the largest disagreement between groups, and the frontier chart.
    Returns {section title: Markdown or HTML} in page order."""
    from . import findings
    from .frontier import frontier
    from .options import run_options
    from .portfolio import optimise
    from .robustness import robustness
    from .stakeholders import disagreement

    options = run_options(model)
    if scenario:
        from .scenarios import apply_scenario

        model, options = apply_scenario(model, scenario)
    best = optimise(model, options)
    sections = {"The model": findings.about(model) + findings.model_scope(model),
                "The recommended portfolio": findings.headline(model, best, limits=options)}
    sections["Against the reference portfolios"] = findings.reference_portfolios(model, best)
    if best.found:
        table = frontier(model, None, None, None, options)
        figure = _frontier_figure(table, model, findings.current_limit(model))
        sections["What a different budget would buy"] = (
            findings.frontier_jumps(model, table, current=findings.current_limit(model)),
            _figure_html(figure, "the efficient frontier"))
        draws = robustness(model, samples=samples or findings.ROBUSTNESS_DEFAULTS["samples"],
                           seed=seed, progress=False, options=options,
                           cost_spread=findings.ROBUSTNESS_DEFAULTS["cost_spread"],
                           weight_concentration=findings.ROBUSTNESS_DEFAULTS[
                               "weight_concentration"])
        sections["What is core and what is borderline"] = (
            findings.robustness_settings(draws) + findings.core(model, draws))
        if findings.has(model, "stakeholders"):
            sections["Where the groups disagree"] = findings.largest_disagreement(
                model, disagreement(model, options))
        else:
            sections["Where the groups disagree"] = findings.missing(model, "stakeholders")
    return sections


def _frontier_figure(table, model, current: float | None):
    """The frontier as the dashboard draws it (clusters and axes named as people know them),
    with the current limit as a dashed line."""
    from .widgets.views import frontier_figure

    figure = frontier_figure(table, model)
    if current is not None:
        axes = figure.axes[0]
        axes.axvline(current, color="#d62728", linestyle="--", linewidth=1.2)
        axes.annotate("current limit", (current, 1), xycoords=("data", "axes fraction"),
                      xytext=(4, -12), textcoords="offset points", color="#d62728",
                      fontsize=9)
    return figure


def _figure_html(figure, alt: str) -> str:
    import base64
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="chart" src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _markdown_html(text) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(str(text))


def index_page(entries: list[tuple[str, str]], info: dict[str, str],
               sections: dict | None = None) -> str:
    """The report's front page: the executive summary, the notebooks, the provenance."""
    items = "\n".join(f'<li><a href="{html.escape(page)}">{html.escape(title)}</a></li>'
                      for page, title in entries)
    title = html.escape(info.get("model") or Path(info["model folder"]).name)
    blocks = []
    for heading, content in (sections or {}).items():
        parts = content if isinstance(content, tuple) else (content,)
        body = "\n".join(part if isinstance(part, str) and part.startswith("<img")
                         else _markdown_html(part) for part in parts)
        blocks.append(f'<section>\n<h2>{html.escape(heading)}</h2>\n{body}\n</section>')
    summary = "\n".join(blocks)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Report: {title}</title>
<style>
body {{ font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }}
h1 {{ margin-bottom: 0.2rem; }}
p.lead {{ color: #555; margin-top: 0; }}
section {{ border-top: 1px solid #ddd; padding-top: 0.4rem; }}
img.chart {{ max-width: 100%; height: auto; }}
table.provenance {{ border-collapse: collapse; max-width: 100%; }}
table.provenance th, table.provenance td {{ text-align: left; vertical-align: top;
       padding: 0.2rem 0.8rem 0.2rem 0; border-bottom: 1px solid #ddd; }}
table.provenance td {{ font-family: ui-monospace, monospace; overflow-wrap: anywhere; }}
@media print {{
  @page {{ margin: 15mm; }}
  body {{ max-width: none; margin: 0; font-size: 10.5pt; }}
  section, img, tr {{ break-inside: avoid; page-break-inside: avoid; }}
  h2 {{ break-after: avoid; page-break-after: avoid; }}
  a {{ color: #000; }}
}}
</style>
</head>
<body data-workbench-report="summary">
<h1>Report: {title}</h1>
<p class="lead">Executive summary. Every figure below is computed from the model's files by the
workbench; the notebooks linked at the end show how.</p>
{summary}
<section>
<h2>The notebooks</h2>
<ol>
{items}
</ol>
</section>
<section>
<h2>Provenance</h2>
{provenance_table(info)}
</section>
</body>
</html>
"""


# ---------------------------------------------------------------- the whole report


def make_report(model_dir: str | os.PathLike, out: str | os.PathLike = "reports", *,
                scenario: str | None = None, seed: int = 0, samples: int | None = None,
                notebooks: str | os.PathLike | list[str | os.PathLike] | None = None,
                show_code: bool = False, summary: bool = True,
                timeout: float = CELL_TIMEOUT) -> Report:
    """Execute the numbered notebooks on a model and export them to offline HTML in `out`.

    samples: robustness draws (default `findings.ROBUSTNESS_DEFAULTS`, as the command line).
    notebooks: a list of notebooks to run, or a folder whose `NN_*.ipynb` to run (default: the
      project's notebooks/ folder).
    show_code: keep the code cells on the pages (default: a reviewer's report, code hidden).
    summary: compute the executive summary on the index page (default True).
    timeout: longest a single cell may run [seconds].
    Raises ModelError for a bad model, scenario or folder, ReportError if a notebook fails
    (with its reason; its executed copy is kept in `out` as NN_name.failed.ipynb).
    """
    from . import findings
    from .io import load

    if notebooks is None or isinstance(notebooks, (str, os.PathLike)):
        folder = Path(notebooks if notebooks is not None else NOTEBOOK_FOLDER)
        sources = [n.resolve() for n in find_notebooks(folder)]
        if not sources:
            raise ModelError(Problem("notebooks", None, None, f"no numbered notebooks "
                                     f"({NOTEBOOK_PATTERN}) in {folder}"))
    else:
        sources = [Path(n).resolve() for n in notebooks]
        if not sources:
            raise ModelError(Problem("notebooks", None, None, "the list of notebooks is empty"))
    missing = [str(s) for s in sources if not s.is_file()]
    if missing:
        raise ModelError(Problem("notebooks", None, None, f"not found: {', '.join(missing)}"))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ModelError(Problem("seed", None, None, f"must be a whole number, not {seed!r}"))
    if samples is not None and (isinstance(samples, bool) or not isinstance(samples, int)
                                or samples < 1):
        raise ModelError(Problem("samples", None, None, f"must be a whole number of draws, at "
                                 f"least 1, not {samples!r}"))
    samples = samples or findings.ROBUSTNESS_DEFAULTS["samples"]
    out = Path(out).resolve()
    _check_out(out, Path(model_dir).resolve(), sources)
    info = provenance(model_dir, scenario, seed, samples)
    model = load(info["model folder"])
    heading = provenance_markdown(info)  # each notebook shows the model's title itself
    parameters = {"model_dir": info["model folder"], "scenario": scenario, "seed": seed,
                  "samples": samples}
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    staging.mkdir()
    try:
        entries = []
        for source in sources:
            executed = staging / source.name
            try:
                execute_notebook(source, executed, parameters, heading, timeout, model=model)
            except ReportError as error:
                kept = _keep_failed(executed, out)
                raise ReportError(f"{error} (executed copy with the traceback: {kept})"
                                  if kept else str(error)) from error
            page = f"{source.stem}.html"
            export_html(executed, staging / page, show_code=show_code)
            entries.append((page, _page_title(executed, source.stem)))
        sections = executive_summary(model, scenario, seed, samples) if summary else None
        (staging / "index.html").write_text(index_page(entries, info, sections),
                                            encoding="utf-8")
        _move_into(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Report(folder=out, index=out / "index.html",
                  pages=tuple(out / page for page, _ in entries),
                  notebooks=tuple(out / s.name for s in sources), provenance=info)


def _page_title(executed: Path, stem: str) -> str:
    import nbformat

    number = stem.split("_", 1)[0]
    title = _title(nbformat.read(executed, as_version=4), stem)
    title = re.sub(rf"^{number}\b\s*[·.:\-–—]?\s*", "", title)  # a title may carry its number
    return f"{number} {title}"


def _check_out(out: Path, model_dir: Path, sources: list[Path]) -> None:
    """The output may not be, or sit inside, the model folder, nor hold the notebooks."""
    if out == model_dir or model_dir in out.parents:
        raise ModelError(Problem("--out", None, None, f"{out} is inside the model folder "
                                 f"{model_dir}: choose another folder (e.g. reports/)"))
    if any(source.parent == out for source in sources):
        raise ModelError(Problem("--out", None, None, f"{out} holds the notebooks themselves: "
                                 "choose another folder (e.g. reports/)"))


def _keep_failed(executed: Path, out: Path) -> Path | None:
    """Keep the failed notebook (with its traceback) in `out` for the user to read."""
    if not executed.is_file():
        return None
    out.mkdir(parents=True, exist_ok=True)
    kept = out / f"{executed.stem}.failed.ipynb"
    os.replace(executed, kept)
    return kept


def _move_into(staging: Path, out: Path) -> None:
    """Rename the finished files into `out` (created if need be); old pages are replaced."""
    if not out.exists():
        os.rename(staging, out)
        staging.mkdir()  # the caller removes it
        return
    for item in sorted(staging.iterdir()):
        target = out / item.name
        if item.is_dir():
            old = out / f".{item.name}.{secrets.token_hex(4)}.old"
            if target.exists():
                os.rename(target, old)
            os.rename(item, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(item, target)
        (out / f"{item.stem}.failed.ipynb").unlink(missing_ok=True)
