"""The alert digest on a build with injected faults and on a clean build."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from _dbt_builds import (
    FAULT_UNATTRIBUTED_CALLS,
    FAULT_UNMAPPED_TENANT_KEY,
    FAULT_UNMAPPED_TOKEN_KEY,
    PROJECT_ROOT,
    dbt_build,
)
from attribution_alerts import is_alert_test
from dbt_runner import DbtRun

SCRIPT = PROJECT_ROOT / "scripts" / "attribution_alerts.py"


def run_digest(build: DbtRun, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--target", str(build.target_dir), "--duckdb", str(build.database), *extra],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def faults() -> DbtRun:
    build = dbt_build("faults")
    # dbt build exits 1 because an error-severity alert failed: expected.
    assert build.returncode == 1, build.output[-3000:]
    return build


@pytest.fixture(scope="module")
def clean() -> DbtRun:
    build = dbt_build("clean")
    assert build.returncode == 0, build.output[-3000:]
    return build


def unattributed_cost(build: DbtRun) -> Decimal:
    with duckdb.connect(str(build.database), read_only=True) as con:
        rows = con.sql(
            "select sum(cost_usd) from marts.fct_llm_calls where chargeback_cost_center = 'UNATTRIBUTED'"
        ).fetchall()
    return Decimal(rows[0][0])


def test_faults_digest_names_each_alert_with_dollars_and_exits_non_zero(faults: DbtRun) -> None:
    proc = run_digest(faults, "--format", "json")
    assert proc.returncode == 2, proc.stderr
    digest = json.loads(proc.stdout)
    fired = {alert["name"]: alert for alert in digest["alerts"]}
    # The faults fire at least these; alerts added later (e.g. field survival
    # at the model call, which the tenant-less calls also trip) may join them.
    assert {
        "alert_unattributed_share_error",
        "alert_unattributed_share_warn",
        "alert_cost_center_conflicts",
    } <= set(fired)
    assert all(alert["severity"] in ("error", "warn") and alert["description"] for alert in fired.values())
    assert digest["status"] == "error"

    error = fired["alert_unattributed_share_error"]
    assert error["severity"] == "error"
    assert error["failing_rows"] == 1
    # Six gpt-4o calls of 20,000 input / 2,000 output tokens with no tenant.
    assert Decimal(error["cost_usd"]) == unattributed_cost(faults) > 0
    assert error["calls"] == FAULT_UNATTRIBUTED_CALLS
    assert error["top"]["hops"][0]["value"] == "legacy-proxy"
    assert error["top"]["tenants"][0]["value"] == "(missing)"
    assert error["top"]["workflows"][0]["value"] == "wf_support_chat"
    assert error["top"]["models"][0]["value"] == "gpt-4o"
    assert error["query"] == "select * from dbt_test__audit.alert_unattributed_share_error"

    conflict = fired["alert_cost_center_conflicts"]
    assert conflict["severity"] == "warn"
    assert conflict["calls"] == 1
    assert conflict["top"]["tenants"][0]["value"] == "t_acme"


def test_unmapped_attribute_keys_are_listed_with_their_spans_and_services(faults: DbtRun) -> None:
    """The drift alert names each key that looks like identity or a token count and that no alias maps,
    with the spans carrying it, over every day: the tenant-less traces spell their tenant under a key of
    their own on both spans (edge and legacy-proxy hops), and one span of another day reports a total
    under an unmapped key beside an ignored one (seed drift_ignored_keys). Mapped keys (tenant_id,
    gen_ai.usage.input_tokens, ...) and unrelated ones (gen_ai.request.model) are not listed."""
    with duckdb.connect(str(faults.database), read_only=True) as con:
        rows = con.sql(
            "select attribute_key, spans_carrying_key, services, example_service"
            " from dbt_test__audit.alert_unmapped_attribute_keys order by attribute_key"
        ).fetchall()
    assert rows == [
        (FAULT_UNMAPPED_TOKEN_KEY, 1, 1, "batch-runner"),
        (FAULT_UNMAPPED_TENANT_KEY, 2 * FAULT_UNATTRIBUTED_CALLS, 2, "edge"),
    ]


def test_faults_markdown_shows_dollar_impact_and_query(faults: DbtRun) -> None:
    proc = run_digest(faults)
    assert proc.returncode == 2
    text = proc.stdout
    assert "[ERROR] alert_unattributed_share_error" in text
    assert "[WARN] alert_cost_center_conflicts" in text
    dollars = f"${unattributed_cost(faults):,.2f}"
    assert f"At stake: {dollars} over {FAULT_UNATTRIBUTED_CALLS} call(s)" in text
    assert "select * from dbt_test__audit.alert_unattributed_share_error" in text
    # The query printed must work on the warehouse.
    with duckdb.connect(str(faults.database), read_only=True) as con:
        assert con.sql("select * from dbt_test__audit.alert_unattributed_share_error").fetchall()


def test_warnings_exit_zero_unless_fail_on_warn(sample_build: DbtRun, tmp_path: Path) -> None:
    sample = sample_build  # the bundled sample has one cost-center conflict (warn)
    out = tmp_path / "digest.md"
    assert run_digest(sample, "--output", str(out)).returncode == 0
    assert "[WARN] alert_cost_center_conflicts" in out.read_text()
    assert run_digest(sample, "--fail-on", "warn").returncode == 2


def test_clean_build_says_so_and_exits_zero(clean: DbtRun) -> None:
    proc = run_digest(clean)
    assert proc.returncode == 0, proc.stderr
    assert "none fired" in proc.stdout and "No alerts" in proc.stdout
    digest = json.loads(run_digest(clean, "--format", "json").stdout)
    assert digest["status"] == "clean" and digest["alerts"] == []
    assert digest["alert_tests_run"] >= 7


def test_missing_run_results_is_an_input_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--target", str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "run dbt build first" in proc.stderr


def test_every_alert_stores_its_failing_rows_and_no_other_test_does(sample_build: DbtRun) -> None:
    """The digest reads an alert's dollars and calls from its stored rows: every test it treats as an
    alert stores them (dbt_project.yml sets it for tests/alerts and tests/reconciliation; a generic test
    marked `meta: {alert: true}` must set it too). The other tests store nothing (one table written per
    test was about a third of the data tests' time)."""
    manifest = json.loads((sample_build.target_dir / "manifest.json").read_text())
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    alerts = [node for node in tests if is_alert_test(node)]
    assert len(alerts) >= 20, [node["name"] for node in alerts]
    assert [node["name"] for node in alerts if not node["config"].get("store_failures")] == []
    assert [node["name"] for node in tests if node["config"].get("store_failures") and not is_alert_test(node)] == []
