"""Take the dashboard screenshots the README shows, from the app in a real browser.

    .venv/bin/python docs/screenshots.py

Starts `workbench app` on each shipped example, drives it with Playwright and Debian's
chromium (/usr/bin/chromium; Playwright's own browser downloads are never used) and writes:
- docs/dashboard.png: the worked example after the money available is moved to £500,000;
- docs/dashboard_no_fit.png: its headline when no portfolio fits (a limit of £1,000);
- docs/dashboard_active_lives.png: the second example with £300,000 instead of £360,000 and
  the search in the force in / out list narrowed to "walk".
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.app import free_port, stop_process, wait_until_ready  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
TIMEOUT = 240_000  # ms
VIEWPORT = {"width": 1400, "height": 2000}


def app(folder: Path):
    """`workbench app` on a model folder: (process, address)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "workbench.cli", "app", str(folder),
                                "--port", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    wait_until_ready(port, process, timeout=120)
    return process, f"http://127.0.0.1:{port}/"


def settled(page) -> None:
    """Wait until the slow views (frontier, explanation) are drawn for the settings shown."""
    page.wait_for_selector(".wb-explanation", timeout=TIMEOUT)
    page.wait_for_selector(".wb-budget-marker", timeout=TIMEOUT)
    page.wait_for_function("() => !document.body.innerText.includes('Updating the frontier')",
                           timeout=TIMEOUT)
    page.wait_for_timeout(500)


def type_limit(page, resource: str, amount: float) -> None:
    page.locator(f".wb-limit-{resource} .widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(amount))
    page.keyboard.press("Enter")


def worked_example(browser) -> None:
    process, url = app(ROOT / "data" / "mental_health_strategy")
    try:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url, timeout=TIMEOUT)
        page.wait_for_selector(".wb-headline .wb-value", timeout=TIMEOUT)
        settled(page)
        type_limit(page, "cost", 500_000)
        page.wait_for_function("() => document.querySelector('.wb-headline').innerText"
                               ".includes('of £500,000')", timeout=TIMEOUT)
        settled(page)
        page.screenshot(path=str(ROOT / "docs" / "dashboard.png"))
        type_limit(page, "cost", 1000)
        page.wait_for_function("() => document.querySelector('.wb-headline').innerText"
                               ".startsWith('No portfolio fits')", timeout=TIMEOUT)
        page.wait_for_selector(".wb-last-portfolio", timeout=TIMEOUT)
        page.locator(".wb-headline").screenshot(path=str(ROOT / "docs" / "dashboard_no_fit.png"))
    finally:
        stop_process(process, timeout=30)


def second_example(browser) -> None:
    process, url = app(ROOT / "data" / "active_lives_strategy")
    try:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url, timeout=TIMEOUT)
        page.wait_for_selector(".wb-headline .wb-value", timeout=TIMEOUT)
        settled(page)
        type_limit(page, "money", 300_000)
        page.wait_for_function("() => document.querySelector('.wb-headline').innerText"
                               ".includes('of £300,000')", timeout=TIMEOUT)
        page.fill(".wb-picker-search input", "walk")
        settled(page)
        page.screenshot(path=str(ROOT / "docs" / "dashboard_active_lives.png"))
    finally:
        stop_process(process, timeout=30)


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        worked_example(browser)
        second_example(browser)
        browser.close()


if __name__ == "__main__":
    main()
