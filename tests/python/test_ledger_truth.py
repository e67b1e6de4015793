"""End-to-end truth tests (issue 3): generated faulty traces -> dbt build -> compare with the ledger.

The ledger is computed by scripts/attribution_oracle.py (identity along the
trace in plain Python, costs from genai-prices plus the hand-kept seeds); the
marts by the dbt models. Every call must appear once, with the ledger's cost
(to 1e-9 USD), reasons, status and cost center; chargeback totals per period
and cost center and overall conservation must match. Two seeds with different
fault mixes run; a third build with one alias and one price row broken must
be caught.
"""

from __future__ import annotations

import csv
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from dbt_runner import PROJECT_DIR, DbtRun, run_dbt
from focus_helpers import edit_attribute_aliases
from ledger_truth import Report, compare, read_ledger

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
import generate_traces as gen  # noqa: E402

SCENARIOS = {
    # every fault at its --all-faults rate
    "all_faults_seed11": ["--calls", "3000", "--days", "61", "--start", "2026-05-01", "--seed", "11", "--all-faults"],
    # heavy identity damage, claims, delivery faults and snapshots
    "heavy_drift_seed23": [
        "--calls", "2500", "--days", "45", "--start", "2026-05-10", "--seed", "23",
        "--schema-drift-rate", "0.35", "--identity-loss-rate", "0.25", "--anonymous-rate", "0.05",
        "--drift-keep-share", "0.2", "--tenant-claim-conflict-rate", "0.2", "--agent-actor-missing-rate", "0.6",
        "--unknown-tenant-rate", "0.1", "--unregistered-workflow-rate", "0.1", "--unknown-cost-center-rate", "0.05",
        "--cost-center-conflict-rate", "0.05", "--snapshot-model-rate", "0.3", "--unpriced-model-rate", "0.05",
        "--long-context-rate", "0.1", "--boundary-rate", "0.1", "--duplicate-rate", "0.1", "--late-rate", "0.1",
        "--agent-share", "0.5", "--cost-center-share", "0.5",
    ],
}  # fmt: skip
# Heavily faulted data trips the error-severity alerts by design; raise their
# thresholds so every mart builds (an error test would skip its children).
BUILD_VARS = {
    "unattributed_share_error": 1.01,
    "identity_conflict_severity": "warn",
    "quarantine_share_error": 1.0,
}
# Unit tests run in `make test` already; here only models and data tests.
BUILD_ARGS = ["--exclude-resource-type", "unit_test"]
SELECT = None  # the whole project: a partial selection leaves cross-model tests without their tables
BROKEN_ALIAS = "http.request.header.x-tenant"


def _generate(out: Path, args: list[str], *extra: str) -> list[dict[str, str]]:
    assert gen.main([*args, "--layout", "flat", "--out", str(out), *extra]) == 0
    return read_ledger(out / "ledger.csv")


def _build(work: Path, traces: Path, extra_vars: dict | None = None, project_dir: Path = PROJECT_DIR) -> DbtRun:
    run = run_dbt(
        work, traces_glob=str(traces / "*.jsonl"), extra_vars={**BUILD_VARS, **(extra_vars or {})},
        select=SELECT, extra_args=BUILD_ARGS, project_dir=project_dir,
    )  # fmt: skip
    assert run.returncode == 0, run.output[-4000:]
    return run


_BUILT: dict[str, tuple] = {}


