"""The chargeback report renders from the sample build in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_runner import PROJECT_DIR as PROJECT_ROOT
from dbt_runner import DbtRun

SCRIPT = PROJECT_ROOT / "scripts" / "render_report.py"
CHARTS = [
    "chart-cost-by-cost-center", "chart-budget-vs-actual", "chart-shared-costs", "chart-unattributed-share",
    "chart-field-survival", "chart-top-models",
]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=15000", "--window-size=1400,3600",
]


@pytest.fixture(scope="module")
def report(sample_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    sample = sample_build
    out = tmp_path_factory.mktemp("report") / "chargeback.html"
    proc = subprocess.run([sys.executable, str(SCRIPT), "--duckdb", str(sample.database), "--output", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def chromium(report: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium missing: `make test` installs it (apt-get install chromium)")
    profile = tmp_path / "chrome-profile"
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, report.as_uri()],
        capture_output=True, text=True, timeout=180,
    )


def test_report_is_self_contained(report: Path) -> None:
    text = report.read_text()
    # No external scripts, styles or fonts: it must open offline.
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    for chart in CHARTS:
        assert f'id="{chart}"' in text
    assert "UNATTRIBUTED" in text
    assert "<table id='expensive-calls'>" in text
    assert "<table id='unattributed-reallocation'>" in text


def test_reallocation_section_lists_each_part() -> None:
    """With var reallocate_unattributed on, the report lists each cost center's part of the bucket."""
    import duckdb

    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    import render_report

    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.unattributed_reallocation as select * from (values"
            " (date '2026-05-01', 'cc_a', 'usage', 3.00::decimal(38, 9), 2.00::decimal(38, 9), 12.00::decimal(38, 9)),"
            " (date '2026-05-01', 'cc_b', 'usage', 3.00::decimal(38, 9), 1.00::decimal(38, 9), 6.00::decimal(38, 9)))"
            " as t(billing_period_start, cost_center, reallocation_method, unattributed_bucket_usd,"
            " reallocated_unattributed_usd, cost_with_reallocation_usd)"
        )
        section = render_report.unattributed_reallocation(con)
    assert "2 row(s)" in section.lead
    assert section.body.count("<tr><td>2026-05") == 2
    assert "cc_a" in section.body and "$2.0000" in section.body and "$1.0000" in section.body


def test_charts_render_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    proc = chromium(report, tmp_path, "--dump-dom")
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    # Plotly draws into <svg class="main-svg"> once plotly.js has run.
    chunks = dom.split('id="chart-')[1:]
    rendered = {"chart-" + chunk.split('"', 1)[0]: 'class="main-svg"' in chunk for chunk in chunks}
    assert rendered == {chart: True for chart in CHARTS}
    assert dom.count('class="main-svg"') >= 2 * len(CHARTS)
    # Bars, heatmap and the call table made it into the page.
    assert "UNATTRIBUTED" in dom and 'class="legend"' in dom
    assert re.search(r"<tbody>(<tr>.*?</tr>){5,}</tbody>", dom, re.S)


def test_no_console_errors(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = chromium(report, tmp_path, "--enable-logging=stderr", "--v=0", f"--screenshot={shot}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    assert shot.exists() and shot.stat().st_size > 50_000
