"""Reports for reviewers: executed with parameters, exported to HTML that works offline,
reproducible, and never touching the notebooks or the model they were made from.

To keep the cost down most tests run a report of two tiny notebooks made here (one kernel
each); the reports of the real notebooks on other models are at the end (slow).
"""
from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbval.plugin import coalesce_streams, get_sanitize_patterns, transform_streams_for_comparison

import workbench as wb
from workbench import report as reporting
from workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "mental_health_strategy"
SANITIZE = ROOT / "notebooks" / "nbval_sanitize.cfg"
CHROMIUM = Path("/usr/bin/chromium")
SEED = 3
# What nbval 0.11 leaves out when it compares outputs (IPyNbFile.skip_compare, without nbdime).
NBVAL_SKIP = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
              "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg")


def notebook(cells: list, parameters: str) -> nbformat.NotebookNode:
    tagged = new_code_cell(parameters, metadata={"tags": ["parameters"]})
    book = new_notebook(cells=[cells[0], tagged, *cells[1:]])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    return book


def write_tiny_notebooks(folder: Path) -> Path:
    """01 takes every parameter and shows numbers, a slider and a chart; 02 takes model_dir only."""
    folder.mkdir()
    numbers = notebook([
        new_markdown_cell("# Numbers, a slider and a chart"),
        new_code_cell("import ipywidgets\nimport matplotlib.pyplot as plt\nimport numpy as np\n"
                      "import workbench as wb\n%matplotlib inline"),
        new_code_cell("model = wb.load(model_dir)\nresult = wb.optimise(model)\n"
                      "print(scenario, seed, result.status, round(result.value['total'], 6))\n"
                      "print(np.random.default_rng(seed).integers(0, 1000, 5))"),
        new_code_cell("wb.score(model).round(4).head()"),
        new_code_cell("ipywidgets.IntSlider(value=seed + 40, min=0, max=100, "
                      "description='budget')"),
        new_code_cell("figure, axes = plt.subplots(figsize=(4, 3))\n"
                      "axes.bar(range(5), np.random.default_rng(seed).random(5))\n"
                      "plt.close(figure)\nfigure"),
    ], 'model_dir = "../data/mental_health_strategy"\nscenario = None\nseed = 0')
    model_only = notebook([
        new_markdown_cell("# The model only"),
        new_code_cell("import workbench as wb\nprint(len(wb.load(model_dir).actions), 'actions')"),
        new_code_cell("hash('set order follows string hashing')"),
    ], 'model_dir = "../data/mental_health_strategy"')
    nbformat.write(numbers, folder / "01_numbers.ipynb")
    nbformat.write(model_only, folder / "02_model_only.ipynb")
    (folder / "notes.ipynb").write_text("not numbered: never run")
    return folder


