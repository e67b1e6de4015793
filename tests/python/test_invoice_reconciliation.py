"""Invoice reconciliation on a generated month with a known invoice: the
residual is invoiced minus traced cost, the allocated totals sum exactly to
the invoice (largest remainder to the cent), the unallocated mode keeps the
residual in one UNALLOCATED row, and the tolerance alert fires."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from focus_helpers import copy_project, dbt, run_results

MONTH = "2026-07"
INVOICE_ID = "INV-TEST-2026-07"
INVOICED = Decimal("4.00")
# USD per million tokens of gpt-4o-mini in seeds/pricing/llm_prices.csv
INPUT_PRICE = Decimal("0.15")
OUTPUT_PRICE = Decimal("0.6")
# (tenant or None, cost center it maps to, calls, input tokens, output tokens)
CALLS = [
    ("t_acme", "cc_acme_invoice_ops", 10, 1_000_000, 200_000),
    ("t_initech", "cc_research", 7, 500_000, 100_000),
    ("t_umbrella", "cc_support", 3, 333_333, 1),
    (None, "UNATTRIBUTED", 1, 123_457, 9_876),
]


def call_cost(input_tokens: int, output_tokens: int) -> Decimal:
    return (input_tokens * INPUT_PRICE + output_tokens * OUTPUT_PRICE) / Decimal(1_000_000)


def traced_by_cost_center() -> dict[str, Decimal]:
    return {cc: calls * call_cost(i, o) for _, cc, calls, i, o in CALLS}


def write_spans(path: Path) -> None:
    """Minimal flat JSONL model-call spans, one trace per call."""
    lines = []
    number = 0
    for tenant, _, calls, input_tokens, output_tokens in CALLS:
        for _ in range(calls):
            number += 1
            span = {
                "trace_id": f"{number:032x}",
                "span_id": f"{number:016x}",
                "parent_span_id": None,
                "name": "chat gpt-4o-mini",
                "timestamp": f"{MONTH}-{(number % 28) + 1:02d}T12:00:00Z",
                "service.name": "model-client",
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.response.model": "gpt-4o-mini",
                "gen_ai.usage.input_tokens": input_tokens,
                "gen_ai.usage.output_tokens": output_tokens,
                "workflow_id": "wf_invoice_extract",
                "actor_id": "svc_test",
            }
            if tenant is not None:
                span["tenant_id"] = tenant
            lines.append(json.dumps(span))
    path.write_text("\n".join(lines) + "\n")


def largest_remainder_cents(invoice: Decimal, traced: dict[str, Decimal]) -> dict[str, Decimal]:
    """Reference allocation, independent of the SQL: exact fractions."""
    cents = int(invoice * 100)
    total = sum(traced.values())
    quotas = {cc: Fraction(cents) * Fraction(v) / Fraction(total) for cc, v in traced.items()}
    floors = {cc: int(q) for cc, q in quotas.items()}
    leftover = cents - sum(floors.values())
    order = sorted(quotas, key=lambda cc: (-(quotas[cc] - floors[cc]), cc))
    for cc in order[:leftover]:
        floors[cc] += 1
    return {cc: Decimal(c) / 100 for cc, c in floors.items()}


@pytest.fixture(scope="module")
def month_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    tmp = tmp_path_factory.mktemp("invoice_month")
    project = copy_project(tmp / "project")
    (project / "seeds" / "reconciliation" / "provider_invoices.csv").write_text(
        "provider,billing_account_id,invoice_id,billing_period_start,invoiced_amount,currency\n"
        f"openai,openai,{INVOICE_ID},{MONTH}-01 00:00:00,{INVOICED},USD\n"
    )
    spans = tmp / "spans"
    spans.mkdir()
    write_spans(spans / f"spans-{MONTH}.jsonl")
    vars_: dict[str, object] = {"traces_path": str(spans / "*.jsonl"), "invoice_residual_handling": "allocate"}
    # focus_charges too: later builds of invoice_reconciliation+ rebuild it from every FOCUS row model;
    # chargeback_published: their test of focus_published reads it.
    dbt(tmp, project, "build", "--select", "+focus_invoice_adjustments +focus_charges +chargeback_published",
        "--resource-type", "seed",
        "--resource-type", "model", vars_=vars_)
    return tmp, project, vars_


def query(tmp: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(tmp / "build.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_residual_is_invoice_minus_traced(month_build: tuple[Path, Path, dict[str, object]]) -> None:
    tmp, _, _ = month_build
    expected_traced = sum(traced_by_cost_center().values())
    rows = query(tmp, "select traced_cost, invoiced_amount, residual_amount, reconciliation_status"
                      " from marts.invoice_reconciliation where invoice_id = 'INV-TEST-2026-07'")
    assert len(rows) == 1
    traced, invoiced, residual, status = rows[0]
    print(f"traced={traced} invoiced={invoiced} residual={residual} status={status}")
    assert traced == expected_traced
    assert invoiced == INVOICED
    assert residual == INVOICED - expected_traced
    # 4.5% of the invoice but 0.18 USD: under the 1.00 USD absolute tolerance
    assert status == "within_tolerance"


def test_allocated_totals_sum_exactly_to_invoice(month_build: tuple[Path, Path, dict[str, object]]) -> None:
    tmp, _, _ = month_build
    rows = dict(query(tmp, "select cost_center, reconciled_cost from marts.invoice_reconciliation_by_cost_center"))
    print(rows)
    assert rows == largest_remainder_cents(INVOICED, traced_by_cost_center())
    assert sum(rows.values()) == INVOICED
    # FOCUS: usage plus adjustment rows sum to the invoice per InvoiceId
    focus_total = query(tmp, "select sum(BilledCost) from (select InvoiceId, BilledCost from marts.focus_cost_and_usage"
                             " union all select InvoiceId, BilledCost from marts.focus_invoice_adjustments)"
                             f" where InvoiceId = '{INVOICE_ID}'")[0][0]
    assert focus_total == INVOICED


def test_unallocated_mode_keeps_one_residual_row(month_build: tuple[Path, Path, dict[str, object]]) -> None:
    tmp, project, vars_ = month_build
    unallocated = {**vars_, "invoice_residual_handling": "unallocated"}
    # build: the reconciliation tests and the alert run too, and must pass
    # Without the publish: this warehouse holds only the invoice marts' lineage.
    dbt(tmp, project, "build", "--select", "invoice_reconciliation+", "--exclude", "publish_bi_release", vars_=unallocated)
    alert = [r for r in run_results(tmp) if "alert_invoice_residual_over_tolerance" in str(r["unique_id"])]
    assert len(alert) == 1 and alert[0]["status"] == "pass"
    traced = traced_by_cost_center()
    rows = dict(query(tmp, "select cost_center, reconciled_cost from marts.invoice_reconciliation_by_cost_center"))
    assert rows == {**traced, "UNALLOCATED": INVOICED - sum(traced.values())}
    assert sum(rows.values()) == INVOICED
    adjustments = query(tmp, "select x_CostCenter, BilledCost, ChargeCategory from marts.focus_invoice_adjustments")
    assert adjustments == [("UNALLOCATED", INVOICED - sum(traced.values()), "Adjustment")]


def test_alert_fires_over_tolerance(month_build: tuple[Path, Path, dict[str, object]]) -> None:
    tmp, project, vars_ = month_build
    strict = {**vars_, "invoice_tolerance_abs": 0.10, "invoice_tolerance_pct": 0.02}
    dbt(tmp, project, "build", "--select", "invoice_reconciliation", "alert_invoice_residual_over_tolerance",
        vars_=strict)
    alert = [r for r in run_results(tmp) if "alert_invoice_residual_over_tolerance" in str(r["unique_id"])]
    assert len(alert) == 1
    assert alert[0]["status"] == "warn" and alert[0]["failures"] == 1
