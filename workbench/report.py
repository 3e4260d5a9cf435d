"""Reports for reviewers: the numbered notebooks run on one model and exported to offline HTML.

`make_report` executes every `notebooks/NN_*.ipynb` with papermill (parameters `model_dir`,
`scenario` and `seed`, each passed only to the notebooks whose `parameters` cell declares it),
puts a provenance block at the top of each (model folder and a hash of its files, scenario,
seed, package versions, validation summary), exports each to standalone HTML with nbconvert,
and writes an `index.html` linking them. The HTML needs no network: charts are PNG images in the
page and widgets are drawn from their saved state by the Jupyter widget renderer, which is
copied beside the pages. The renderer is fetched once with `npm pack` into a cache.

Nothing is written half-way: the report is built in a temporary folder beside `out` and its
files are renamed into `out` only when every notebook ran. The notebooks and the model folder
are only read.
"""
from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .errors import ModelError, Problem, WorkbenchError

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
NOTEBOOK_FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
RENDERER_PACKAGES = ("@jupyter-widgets/html-manager@1", "requirejs@2")
RENDERER_FOLDER = "widgets"  # beside the HTML pages
RENDERER_SCRIPT, REQUIRE_SCRIPT = "embed-amd.js", "require.js"
_RENDERER_ASSETS = re.compile(r"package/dist/([0-9a-f]+\.(woff2?|ttf|eot|svg)|embed-amd\.js"
                              r"|embed\.js\.LICENSE\.txt)")
CACHE_VARIABLE = "WORKBENCH_WIDGETS_CACHE"  # overrides where the renderer is cached
PROVENANCE_CELL_ID = "workbench-provenance"
CELL_TIMEOUT = 1800  # seconds one notebook cell may run before the report gives up
_IGNORED_PREFIXES = (".", "~$")  # hidden files and spreadsheet lock files are not the model

_quiet = logging.getLogger("workbench.report.quiet")  # swallows nbconvert's accessibility notes
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


class ReportError(WorkbenchError):
    """A report could not be made: a notebook failed, or the widget renderer is missing."""


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
    return (f"valid: {len(model.actions)} actions, {len(model.criteria)} criteria, "
            f"{len(model.scores)} scores, {len(model.interactions)} interactions, "
            f"resources {', '.join(model.resource_names)}, "
            f"{int(model.funding['stream'].nunique())} funding streams, "
            f"horizon {model.horizon} year(s)")


def provenance(model_dir: str | os.PathLike, scenario: str | None = None,
               seed: int = 0) -> dict[str, str]:
    """What a reviewer needs to reproduce the report. Validates the model (and the scenario):
    a bad one raises ModelError before any notebook runs."""
    from .io import load

    folder = Path(model_dir).resolve()
    model = load(folder)
    if scenario is not None:
        from .scenarios import load_scenario

        load_scenario(model, scenario)
    versions = package_versions()
    return {
        "model folder": str(folder),
        "model files (SHA-256)": model_hash(folder),
        "scenario": scenario if scenario is not None else "none (the model as given)",
        "seed": str(seed),
        "versions": ", ".join(f"{name} {version}" for name, version in versions.items()),
        "validation": validation_summary(model),
    }


def provenance_table(info: dict[str, str]) -> str:
    """The provenance as an HTML table, every value escaped (a path may hold '<' or '&')."""
    rows = "\n".join(f"<tr><th>{html.escape(key)}</th><td>{html.escape(value)}</td></tr>"
                     for key, value in info.items())
    return f'<table class="provenance">\n{rows}\n</table>'


def provenance_markdown(info: dict[str, str]) -> str:
    """The markdown cell put at the top of every executed notebook."""
    return ("## Provenance\n\nThis notebook was executed by `workbench report` on the model "
            "and settings below; the same model, scenario and seed give the same numbers.\n\n"
            + provenance_table(info) + "\n")


# ---------------------------------------------------------------- the widget renderer