def tree_hashes(*folders: Path) -> list[str]:
    return [reporting.model_hash(folder) for folder in folders]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One report made through the command line, with what it printed and the hashes."""
    base = tmp_path_factory.mktemp("report")
    model = generated(base / "model")
    notebooks = write_tiny_notebooks(base / "notebooks")
    before = tree_hashes(model, notebooks)
    (base / "home").mkdir()
    environment = {**os.environ, "HOME": str(base / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "report", str(model), "--out", str(base / "out"),
         "--notebooks", str(notebooks), "--seed", str(SEED), "--samples", "20"],
        capture_output=True, text=True, timeout=600, env=environment, cwd=base)
    return {"base": base, "model": model, "notebooks": notebooks, "out": base / "out",
            "before": before, "after": tree_hashes(model, notebooks), "done": done}


def test_report_runs_every_numbered_notebook_quietly(made):
    done, out = made["done"], made["out"]
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"report of 2 notebooks written to {out / 'index.html'}\n"
    assert done.stderr == ""  # no papermill 'unknown parameter' or kernel warnings
    names = sorted(p.name for p in out.iterdir())
    assert names == ["01_numbers.html", "01_numbers.ipynb", "02_model_only.html",
                     "02_model_only.ipynb", "index.html"]  # no widget renderer: no npm


def test_parameters_go_only_to_notebooks_that_declare_them(made):
    numbers = nbformat.read(made["out"] / "01_numbers.ipynb", as_version=4)
    injected = [c for c in numbers.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert f'model_dir = "{made["model"]}"' in injected[0].source  # absolute path
    assert f"seed = {SEED}" in injected[0].source and "scenario = None" in injected[0].source
    printed = "".join(o.get("text", "") for c in numbers.cells if c.cell_type == "code"
                      for o in c.outputs)
    assert f"None {SEED} optimal" in printed
    model_only = nbformat.read(made["out"] / "02_model_only.ipynb", as_version=4)
    injected = [c for c in model_only.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected[0].source.strip().splitlines()[1:] == [f'model_dir = "{made["model"]}"']
    assert f"{len(wb.load(made['model']).actions)} actions" in model_only.cells[-2].outputs[0]["text"]
    hashed = model_only.cells[-1].outputs[0]["data"]["text/plain"]
    seeded = subprocess.run([sys.executable, "-c", "print(hash('set order follows string "
                             "hashing'))"], env={**os.environ, "PYTHONHASHSEED": "0"},
                            capture_output=True, text=True, check=True).stdout.strip()
    assert hashed == seeded  # kernels hash strings with a fixed seed: reports repeat


def test_notebooks_and_model_folder_are_untouched(made):
    assert made["after"] == made["before"]
    assert sorted(p.name for p in made["notebooks"].iterdir()) == [
        "01_numbers.ipynb", "02_model_only.ipynb", "notes.ipynb"]


def test_every_report_starts_with_its_provenance(made):
    model = wb.load(made["model"])
    expected = {
        "model folder": str(made["model"]),
        "model files (SHA-256)": reporting.model_hash(made["model"]),
        "scenario": "none (the model as given)",
        "seed": str(SEED),
        "robustness": reporting.robustness_words(20, SEED),
        "validation": reporting.validation_summary(model),
    }
    index = (made["out"] / "index.html").read_text()
    for name in ("01_numbers.ipynb", "02_model_only.ipynb"):
        executed = nbformat.read(made["out"] / name, as_version=4)
        first = executed.cells[0]
        assert first.cell_type == "markdown"
        assert first.source.startswith("<details class=\"provenance\"><summary>Provenance")
        page = (made["out"] / name.replace(".ipynb", ".html")).read_text()
        for key, value in expected.items():
            row = f"<tr><th>{key}</th><td>{value}</td></tr>"
            assert row in first.source and row in index and row in page
    versions = reporting.package_versions()
    assert versions["PuLP"] == __import__("pulp").__version__
    for label in ("workbench", "pandas", "PuLP", "highspy"):
        assert f"{label} {versions[label]}" in index
    assert f"valid: {len(model.actions)} actions, {len(model.criteria)} criteria" in index


def test_index_links_each_page_on_one_line(made):
    index = (made["out"] / "index.html").read_text()
    links = [line for line in index.splitlines() if line.startswith("<li><a href=")]
    assert links == ['<li><a href="01_numbers.html">01 Numbers, a slider and a chart</a></li>',
                     '<li><a href="02_model_only.html">02 The model only</a></li>']


def comparable_outputs(path: Path) -> list:
    """Each code cell's source and outputs as nbval compares them (same skips, same sanitizer)."""
    patterns = get_sanitize_patterns(SANITIZE.read_text())

    def sanitize(value):
        if isinstance(value, str):
            for regex, replace in patterns:
                value = __import__("re").sub(regex, replace, value)
        return value

    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        flat: dict[str, list] = {}
        for output in transform_streams_for_comparison(coalesce_streams(
                copy.deepcopy(cell.outputs))):
            for key, value in output.items():
                if key == "data":
                    for kind, data in value.items():
                        if kind not in NBVAL_SKIP:
                            flat.setdefault(kind, []).append(sanitize(data))
                elif key not in NBVAL_SKIP:
                    flat.setdefault(key, []).append(sanitize(value))
        cells.append((cell.source, flat))
    return cells


