"""The CFO report (``make report``): one self-contained HTML file that renders in a real browser.

Reads the warehouse ``make build`` produced (``DBT_DUCKDB_PATH``, default ``target/token_ledger.duckdb``),
writes the report where ``make report`` does (``target/report/token_ledger_report.html``), opens it in
Debian's headless chromium (``make chromium`` installs it; ``make test`` does that first) through
Playwright, checks that every chart in the page's manifest drew its SVG with data and that nothing
logged an error or asked the network, and saves ``target/report/screenshot.png``. Run alone:
``make build chromium && .venv/bin/pytest tests/pytest/test_report.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATABASE = Path(os.environ.get("DBT_DUCKDB_PATH", PROJECT_ROOT / "target" / "token_ledger.duckdb"))
REPORT_DIR = PROJECT_ROOT / "target" / "report"
REPORT = REPORT_DIR / "token_ledger_report.html"
SCREENSHOT = REPORT_DIR / "screenshot.png"
EXPECTED_CHARTS = {
    "chart-cost_per_outcome",
    "chart-value_vs_spend",
    "chart-spend_leaks",
    "chart-invoice_reconciliation",
    "chart-budget_burn",
    "chart-allocation_signals",
}
# Flags headless chromium needs on these machines (root, no GPU, no network but the registries): without
# the background-networking ones it keeps trying to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).exists():
        pytest.fail("Debian's chromium is missing: run `make chromium` (apt-get install -y chromium)", pytrace=False)
    return candidate


@pytest.fixture(scope="module")
def report() -> Path:
    """Write the report exactly as `make report` does."""
    assert DATABASE.exists(), f"{DATABASE} is missing: run `make build` first"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "token_ledger",
            "report",
            "--database",
            str(DATABASE),
            "--out",
            str(REPORT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return REPORT


@pytest.fixture(scope="module")
def html(report: Path) -> str:
    return report.read_text(encoding="utf-8")


def test_report_is_one_self_contained_file(html: str) -> None:
    """No script, style sheet, image or font is fetched: the page carries plotly.js and its data."""
    assert not re.search(r"""<(script|img|iframe)[^>]+src=["']?(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"""<link[^>]+href=["']?(https?:)?//""", html, re.IGNORECASE)
    assert "@import" not in html
    assert "plotly.js" in html and "Plotly.newPlot" in html
    manifest = json.loads(
        re.search(r'<script type="application/json" id="report-manifest">(.*?)</script>', html).group(1)
    )
    assert set(manifest["charts"]) == EXPECTED_CHARTS
    for chart_id in EXPECTED_CHARTS:
        assert f'id="{chart_id}"' in html


def test_report_states_the_as_of_date_of_the_marts(html: str) -> None:
    with duckdb.connect(str(DATABASE), read_only=True) as connection:
        as_of = connection.execute("select max(as_of_date) from marts.mart_budget_vs_actual").fetchone()[0]
        latest_charge = connection.execute(
            "select max(charge_date) from marts.fct_spend_ledger where category <> 'quarantined'"
        ).fetchone()[0]
    assert as_of == latest_charge
    assert f"data as of {as_of.isoformat()}" in html


def test_every_chart_renders_in_headless_chromium(report: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    console_errors: list[str] = []
    outside_requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
            page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
            page.on(
                "request",
                lambda request: (
                    None
                    if request.url.startswith(("file:", "data:", "blob:", "about:"))
                    else outside_requests.append(request.url)
                ),
            )
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_function(
                "ids => ids.every(id => { const d = document.getElementById(id); return d && d._fullLayout; })",
                arg=sorted(EXPECTED_CHARTS),
                timeout=30_000,
            )
            charts = page.evaluate(
                """() => [...document.querySelectorAll('.chart')].map(container => {
                    const plot = container.querySelector('.js-plotly-plot');
                    const box = plot ? plot.getBoundingClientRect() : {width: 0, height: 0};
                    return {
                        id: plot ? plot.id : null,
                        svgs: container.querySelectorAll('svg.main-svg').length,
                        traces: plot && plot._fullData ? plot._fullData.length : 0,
                        points: plot && plot._fullData ? plot._fullData.reduce(
                            (n, t) => n + (t.x || t.z || []).filter(v => v !== null).length, 0
                        ) : 0,
                        drawn: container.querySelectorAll(
                            'g.trace path, g.trace .point, g.hm image, g.imagelayer image, g.heatmaplayer image'
                        ).length,
                        width: box.width,
                        height: box.height,
                    };
                })"""
            )
            REPORT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()

    assert {chart["id"] for chart in charts} == EXPECTED_CHARTS, charts
    for chart in charts:
        assert chart["svgs"] >= 1, f"{chart['id']} drew no SVG: {chart}"
        assert chart["traces"] >= 1 and chart["points"] >= 1, f"{chart['id']} has no data: {chart}"
        assert chart["drawn"] >= 1, f"{chart['id']} drew no marks: {chart}"
        assert chart["width"] > 600 and chart["height"] > 200, f"{chart['id']} is too small: {chart}"
    assert console_errors == [], console_errors
    assert outside_requests == [], outside_requests
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 50_000


def test_report_script_says_what_to_do_without_a_warehouse(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "token_ledger",
            "report",
            "--database",
            str(tmp_path / "missing.duckdb"),
            "--out",
            str(tmp_path / "report.html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2
    assert "make build" in completed.stderr
    assert not (tmp_path / "report.html").exists()


HOSTILE_FIELDS = ("workflow_name", "team_id", "team_name", "invoice_id", "decision_rule", "signals_triggered")


def _hostile(field: str, value: object) -> object:
    if not isinstance(value, str):
        return value
    return (
        f'{value}<a href="https://evil.example/{field}">click</a><b>bold</b>'
        f'<img src="x" onerror="window.__pwned = 1"><br><script>window.__pwned = 2</script>\x00\x07'
    )


def test_hostile_names_reach_the_page_as_text(tmp_path: Path) -> None:
    """Every data value that reaches the report (labels, legends, hover text, tables, titles) is text: a
    workflow or team named with links, markup, a script and control characters makes no element, link or
    script in the page (Plotly renders <a>, <b> and <br> in labels: they must arrive escaped)."""
    from playwright.sync_api import sync_playwright

    from token_ledger.report.data import load
    from token_ledger.report.page import render

    assert DATABASE.exists(), f"{DATABASE} is missing: run `make build` first"
    data = load(DATABASE)
    for rows in data.values():
        for row in rows if isinstance(rows, list) else []:
            for field in HOSTILE_FIELDS:
                if field in row:
                    row[field] = _hostile(field, row[field])
    html = render(data)
    assert "\x00" not in html and "\x07" not in html
    page_file = tmp_path / "hostile.html"
    page_file.write_text(html, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_function(
                "ids => ids.every(id => { const d = document.getElementById(id); return d && d._fullLayout; })",
                arg=sorted(EXPECTED_CHARTS),
                timeout=30_000,
            )
            found = page.evaluate(
                """() => ({
                    links: [...document.querySelectorAll('a')].filter(a => [
                        a.getAttribute('href'), a.getAttributeNS('http://www.w3.org/1999/xlink', 'href'),
                    ].join(' ').includes('evil.example')).length,
                    images: document.querySelectorAll('img[src="x"]').length,
                    bold: [...document.querySelectorAll('svg b, svg tspan[style*="bold"]')]
                        .filter(e => e.textContent.includes('bold')).length,
                    pwned: window.__pwned === undefined ? null : window.__pwned,
                    asText: [...document.querySelectorAll('svg text, td, th, h2, h3, li')]
                        .filter(e => e.textContent.includes('<a href="https://evil.example')).length,
                })"""
            )
        finally:
            browser.close()
    assert (found["links"], found["images"], found["bold"], found["pwned"]) == (0, 0, 0, None), found
    assert found["asText"] > 0, "the hostile names should be shown, as text"


def test_report_during_a_build_says_so_in_one_line(tmp_path: Path) -> None:
    """`make report` while dbt holds the warehouse (issue 16): one line saying so, not a traceback."""
    database = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(database)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "token_ledger",
                "report",
                "--database",
                str(database),
                "--out",
                str(tmp_path / "r.html"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        holder.kill()
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "in use by another process" in completed.stderr, completed.stderr