def renderer_cache() -> Path:
    """Where the renderer is kept: $WORKBENCH_WIDGETS_CACHE, else inside the environment
    (`<prefix>/share/workbench-widgets`), else `~/.cache/workbench/widgets`."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    shared = Path(sys.prefix) / "share"
    if os.access(shared, os.W_OK) or os.access(Path(sys.prefix), os.W_OK):
        return shared / "workbench-widgets"
    return Path.home() / ".cache" / "workbench" / "widgets"


def widget_renderer(cache: str | os.PathLike | None = None) -> Path:
    """The folder holding embed-amd.js, require.js and the widget fonts; fetched with
    `npm pack` the first time (the npm registry must be reachable once)."""
    folder = Path(cache) if cache is not None else renderer_cache()
    if _complete(folder):
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise ReportError(
            "the offline HTML needs the Jupyter widget renderer, which is fetched once with npm, "
            "and npm was not found: install Node.js with npm (e.g. `apt-get install npm` or "
            "https://nodejs.org), or unpack `npm pack " + " ".join(RENDERER_PACKAGES) + "` so "
            f"that {RENDERER_SCRIPT} and {REQUIRE_SCRIPT} sit in {folder}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{folder.name}.") as work:
        tarballs = _npm_pack(npm, Path(work))
        staging = Path(work) / "renderer"
        staging.mkdir()
        versions = dict(_unpack_renderer(tarball, staging) for tarball in tarballs)
        (staging / "versions.json").write_text(json.dumps(versions, indent=2) + "\n")
        try:
            os.rename(staging, folder)
        except OSError:  # another report fetched it meanwhile, or a broken old copy is there
            if not _complete(folder):
                shutil.rmtree(folder, ignore_errors=True)
                os.rename(staging, folder)
    return folder


def _complete(folder: Path) -> bool:
    return (folder / RENDERER_SCRIPT).is_file() and (folder / REQUIRE_SCRIPT).is_file()


def _npm_pack(npm: str, work: Path) -> list[Path]:
    """Download the renderer packages' tarballs (no install, no scripts run) into `work`."""
    environment = {**os.environ, "npm_config_update_notifier": "false",
                   "npm_config_fund": "false", "npm_config_audit": "false",
                   "npm_config_ignore_scripts": "true"}
    try:
        done = subprocess.run([npm, "pack", "--json", "--pack-destination", str(work),
                               *RENDERER_PACKAGES], cwd=work, capture_output=True, text=True,
                              timeout=600, env=environment, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ReportError(f"npm could not fetch the widget renderer ({error})") from error
    if done.returncode != 0:
        reason = " ".join(done.stderr.split())[-300:] or f"exit code {done.returncode}"
        raise ReportError(f"npm could not fetch the widget renderer "
                          f"({' '.join(RENDERER_PACKAGES)}): {reason}")
    try:
        packed = json.loads(done.stdout)
        return [work / entry["filename"] for entry in packed]
    except (ValueError, KeyError, TypeError) as error:
        raise ReportError(f"npm pack gave an answer that could not be read: "
                          f"{done.stdout[:200]!r}") from error


def _unpack_renderer(tarball: Path, target: Path) -> tuple[str, str]:
    """Copy only the files the pages need out of an npm tarball; return (package, version).

    Members are read by name and written under names chosen here, so a crafted archive
    cannot write outside `target`.
    """
    with tarfile.open(tarball, "r:gz") as archive:
        package = json.load(archive.extractfile("package/package.json"))
        for member in archive.getmembers():
            name = member.name
            keep = (_RENDERER_ASSETS.fullmatch(name)
                    or (package["name"] == "requirejs" and name == f"package/{REQUIRE_SCRIPT}"))
            if keep and member.isfile():
                (target / Path(name).name).write_bytes(archive.extractfile(member).read())
    return package["name"], package["version"]


# ---------------------------------------------------------------- notebooks


def find_notebooks(folder: str | os.PathLike = NOTEBOOK_FOLDER) -> list[Path]:
    """The numbered notebooks `NN_name.ipynb` of a folder, in order."""
    return sorted(Path(folder).glob(NOTEBOOK_PATTERN))


def execute_notebook(source: Path, target: Path, parameters: dict, heading: str,
                     timeout: float = CELL_TIMEOUT) -> None:
    """Run one notebook with papermill into `target`, with `heading` as its first cell.

    Only the parameters that the notebook's `parameters` cell declares are passed, so a
    notebook that does not take a scenario or a seed runs unchanged and without a warning.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    declared = papermill.inspect_notebook(str(source))
    wanted = {name: value for name, value in parameters.items() if name in declared}
    notebook = nbformat.read(source, as_version=4)
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
        first_line = str(error.evalue).strip().splitlines()[0] if error.evalue else ""
        raise ReportError(f"{source.name}: cell {error.exec_count} raised {error.ename}: "
                          f"{first_line}") from error
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


def export_html(notebook_path: Path, target: Path) -> None:
    """Standalone HTML of an executed notebook; scripts load from `widgets/`, never a CDN."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab", log=_quiet,
        widget_renderer_url=f"{RENDERER_FOLDER}/{RENDERER_SCRIPT}",
        require_js_url=f"{RENDERER_FOLDER}/{REQUIRE_SCRIPT}",
        # no formulas or diagrams in the notebooks: an empty URL loads nothing from a CDN
        mathjax_url="", mermaid_js_url="", mermaid_layout_elk_js_url="")
    notebook = nbformat.read(notebook_path, as_version=4)
    body, _ = exporter.from_notebook_node(
        notebook, resources={"metadata": {"name": _title(notebook, notebook_path.stem)}})
    target.write_text(body, encoding="utf-8")