def test_same_model_scenario_and_seed_give_identical_reports(made, tmp_path):
    again = reporting.make_report(made["model"], tmp_path / "again", seed=SEED, samples=20,
                                  notebooks=made["notebooks"])
    for executed in again.notebooks:
        first = comparable_outputs(made["out"] / executed.name)
        second = comparable_outputs(executed)
        assert any(outputs for _, outputs in first), "nothing to compare"
        assert second == first
    assert (tmp_path / "again" / "index.html").read_text() == (
        made["out"] / "index.html").read_text()


def test_a_different_seed_changes_the_numbers(made):
    """The comparison above can fail: the seed reaches the kernel and shows in the outputs."""
    first = comparable_outputs(made["out"] / "01_numbers.ipynb")
    printed = next(outputs for source, outputs in first
                   if source.startswith("model = wb.load"))["stdout"][0]
    assert printed.splitlines()[0].startswith(f"None {SEED} optimal")
    import numpy as np

    assert str(np.random.default_rng(SEED).integers(0, 1000, 5)) in printed
    assert str(np.random.default_rng(SEED + 1).integers(0, 1000, 5)) not in printed


# ---------------------------------------------------------------- offline HTML in a browser


def open_offline(pages: list[Path], width: int = 1280) -> dict:
    """Open each page in headless Chromium with every request other than file:// blocked;
    return, per page, the requests that failed or were blocked, any text still 'Loading
    widget', the tables (and output areas) wider than their box, and the page's text."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    found = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            for path in pages:
                page = browser.new_page(viewport={"width": width, "height": 900})
                blocked, failed = [], []
                page.route("**/*", only_files(blocked))
                page.on("requestfailed", failed_into(failed))
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_timeout(300)
                result = page.evaluate("""() => {
                    const wide = [];
                    for (const e of document.querySelectorAll(
                            'table, .jp-OutputArea-output, .jp-RenderedHTMLCommon')) {
                        const box = e.parentElement;
                        const style = getComputedStyle(e);
                        if (e.scrollWidth > e.clientWidth + 1 && style.overflowX !== 'visible'
                                && style.overflowX !== 'hidden')
                            wide.push(e.tagName + '.' + e.className);
                        if (e.tagName === 'TABLE' && e.getBoundingClientRect().right >
                                document.documentElement.clientWidth + 1)
                            wide.push('beyond the page: ' + e.className);
                    }
                    return {wide: wide,
                            pageScrolls: document.documentElement.scrollWidth >
                                document.documentElement.clientWidth + 1,
                            images: Array.from(document.images).filter(
                                i => !(i.complete && i.naturalWidth > 0)).length,
                            text: document.body.innerText};
                }""")
                found[path.name] = {**result, "blocked": blocked, "failed": failed}
                page.close()
        finally:
            browser.close()
    return found


def only_files(blocked: list):
    """A route handler that lets file:// through and aborts (and notes) anything else."""
    def handle(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()
    return handle


def failed_into(failed: list):
    def note(request):
        failed.append(request.url)
    return note


def assert_reads_offline(found: dict) -> None:
    for name, page in found.items():
        assert page["blocked"] == [] and page["failed"] == [], name  # nothing asked of a network
        assert "Loading widget" not in page["text"], name
        assert page["wide"] == [] and not page["pageScrolls"], (name, page["wide"])
        assert page["images"] == 0, name  # every chart drawn


def test_exported_pages_read_offline_without_code(made):
    pages = [made["out"] / "index.html", made["out"] / "01_numbers.html",
             made["out"] / "02_model_only.html"]
    found = open_offline(pages)
    assert_reads_offline(found)
    numbers = found["01_numbers.html"]
    assert "Provenance" in numbers["text"]
    assert "model = wb.load" not in numbers["text"]  # code hidden for reviewers
    assert "model_dir" not in (made["out"] / "01_numbers.html").read_text()  # no parameters
    assert "Executive summary" in found["index.html"]["text"]


def test_show_code_keeps_the_code_but_never_the_parameters(made, tmp_path):
    report = reporting.make_report(made["model"], tmp_path / "code", seed=SEED, samples=20,
                                   notebooks=[made["notebooks"] / "02_model_only.ipynb"],
                                   show_code=True, summary=False)
    page = report.pages[0].read_text()
    assert "print(len(wb.load(model_dir).actions)" in html_text(page)
    assert 'model_dir = "' not in html_text(page)


def html_text(page: str) -> str:
    import html as html_module
    import re as re_module

    page = re_module.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re_module.S)
    return html_module.unescape(re_module.sub(r"<[^>]+>", "", page))


