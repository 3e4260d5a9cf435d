"""The Voila app in a real browser: move the budget, see the portfolio follow, check the numbers.

Needs Debian's chromium at /usr/bin/chromium (`apt-get install -y chromium`) and the python
`playwright` package (the `test` extra); Playwright's own browser downloads are never used.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import workbench as wb
from workbench.app import free_port, stop_process, wait_until_ready

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PAGE_TIMEOUT = 240_000  # ms: kernel start, model load and first solve on a busy 2-core machine
NEW_BUDGET = 500_000  # pounds


@pytest.fixture
def app(example_folder, tmp_path):
    """`workbench app` serving a private copy of the worked example on a free loopback port."""
    port = free_port()
    log = (tmp_path / "app.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "app", str(example_folder), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(port, process, timeout=120)
        yield f"http://127.0.0.1:{port}/", example_folder
    finally:
        stop_process(process, timeout=30)
        log.close()
    assert process.returncode is not None


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium "
                    "(apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_moving_the_budget_in_the_browser_reoptimises(browser, app, tmp_path):
    url, folder = app
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    requested = []  # every address the page asks for: nothing may leave this machine (no CDN)
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda websocket: requested.append(websocket.url))
    page.goto(url, timeout=PAGE_TIMEOUT)
    page.wait_for_selector(".wb-portfolio", timeout=PAGE_TIMEOUT)
    assert page.locator(".jp-InputArea, .jp-CodeMirrorEditor").count() == 0  # no code shown
    before = page.eval_on_selector(".wb-portfolio", "table => table.dataset.selected")
    model = wb.load(folder)
    assert set(before.split(";")) == set(wb.optimise(model).selected)

    readout = page.locator(".wb-limit-cost .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(NEW_BUDGET))
    page.keyboard.press("Enter")
    page.wait_for_function("before => document.querySelector('.wb-portfolio').dataset.selected"
                           " !== before", arg=before, timeout=PAGE_TIMEOUT)

    expected = wb.optimise(model, limits={"cost": NEW_BUDGET})
    after = page.eval_on_selector(".wb-portfolio", "table => table.dataset.selected")
    assert set(after.split(";")) == set(expected.selected)
    value = float(page.eval_on_selector(".wb-value", "span => span.dataset.value"))
    assert value == pytest.approx(expected.objective)
    cost = float(page.eval_on_selector(".wb-cost[data-resource='cost']",
                                       "span => span.dataset.amount"))
    assert cost == pytest.approx(expected.cost["cost"])
    headline = page.inner_text(".wb-headline")
    assert f"{expected.objective:,.1f} value points" in headline
    assert "of £500,000" in headline
    assert page.locator(".wb-portfolio tr.wb-dropped").count() == len(
        set(before.split(";")) - set(expected.selected))

    page.wait_for_selector(".wb-explanation", timeout=PAGE_TIMEOUT)
    page.wait_for_selector(".wb-budget-marker", timeout=PAGE_TIMEOUT)
    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 20_000
    assert any(urlsplit(address).scheme == "ws" for address in requested)  # the kernel's
    elsewhere = [address for address in requested
                 if urlsplit(address).scheme not in ("data", "blob")
                 and urlsplit(address).hostname != "127.0.0.1"]
    assert elsewhere == []
    assert page.evaluate("() => [...document.fonts].some(font => font.status === 'loaded'"
                         " && font.family.includes('Font Awesome'))")  # the icons, served here


# ---------------------------------------------------------------- the launcher, without a browser


def test_the_app_listens_on_loopback_and_hides_the_code(example_folder, tmp_path):
    from workbench.app import app_notebook, voila_command, write_app_notebook

    notebook = write_app_notebook(example_folder, tmp_path, scenario="lean_year")
    command = voila_command(notebook, 8870)
    assert "--Voila.ip=127.0.0.1" in command and "--strip_sources=True" in command
    assert "--port=8870" in command and "--Voila.port_retries=0" in command
    source = app_notebook(example_folder, "lean_year")["cells"][0]["source"]
    assert repr(str(example_folder.resolve())) in source
    assert "scenario='lean_year'" in source


def test_another_interface_needs_an_explicit_flag(example_folder, capsys, monkeypatch):
    from workbench import app, cli

    assert cli.main(["app", str(example_folder), "--host", "0.0.0.0"]) == 2
    error = capsys.readouterr().err
    assert "--host 0.0.0.0: the dashboard listens only on 127.0.0.1 unless you also pass " \
           "--expose" in error
    started = []
    monkeypatch.setattr(app.subprocess, "Popen", lambda command, **_: started.append(command)
                        or pytest.fail("stop here"))
    with pytest.raises(pytest.fail.Exception):
        cli.main(["app", str(example_folder), "--host", "0.0.0.0", "--expose", "--port", "8871"])
    assert "warning: serving on 0.0.0.0: anyone who can reach this address and has the " \
           "address with its token can use the dashboard" in capsys.readouterr().out
    assert "--Voila.ip=0.0.0.0" in started[0]


def test_a_bad_model_or_scenario_stops_the_app_before_voila(example_folder, capsys, monkeypatch):
    from workbench import app, cli

    monkeypatch.setattr(app.subprocess, "Popen", lambda *a, **k: pytest.fail("Voila started"))
    assert cli.main(["app", str(example_folder), "--scenario", "no_such"]) == 2
    assert "no scenario named 'no_such'" in capsys.readouterr().err
    actions = example_folder / "actions.csv"
    actions.write_text(actions.read_text().replace(",25000,0,0.2,", ",abc,0,0.2,", 1))
    assert cli.main(["app", str(example_folder)]) == 2
    assert "workbench: actions.csv:2:cost: 'abc' is not a number" in capsys.readouterr().err
