"""The report in a real browser: headless Chromium opens the file from disk with the network off.

Chromium is Debian's package (installed by .ci/run); without it these tests skip, except under CI.
"""

import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser_page(built_archive: Path):
    if not Path(CHROMIUM).exists():
        message = "headless Chromium (Debian package chromium) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    report = built_archive / "report" / "index.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 1800})
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_selector("#growth-chart svg, #growth-chart canvas", timeout=30_000)
        yield page, errors, requests
        context.close()
        browser.close()


def number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def test_the_page_loads_offline_without_errors(browser_page) -> None:
    page, errors, requests = browser_page
    assert errors == []
    assert [url for url in requests if not url.startswith(("file:", "data:", "blob:"))] == []
    # The map is drawn when it nears the screen (it costs Vega seconds), so the reader scrolls to it first.
    page.locator("#county-map").scroll_into_view_if_needed()
    page.wait_for_selector("#county-map svg, #county-map canvas", timeout=30_000)
    assert page.locator("#county-map svg, #county-map canvas").count() == 1
    assert errors == []


def test_overview_figures_equal_the_database(browser_page, built_archive: Path) -> None:
    page, _, _ = browser_page
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        agreements, agencies = con.execute(
            "SELECT count(*), count(DISTINCT (state_code, agency_key)) FROM marts.current_agreements"
        ).fetchone()
        canceled = con.execute("SELECT count(*) FROM history.cancellations_since_tracking_start").fetchone()[
            0
        ]
    assert number(page.inner_text("#figure-agreements")) == agreements == 1843
    assert number(page.inner_text("#figure-agencies")) == agencies
    assert number(page.inner_text("#figure-canceled")) == canceled


def test_a_state_filter_gives_the_database_count(browser_page, built_archive: Path, tmp_path: Path) -> None:
    page, _, _ = browser_page
    with duckdb.connect(str(built_archive / "g287.duckdb"), read_only=True) as con:
        texas = con.execute(
            "SELECT count(*) FROM marts.current_agreements WHERE state_code = 'TX'"
        ).fetchone()[0]
    page.select_option("#agreement-state", "TX")
    page.wait_for_function(
        "expected => document.querySelector('#agreement-count').textContent.replace(/[^0-9 ]/g, '')"
        ".trim().startsWith(String(expected))",
        arg=texas,
    )
    assert number(page.inner_text("#agreement-count").split("agreements")[0]) == texas
    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("anchor", ["canceled", "scenarios", "corrections"])
def test_a_place_reached_from_a_link_starts_below_the_sticky_header(browser_page, anchor: str) -> None:
    page, _, _ = browser_page
    page.set_viewport_size({"width": 1300, "height": 900})
    page.evaluate(f"window.location.hash = '{anchor}'")
    page.wait_for_function(f"Math.abs(document.getElementById('{anchor}').getBoundingClientRect().top) < 400")
    header_bottom = page.evaluate("document.querySelector('header.site').getBoundingClientRect().bottom")
    target_top = page.evaluate(f"document.getElementById('{anchor}').getBoundingClientRect().top")
    assert header_bottom > 60  # the header is sticky and tall
    assert header_bottom <= target_top <= header_bottom + 40
    page.evaluate("window.location.hash = ''")
