"""Reports for reviewers: executed with parameters, exported to HTML that works offline,
reproducible, and never touching the notebooks or the model they were made from.

To keep the cost down the report runs on two tiny notebooks made here (one kernel each);
the offline browser check also runs on the dashboard notebook 06_what_if when it exists.
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
    model = base / "model"
    shutil.copytree(EXAMPLE, model)
    notebooks = write_tiny_notebooks(base / "notebooks")
    before = tree_hashes(model, notebooks)
    (base / "home").mkdir()
    environment = {**os.environ, "HOME": str(base / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "report", str(model), "--out", str(base / "out"),
         "--notebooks", str(notebooks), "--seed", str(SEED)],
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
                     "02_model_only.ipynb", "index.html", "widgets"]
    assert (out / "widgets" / "embed-amd.js").is_file()
    assert (out / "widgets" / "require.js").is_file()


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
    assert "25 actions" in model_only.cells[-2].outputs[0]["text"]
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
        "validation": reporting.validation_summary(model),
    }
    index = (made["out"] / "index.html").read_text()
    for name in ("01_numbers.ipynb", "02_model_only.ipynb"):
        executed = nbformat.read(made["out"] / name, as_version=4)
        first = executed.cells[0]
        assert first.cell_type == "markdown" and first.source.startswith("## Provenance")
        page = (made["out"] / name.replace(".ipynb", ".html")).read_text()
        for key, value in expected.items():
            row = f"<tr><th>{key}</th><td>{value}</td></tr>"
            assert row in first.source and row in index and row in page
    versions = reporting.package_versions()
    assert versions["PuLP"] == __import__("pulp").__version__
    for label in ("workbench", "pandas", "PuLP", "highspy"):
        assert f"{label} {versions[label]}" in index
    assert "valid: 25 actions, 7 criteria" in index


def test_index_links_each_page_on_one_line(made):
    index = (made["out"] / "index.html").read_text()
    links = [line for line in index.splitlines() if line.startswith("<li>")]
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
    again = reporting.make_report(made["model"], tmp_path / "again", seed=SEED,
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


def open_offline(page_path: Path, selectors: list[str]) -> dict:
    """Open a page in headless chromium with every non-file:// request blocked."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    blocked = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 2000})
            page.route("**/*", only_files)
            page.goto(page_path.as_uri())
            for selector in selectors:
                page.wait_for_selector(selector, state="visible", timeout=30_000)
            found = page.evaluate("""() => ({
                sliders: document.querySelectorAll('.widget-slider').length,
                readouts: Array.from(document.querySelectorAll('.widget-readout'),
                                     e => e.textContent.trim()),
                charts: Array.from(document.images).filter(
                    i => i.src.startsWith('data:image/png') && i.complete && i.naturalWidth > 0
                ).length,
                text: document.body.innerText})""")
            page.screenshot(path=str(page_path.parent.parent / f"{page_path.stem}.png"))
        finally:
            browser.close()
    return {**found, "blocked": blocked}


def test_exported_page_draws_widgets_and_charts_offline(made):
    found = open_offline(made["out"] / "01_numbers.html", [".widget-slider .noUi-handle"])
    assert found["blocked"] == []  # nothing asked of the network at all
    assert found["sliders"] == 1
    assert found["readouts"] == [str(SEED + 40)]  # drawn from the state saved by the kernel
    assert found["charts"] == 1
    assert "Provenance" in found["text"]


@pytest.mark.skipif(not (ROOT / "notebooks" / "06_what_if.ipynb").is_file(),
                    reason="the dashboard notebook 06_what_if.ipynb is not written yet")
def test_dashboard_report_draws_offline(example_folder, tmp_path):
    report = reporting.make_report(example_folder, tmp_path / "out",
                                   notebooks=[ROOT / "notebooks" / "06_what_if.ipynb"])
    found = open_offline(report.pages[0], [".widget-slider", "img[src^='data:image/png']"])
    assert found["blocked"] == []
    assert found["sliders"] >= 1
    assert found["charts"] >= 1


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


def test_without_npm_the_renderer_cannot_be_fetched(example_folder, tmp_path, monkeypatch,
                                                    capsys):
    monkeypatch.setenv(reporting.CACHE_VARIABLE, str(tmp_path / "empty_cache"))
    monkeypatch.setattr(reporting.shutil, "which", lambda name: None)
    with pytest.raises(reporting.ReportError, match=r"fetched once with npm, and npm was not "
                       r"found: install Node\.js with npm"):
        reporting.widget_renderer()
    code = main(["report", str(example_folder), "--out", str(tmp_path / "out"),
                 "--notebooks", str(write_tiny_notebooks(tmp_path / "nb"))])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("workbench: the offline HTML needs the Jupyter widget renderer")
    assert not (tmp_path / "out").exists()


def test_a_failing_notebook_keeps_the_last_good_report(made, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(made["out"], out)
    before = reporting.model_hash(out)
    broken = tmp_path / "broken"
    broken.mkdir()
    nbformat.write(notebook([new_markdown_cell("# Broken"), new_code_cell("1 / 0")],
                            'model_dir = "."'), broken / "01_numbers.ipynb")
    with pytest.raises(reporting.ReportError, match=r"^01_numbers\.ipynb: cell 3 raised "
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
