"""The HTML report in a real browser (headless Chromium through Playwright): it loads with no console error
and no request beyond its own file, every chart draws visible marks, the transcript viewer answers clicks
and shows model text as text, and a screenshot of the whole page is taken.

Needs the ``chromium`` system package (``/usr/bin/chromium``) and the ``playwright`` Python package; no
browser is downloaded. Skipped, saying which is missing, when either is absent.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from medchat.evaluation.report import write_comparison, write_report
from tests.unit.evaluation.report.demo_run import MODELS, demo_run

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install Chromium (Debian/Ubuntu: apt-get install -y chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Python Playwright not installed: pip install playwright (no browser download)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(params=["run", "comparison"])
def report(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    run, results = demo_run()
    if request.param == "run":
        return write_report(run, results, tmp_path / "report.html")
    run_b, results_b = demo_run(run_id="run-after", models=(MODELS[0],), boost=0.12, seed=8)
    return write_comparison(run, results, run_b, results_b, tmp_path / "comparison.html")


def open_page(browser: Any, path: Path) -> tuple[Any, dict[str, list[str]]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(10_000)
    seen: dict[str, list[str]] = {"console": [], "failed": [], "requests": []}
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda error: seen["console"].append(f"page error: {error}"))
    page.on("requestfailed", lambda r: seen["failed"].append(f"{r.url}: {r.failure}"))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def test_report_renders_in_chromium(browser: Any, report: Path, tmp_path: Path) -> None:
    page, seen = open_page(browser, report)
    try:
        assert seen["console"] == []  # the viewer's script ran cleanly on load
        # every chart drew something of real size
        charts = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(svg => {
            const box = svg.getBoundingClientRect();
            const marks = [...svg.querySelectorAll('.mark')].map(m => m.getBoundingClientRect())
                .filter(r => r.width > 0 && r.height > 0);
            return {kind: svg.getAttribute('class'), width: box.width, height: box.height, marks: marks.length,
                    title: svg.querySelector('.chart-title')?.textContent || ''};
        })""")
        kinds = {c["kind"].split()[-1] for c in charts}
        assert {"chart-bar", "chart-scatter", "chart-heatmap", "chart-forest", "chart-box"} <= kinds
        for chart in charts:
            assert chart["width"] > 200 and chart["height"] > 60, chart
            assert chart["marks"] > 0, chart
            assert chart["title"], chart
        first_mark = page.locator("svg.chart .mark").first.bounding_box()
        assert first_mark is not None and first_mark["width"] > 0 and first_mark["height"] > 0

        # the viewer: pick a sample, read it, filter the list, narrow to one model
        detail = page.locator("#sample-detail")
        assert detail.locator("h3").inner_text() == "mcq-scurvy"  # the first sample is open on load
        page.locator("button.sample-item", has_text="hb-sleep").click()
        assert detail.locator("h3").inner_text() == "hb-sleep"
        assert "How much sleep does an adult need?" in detail.inner_text()
        assert 'alert("pwned")' in detail.inner_text()  # the answer's markup is shown as text...
        assert detail.locator("script, img").count() == 0  # ...and nothing of it became an element
        results_shown = detail.locator(".result").count()
        assert results_shown >= 3
        detail.locator(".tabs button", has_text=MODELS[2]).click()
        assert detail.locator(".result").count() == 1
        assert MODELS[2] in detail.locator(".result header").inner_text()
        detail.locator(".result details summary").first.click()  # judge details open
        assert "rubric-v1" in detail.inner_text()
        page.fill("#sample-filter", "dengue")
        assert page.locator("button.sample-item").count() == 1
        assert "1 of 20 samples" in page.locator("#sample-count").inner_text()
        page.fill("#sample-filter", "")
        page.select_option("#task-filter", "patient_qa")
        assert page.locator("button.sample-item").count() == 6

        shot = tmp_path / f"{report.stem}.png"
        page.screenshot(path=str(shot), full_page=True)
        data = shot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 1400 and height > 3000
        assert len(data) > 100_000  # a blank page this size compresses to a few kilobytes
    finally:
        page.close()
    assert seen["console"] == []
    assert seen["failed"] == []
    assert seen["requests"] == [report.as_uri()]  # the page itself, nothing else