@pytest.mark.skipif(not (ROOT / "notebooks" / "06_what_if.ipynb").is_file(),
                    reason="the dashboard notebook 06_what_if.ipynb is not written yet")
def test_the_dashboard_is_a_labelled_snapshot_offline(tmp_path):
    report = reporting.make_report(generated(tmp_path / "model"), tmp_path / "out", samples=20,
                                   summary=False,
                                   notebooks=[ROOT / "notebooks" / "06_what_if.ipynb"])
    page = report.pages[0].read_text()
    assert "Snapshot of the what-if dashboard" in page
    assert "widget-slider" not in page and "application/vnd.jupyter.widget" not in page
    found = open_offline([report.pages[0]])
    assert_reads_offline(found)
    assert "The efficient frontier" in found[report.pages[0].name]["text"]


# ---------------------------------------------------------------- refusals and faults


def test_model_hash_is_over_names_and_bytes(example_folder, tmp_path):
    original = reporting.model_hash(example_folder)
    shutil.copytree(example_folder, tmp_path / "copy")
    assert reporting.model_hash(tmp_path / "copy") == original  # not paths or times
    (tmp_path / "copy" / ".~lock.actions.csv#").write_text("lock")
    (tmp_path / "copy" / "~$actions.xlsx").write_text("lock")
    assert reporting.model_hash(tmp_path / "copy") == original  # editor litter is not the model
    criteria = tmp_path / "copy" / "criteria.csv"
    criteria.write_bytes(criteria.read_bytes().replace(b"25", b"26", 1))
    assert reporting.model_hash(tmp_path / "copy") != original
    (example_folder / "criteria.csv").rename(example_folder / "criteria_old.csv")
    assert reporting.model_hash(example_folder) != original


def test_a_bad_model_stops_the_report_before_any_notebook(example_folder, tmp_path):
    (example_folder / "resources.csv").write_text("resource,limit\ncost,lots\n")
    with pytest.raises(wb.ModelError, match=r"resources\.csv:2:limit"):
        reporting.make_report(example_folder, tmp_path / "out",
                              notebooks=write_tiny_notebooks(tmp_path / "nb"))
    assert not (tmp_path / "out").exists()


def test_an_unknown_scenario_is_refused(example_folder, tmp_path):
    with pytest.raises(wb.ModelError, match="no scenario named 'nope'"):
        reporting.make_report(example_folder, tmp_path / "out", scenario="nope",
                              notebooks=write_tiny_notebooks(tmp_path / "nb"))


@pytest.mark.parametrize("where", ["model", "notebooks"])
def test_out_may_not_overwrite_the_model_or_the_notebooks(where, example_folder, tmp_path):
    notebooks = write_tiny_notebooks(tmp_path / "nb")
    out = example_folder / "reports" if where == "model" else notebooks
    before = tree_hashes(example_folder, notebooks)
    with pytest.raises(wb.ModelError, match=r"^1 problem in the model:\n  --out: "):
        reporting.make_report(example_folder, out, notebooks=notebooks)
    assert tree_hashes(example_folder, notebooks) == before


