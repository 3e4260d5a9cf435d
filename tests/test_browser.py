"""The Voila app in a real browser: move the budget, see the portfolio follow, check the numbers.

Needs Debian's chromium at /usr/bin/chromium (`apt-get install -y chromium`) and the python
`playwright` package (the `test` extra); Playwright's own browser downloads are never used.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import workbench as wb
from workbench.app import free_port, stop_process, wait_until_ready
from workbench.scenarios import Scenario, apply_scenario

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
PAGE_TIMEOUT = 240_000  # ms: kernel start, model load and first solve on a busy 2-core machine
NEW_BUDGET = 500_000  # pounds
FIRST_PAINT_SECONDS = 3.0  # page load to the headline shown, once the app has started


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


def wait_for_text(page, selector: str, text: str) -> None:
    """Wait until the element shows `text` (the views update one after another)."""
    page.wait_for_function("([selector, text]) => { const e = document.querySelector(selector);"
                           " return e !== null && e.innerText.includes(text); }",
                           arg=[selector, text], timeout=PAGE_TIMEOUT)


def type_budget(page, amount: float) -> None:
    """Type a limit into the cost slider's readout, as a lead does, and press Enter."""
    page.locator(".wb-limit-cost .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(amount))
    page.keyboard.press("Enter")


def test_the_lead_picks_an_action_meets_an_infeasible_setting_and_changes_the_horizon(
        browser, app):
    url, folder = app
    model = wb.load(folder)
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(url, timeout=PAGE_TIMEOUT)
    page.wait_for_selector(".wb-headline .wb-value", timeout=PAGE_TIMEOUT)

    # the searchable picker: every action once, by its full name, and each scheme once in
    # place of its levels; a search narrows the list
    names = page.eval_on_selector_all(".wb-pick-row .wb-pick-name", "spans => spans.map("
                                      "span => span.textContent)")
    expected = []
    for action, name in model.actions["name"].items():
        scheme = model.scheme_of(action)
        shown = (f"{model.scheme_name(scheme)} (any of its {len(model.schemes[scheme])} levels)"
                 if scheme else name)
        if shown not in expected:
            expected.append(shown)
    assert names == expected
    page.fill(".wb-picker-search input", "crisis")
    targets = list(dict.fromkeys(model.scheme_of(a) or a for a in model.actions.index))
    matching = [t for t in targets if "crisis" in " ".join(map(str, (
        model.scheme_name(t) if t in model.schemes else model.actions.at[t, "name"], t,
        model.actions.at[model.members(t)[0], "theme"],
        model.actions.at[model.members(t)[0], "lead"]))).lower()]
    page.wait_for_function("n => [...document.querySelectorAll('.wb-pick-row')].filter("
                           "row => row.offsetParent !== null).length === n", arg=len(matching),
                           timeout=PAGE_TIMEOUT)
    page.locator(".wb-pick-crisis_cafe_scheme .widget-toggle-button", has_text="in").click()
    forced = wb.optimise(model, include=["crisis_cafe_scheme"])  # either level of the cafe
    page.wait_for_function("v => document.querySelector('.wb-portfolio').dataset.selected"
                           " === v", arg=";".join(sorted(forced.selected)),
                           timeout=PAGE_TIMEOUT)
    selected = page.eval_on_selector(".wb-portfolio", "table => table.dataset.selected")
    assert set(selected.split(";")) == set(forced.selected)
    wait_for_text(page, ".wb-picker-summary",
                  f"{len(targets)} actions: 1 forced in, 0 forced out")

    # a limit no portfolio fits: the headline says so first, with the reasons
    type_budget(page, 1000)
    page.wait_for_function("() => document.querySelector('.wb-headline').innerText"
                           ".startsWith('No portfolio fits these settings')",
                           timeout=PAGE_TIMEOUT)
    headline = page.inner_text(".wb-headline")
    for reason in wb.optimise(model, include=["crisis_cafe_scheme"],
                              limits={"cost": 1000}).reasons:
        assert reason in headline
    assert f"forced in: {model.scheme_name('crisis_cafe_scheme')}." in headline
    assert "Last portfolio that fitted" in headline
    assert f"£{forced.cost['cost']:,.0f} within its limit then of £680,000" in headline
    assert model.resources.set_index("resource").at["cost", "limit"] == 680_000
    assert "of £1,000" not in headline
    page.wait_for_selector(".wb-last-portfolio", timeout=PAGE_TIMEOUT)  # over the table

    # back to the model's limit, then three years: the limits are scaled, and say so
    type_budget(page, 680_000)
    page.wait_for_function("() => !document.querySelector('.wb-headline').innerText"
                           ".includes('No portfolio fits')", timeout=PAGE_TIMEOUT)
    page.select_option(".wb-horizon select", label="3 years")
    limit = float(model.resources.set_index("resource").at["cost", "limit"])  # for one year
    wait_for_text(page, ".wb-limit-label-cost", f"over 3 years: £{3 * limit:,.0f}, that is "
                  f"£{limit:,.0f} a year")
    wait_for_text(page, ".wb-limit-cost .widget-readout", f"{3 * limit:,.0f}")
    wait_for_text(page, ".wb-horizon-change", "every limit was multiplied by 3/1")
    wait_for_text(page, ".wb-headline", "Planning for 3 years instead of the model's 1")
    wait_for_text(page, ".wb-headline", f"Money £{3 * limit:,.0f} in all, £{limit:,.0f} a year")
    streams = model.funding[model.funding["year"].isna()]
    scaled = Scenario(limits={r: 3 * model.resources.set_index("resource").at[r, "limit"]
                              for r in model.resource_names},
                      stream_limits=dict(zip(streams["stream"], 3 * streams["limit"])),
                      include=("crisis_cafe_scheme",), horizon=3)
    expected = wb.optimise(*apply_scenario(model, scaled))
    page.wait_for_function("v => Math.abs(parseFloat(document.querySelector('.wb-value')"
                           ".dataset.value) - v) < 1e-6", arg=expected.objective,
                           timeout=PAGE_TIMEOUT)
    assert "over 3 years" in page.inner_text(".wb-headline")


def test_the_page_shows_its_headline_within_three_seconds(browser, app):
    """First paint: page load to the headline shown, once the app has its kernel ready (the
    first visit, made at once, also waits for the kernel to start)."""
    url, _ = app
    warm = browser.new_page()
    warm.goto(url, timeout=PAGE_TIMEOUT)
    warm.wait_for_selector(".wb-headline .wb-value", timeout=PAGE_TIMEOUT)
    warm.close()
    seconds = []
    for _ in range(2):
        time.sleep(20)  # the server starts the next visitor's kernel meanwhile
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        began = time.perf_counter()
        page.goto(url, timeout=PAGE_TIMEOUT)
        page.wait_for_selector(".wb-headline .wb-value", state="visible", timeout=PAGE_TIMEOUT)
        seconds.append(time.perf_counter() - began)
        page.close()
    assert min(seconds) < FIRST_PAINT_SECONDS, seconds


# ---------------------------------------------------------------- the launcher, without a browser


def test_the_app_listens_on_loopback_and_hides_the_code(example_folder, tmp_path):
    from workbench.app import app_notebook, voila_command, write_app_notebook

    notebook = write_app_notebook(example_folder, tmp_path, scenario="lean_year")
    command = voila_command(notebook, 8870)
    assert "--Voila.ip=127.0.0.1" in command and "--strip_sources=True" in command
    assert "--port=8870" in command and "--Voila.port_retries=0" in command
    assert "--preheat_kernel=True" in command and "--pool_size=1" in command
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