def _scenario(name: str, factory: pytest.TempPathFactory) -> tuple:
    """(name, root, ledger, build) of one scenario, generated and built once per session."""
    if name not in _BUILT:
        root = factory.mktemp(name)
        ledger = _generate(root / "traces", SCENARIOS[name])
        _BUILT[name] = (name, root, ledger, _build(root / "dbt", root / "traces"))
    return _BUILT[name]


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return _scenario(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def seed11(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return _scenario("all_faults_seed11", tmp_path_factory)[1:]


def _print(name: str, ledger: list[dict[str, str]], report: Report) -> None:
    # Shown with `pytest -s`: the numbers the note reports.
    faults = {f for row in ledger for f in row["injected_faults"].split(";") if f}
    print(f"\n[{name}] ledger calls {len(ledger)}, billed {sum(r['expected_billed'] == 'true' for r in ledger)}, "
          f"faults {sorted(faults)}\n  agreement {dict(report.counts)}\n  max |cost diff| {report.max_cost_diff}")  # fmt: skip


def test_pipeline_agrees_with_ledger(scenario) -> None:
    name, _, ledger, run = scenario
    report = compare(ledger, run.database)
    _print(name, ledger, report)
    assert not report.failed, report.summary()
    billed = [row for row in ledger if row["expected_billed"] == "true"]
    assert report.counts["calls"] == len(billed) and report.counts["reasons_agree"] == len(billed)
    assert report.counts["cost_agree"] == sum(bool(row["expected_cost_usd"]) for row in billed)
    assert report.max_cost_diff <= Decimal("1e-9")


def test_scenario_exercises_every_fault_and_reason(scenario) -> None:
    """The comparison is only as strong as the data: each run must carry every fault and outcome."""
    name, root, ledger, _ = scenario
    faults = {f for row in ledger for f in row["injected_faults"].split(";") if f}
    assert {"identity_lost", "anonymous", "schema_drift_kept_alias", "schema_drift_dropped", "tenant_claim_conflict",
            "agent_actor_missing", "snapshot_model", "unpriced_model", "long_context", "duplicate_call_span",
            "late_call_span", "price_change_boundary", "cost_center_move_boundary"} <= faults  # fmt: skip
    reasons = {r for row in ledger for r in row["expected_reasons"].split(";") if r}
    assert reasons == {"missing_tenant", "unmapped_tenant", "unknown_cost_center", "missing_workflow",
                       "unregistered_workflow", "missing_actor", "unpriced_model"}  # fmt: skip
    assert {row["expected_attribution_status"] for row in ledger} == {"attributed", "partially_attributed",
                                                                      "unattributed"}  # fmt: skip
    assert any(row["expected_identity_conflict"] == "true" for row in ledger)
    assert any(row["expected_contract_id"] for row in ledger)
    assert any(int(row["expected_tenant_source_depth"] or 0) >= 3 for row in ledger)  # recovered from the edge
    lines = [line for path in sorted(root.glob("traces/*.jsonl")) for line in path.read_text().splitlines()]
    assert len(lines) > len(set(lines)), "no duplicate span delivered"


def _break_price(project: Path, ledger: list[dict[str, str]]) -> tuple[str, str]:
    """Double the open base input price of the ledger's most used non-contract model in a project copy."""
    counts: dict[tuple[str, str], int] = {}
    for row in ledger:
        if row["expected_pricing_status"] == "priced" and not row["expected_contract_id"]:
            key = (row["expected_pricing_provider"], row["expected_priced_model"])
            counts[key] = counts.get(key, 0) + 1
    provider, model = max(counts, key=lambda k: (counts[k], k))
    path = project / "seeds" / "pricing" / "llm_prices.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    hits = [r for r in rows if (r["provider"], r["model"], r["token_type"], r["tier_min_input_tokens"],
                                r["effective_to"]) == (provider, model, "input", "0", "")]  # fmt: skip
    assert len(hits) == 1
    hits[0]["usd_per_mtok"] = str(Decimal(hits[0]["usd_per_mtok"]) * 2 + 1)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return provider, model


def test_broken_alias_and_price_row_are_caught(seed11, tmp_path: Path) -> None:
    """One alias removed and one price row changed (seed copies): the comparison must flag exactly those calls."""
    root, ledger, _ = seed11
    project = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "target", "logs", "warehouse", "data", "exports", "reports", "*.duckdb", "__pycache__"))
    provider, model = _break_price(project, ledger)
    edit_attribute_aliases(project, remove={"tenant_id": [BROKEN_ALIAS]})
    run = _build(tmp_path / "dbt", root / "traces", project_dir=project)
    report = compare(ledger, run.database)
    failed = report.failed
    of_model = {r["call_id"] for r in ledger if (r["expected_pricing_provider"], r["expected_priced_model"]) == (
        provider, model)}
    flagged = {detail.split(": ")[0] for detail in failed.get("cost_usd", [])}
    # Every flagged call is one of that model (calls before the row's effective_from keep their price).
    assert flagged and flagged <= of_model
    assert "chargeback_totals" in failed and "conservation" in failed
    # Calls whose tenant only the edge header carried lose it: wrong tenant, reasons and status.
    header_only = {r["call_id"] for r in ledger if r["expected_tenant_source_key"] == BROKEN_ALIAS}
    assert header_only and {detail.split(": ")[0] for detail in failed.get("tenant_id", [])} == header_only
    assert failed["reasons"] and failed["attribution_status"]
    print(f"\n[broken] price of {provider}/{model} doubled+1: {len(flagged)} of {len(of_model)} calls flagged; "
          f"alias {BROKEN_ALIAS} removed: {len(header_only)} tenants flagged; checks failing: {sorted(failed)}")


def test_ledger_without_lineage_recovery_disagrees(seed11, tmp_path: Path) -> None:
    """The off mode of the oracle is a different truth: against the default build it must disagree."""
    _, _, run = seed11
    off = _generate(tmp_path, SCENARIOS["all_faults_seed11"], "--no-expect-lineage-recovery")
    report = compare(off, run.database)
    assert report.failed.get("reasons") and report.failed.get("tenant_id")