def test_no_numbered_notebooks_is_a_clear_error(example_folder, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = main(["report", str(example_folder), "--notebooks", str(tmp_path / "empty"),
                 "--out", str(tmp_path / "out")])
    assert code == 2
    assert capsys.readouterr().err == (f"workbench: notebooks: no numbered notebooks "
                                       f"([0-9][0-9]_*.ipynb) in {tmp_path / 'empty'}\n")


def test_a_notebook_that_fails_puts_its_reason_on_the_command_line(example_folder, tmp_path,
                                                                   capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    nbformat.write(notebook([new_markdown_cell("# Asks for a missing portfolio"),
                             new_code_cell("import workbench as wb\n"
                                           "wb.load(model_dir).reference_portfolio('nope')")],
                            'model_dir = "."'), broken / "01_nope.ipynb")
    code = main(["report", str(example_folder), "--out", str(tmp_path / "out"),
                 "--notebooks", str(broken), "--samples", "5"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert "01_nope.ipynb: cell 4 raised ModelError: 1 problem in the model:" in err
    assert "no reference portfolio named 'nope'" in err  # the reason, not only the count


def test_a_failing_notebook_keeps_the_last_good_report(made, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(made["out"], out)
    before = reporting.model_hash(out)
    broken = tmp_path / "broken"
    broken.mkdir()
    nbformat.write(notebook([new_markdown_cell("# Broken"), new_code_cell("1 / 0")],
                            'model_dir = "."'), broken / "01_numbers.ipynb")
    with pytest.raises(reporting.ReportError, match=r"^01_numbers\.ipynb: cell 4 raised "
                       r"ZeroDivisionError: division by zero \(executed copy with the "
                       r"traceback: .*01_numbers\.failed\.ipynb\)$"):
        reporting.make_report(made["model"], out, notebooks=broken)
    failed = out / "01_numbers.failed.ipynb"
    assert failed.is_file()
    failed.unlink()
    assert reporting.model_hash(out) == before  # every page of the old report is as it was
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging left


def test_provenance_values_are_escaped_in_html():
    table = reporting.provenance_table({"scenario": "<script>alert('x')</script> & co"})
    assert "<script>" not in table
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in table


# ---------------------------------------------------------------- the real notebooks, any model


REQUIRED = ("actions", "resources", "criteria", "scores")


def only_required_files(folder: Path) -> Path:
    """A generated model of the required files alone: one stakeholder group, no interactions,
    no reference portfolio, no ranges, a one-year plan, no scenarios."""
    from workbench.examples import random_tables

    tables = random_tables(7, seed=5, stakeholders=1, n_requires=0, n_excludes=0)
    folder.mkdir()
    for name in REQUIRED:
        tables[name].to_csv(folder / f"{name}.csv", index=False)
    return folder


def generated(folder: Path) -> Path:
    """A generated model with every optional table: groups, a reference portfolio, a
    two-year scenario; one action's name has dollar signs, which charts would read as maths."""
    import pandas as pd
    from workbench.examples import random_tables

    tables = random_tables(10, seed=7, stakeholders=3)
    tables["actions"].loc[0, "name"] = "Fund $5 and $10 vouchers"
    tables["portfolios"] = pd.DataFrame({"portfolio": "committee picks",
                                         "action": ["a01", "a03", "a05", "a07"]})
    tables["settings"] = pd.DataFrame({"setting": ["title"], "value": ["Generated model"]})
    wb.save(wb.from_tables(tables), folder)
    (folder / "scenarios.csv").write_text("scenario,kind,target,value,note\n"
                                          "two_years,horizon,,2,\n")
    return folder


def renamed_example(folder: Path) -> Path:
    """The worked example with other ids, names, limits and scores: same shape, other model."""
    import csv
    import re

    shutil.copytree(EXAMPLE, folder)
    model = wb.load(EXAMPLE)
    ids = {old: f"scheme_{k:02d}" for k, old in enumerate(model.actions.index)}
    if "option_of" in model.actions.columns:  # schemes of alternative versions, named by id
        for k, scheme in enumerate(sorted({s for s in model.actions["option_of"]
                                           if isinstance(s, str) and s})):
            ids[scheme] = f"group_{k:02d}"
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, sorted(
        ids, key=len, reverse=True))) + r")(?![A-Za-z0-9_])")
    for path in folder.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        for row in rows[1:]:
            for index, column in enumerate(header):
                cell = pattern.sub(lambda m: ids[m.group(1)], row[index])
                if column in ("description", "evidence", "note", "indicator"):
                    cell = ""
                if path.name == "actions.csv" and column == "name":
                    cell = f"Scheme number {row[0].removeprefix('scheme_')}"
                if path.name == "resources.csv" and column == "limit" and cell:
                    cell = str(round(float(cell) * 1.37, 2))
                if path.name == "scores.csv" and column in ("score", "low", "high") and cell:
                    cell = str(min(10.0, round(float(cell) * 0.9 + 0.7, 2)))
                if path.name == "settings.csv" and row[0] in ("title", "description") \
                        and column == "value":
                    cell = "Harbour renewal" if row[0] == "title" else "Another place."
                if path.name == "portfolios.csv" and column == "portfolio":
                    cell = "steering group"
                row[index] = cell
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return folder


def example_figures_and_names() -> list[str]:
    model = wb.load(EXAMPLE)
    best = wb.optimise(model)
    from workbench.units import format_amount

    texts = [f"{best.value['total']:,.1f}", f"{best.value['standalone']:,.1f}"]
    texts += [format_amount(model, r, a) for r, a in best.cost.items() if a >= 100]
    texts += [format_amount(model, r, limit) for r, limit in
              wb.findings.whole_horizon_limits(model).items() if limit >= 100]  # not 5.5 FTE
    texts += list(model.actions.index) + [str(n) for n in model.actions["name"]]
    texts += [humanised for humanised in map(wb.findings.humanise, model.actions.index)
              if " " in humanised]  # an id shown in words
    texts += ["roundtable", model.settings["title"]]
    return texts


class Reports(dict):
    """Each model's report, made on first use (so one model's failure fails its tests only)."""

    BUILDERS = {"required": only_required_files, "generated": generated,
                "renamed": renamed_example}

    def __init__(self, base: Path):
        super().__init__()
        self.base = base

    def __missing__(self, name):
        folder = self.BUILDERS[name](self.base / name)
        self[name] = (folder, reporting.make_report(folder, self.base / f"{name}_report",
                                                    seed=1, samples=20))
        return self[name]

    def values(self):
        return [self[name] for name in self.BUILDERS]


@pytest.fixture(scope="module")
def other_reports(tmp_path_factory):
    return Reports(tmp_path_factory.mktemp("any_model"))


def page_texts(report) -> dict[str, str]:
    return {page.name: html_text(page.read_text()) for page in (report.index, *report.pages)}


def test_a_model_of_the_required_files_alone_makes_a_report(other_reports):
    folder, report = other_reports["required"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.csv" for n in REQUIRED)
    assert len(report.pages) == len(reporting.find_notebooks())
    texts = page_texts(report)
    joined = "\n".join(texts.values())
    for need in ("portfolios", "stakeholders", "multi_year"):
        said = str(wb.findings.missing(wb.load(folder), need)).replace("*", "").replace("`", "")
        assert said in joined
    assert "Traceback" not in joined and "Error" not in joined


@pytest.mark.parametrize("which", ["required", "generated", "renamed"])
def test_the_summary_figures_equal_the_library_results(other_reports, which):
    folder, report = other_reports[which]
    model = wb.load(folder)
    best = wb.optimise(model)
    summary = page_texts(report)["index.html"]
    assert f"worth {best.value['total']:,.1f} value points" in summary
    whole = wb.findings.whole_horizon_limits(model)
    for resource, used in best.cost.items():
        assert wb.findings.amounts(model, {resource: used}, whole) in summary
    assert all(wb.findings.action_name(model, a) in summary for a in best.selected)
    draws = wb.robustness(model, samples=20, seed=1, progress=False)
    assert str(wb.findings.core(model, draws)).split("\n")[0] in summary


@pytest.mark.parametrize("which", ["generated", "renamed"])
def test_no_page_of_another_model_speaks_of_the_example(other_reports, which):
    _, report = other_reports[which]
    for page, text in page_texts(report).items():
        for leftover in example_figures_and_names():
            assert leftover not in text, f"{page} of the {which} model says {leftover!r}"


def test_every_page_of_every_report_reads_offline(other_reports):
    for _, report in other_reports.values():
        assert_reads_offline(open_offline([report.index, *report.pages]))