def _title(notebook, fallback: str) -> str:
    """The notebook's first markdown heading (after the provenance cell), else `fallback`."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.get("id") != PROVENANCE_CELL_ID:
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def index_page(entries: list[tuple[str, str]], info: dict[str, str]) -> str:
    """The report's front page: provenance, then one line per notebook (file, title)."""
    items = "\n".join(f'<li><a href="{html.escape(page)}">{html.escape(title)}</a></li>'
                      for page, title in entries)
    name = html.escape(Path(info["model folder"]).name)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Report: {name}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; }}
table.provenance {{ border-collapse: collapse; }}
table.provenance th, table.provenance td {{ text-align: left; vertical-align: top;
       padding: 0.2rem 0.8rem 0.2rem 0; border-bottom: 1px solid #ddd; }}
table.provenance td {{ font-family: monospace; word-break: break-all; }}
</style>
</head>
<body>
<h1>Report: {name}</h1>
<h2>Notebooks</h2>
<ol>
{items}
</ol>
<h2>Provenance</h2>
{provenance_table(info)}
</body>
</html>
"""


# ---------------------------------------------------------------- the whole report


def make_report(model_dir: str | os.PathLike, out: str | os.PathLike = "reports", *,
                scenario: str | None = None, seed: int = 0,
                notebooks: str | os.PathLike | list[str | os.PathLike] | None = None,
                cache: str | os.PathLike | None = None,
                timeout: float = CELL_TIMEOUT) -> Report:
    """Execute the numbered notebooks on a model and export them to offline HTML in `out`.

    notebooks: a list of notebooks to run, or a folder whose `NN_*.ipynb` to run (default: the
      project's notebooks/ folder).
    cache: where the widget renderer is kept (default `renderer_cache()`).
    timeout: longest a single cell may run [seconds].
    Raises ModelError for a bad model, scenario or folder, ReportError if a notebook fails
    (its executed copy is kept in `out` as NN_name.failed.ipynb) or the renderer is missing.
    """
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
    out = Path(out).resolve()
    _check_out(out, Path(model_dir).resolve(), sources)
    info = provenance(model_dir, scenario, seed)
    renderer = widget_renderer(cache)
    parameters = {"model_dir": info["model folder"], "scenario": scenario, "seed": seed}
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    staging.mkdir()
    try:
        entries = []
        for source in sources:
            executed = staging / source.name
            try:
                execute_notebook(source, executed, parameters, provenance_markdown(info),
                                 timeout)
            except ReportError as error:
                kept = _keep_failed(executed, out)
                raise ReportError(f"{error} (executed copy with the traceback: {kept})"
                                  if kept else str(error)) from error
            page = f"{source.stem}.html"
            export_html(executed, staging / page)
            entries.append((page, _page_title(executed, source.stem)))
        shutil.copytree(renderer, staging / RENDERER_FOLDER)
        (staging / "index.html").write_text(index_page(entries, info), encoding="utf-8")
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
