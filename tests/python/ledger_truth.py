"""Compare a dbt build with the generator's ground-truth ledger (tests/python/test_ledger_truth.py).

`compare()` returns every disagreement by check name, so a test can assert
that a healthy build has none and that a broken one has the expected kind.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

TOLERANCE = Decimal("1e-9")
UNATTRIBUTED = "UNATTRIBUTED"
# fct_llm_calls column -> ledger column, compared as text ('' = null).
IDENTITY_COLUMNS = {
    "tenant_id": "expected_tenant_id",
    "tenant_id_source_key": "expected_tenant_source_key",
    "workflow_id": "expected_workflow_id",
    "workflow_id_source_key": "expected_workflow_source_key",
    "actor_id": "expected_actor_id",
    "actor_id_source_key": "expected_actor_source_key",
    "trace_cost_center": "expected_trace_cost_center",
    "trace_cost_center_source_key": "expected_cost_center_source_key",
    "claimed_tenant_id": "expected_claimed_tenant_id",
    "pricing_provider": "expected_pricing_provider",
    "priced_model": "expected_priced_model",
    "pricing_status": "expected_pricing_status",
    "contract_id": "expected_contract_id",
    "attribution_status": "expected_attribution_status",
    "cost_center": "expected_cost_center",
}
BOOL_COLUMNS = {"is_identity_conflict": "expected_identity_conflict", "is_cost_center_conflict": "expected_cost_center_conflict"}


def read_ledger(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _dec(text: str | None) -> Decimal | None:
    return Decimal(text) if text not in (None, "") else None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Report:
    """Disagreements per check, plus the agreement counts the note reports."""

    mismatches: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    counts: Counter = field(default_factory=Counter)
    max_cost_diff: Decimal = Decimal(0)

    def add(self, check: str, detail: str) -> None:
        self.mismatches[check].append(detail)

    @property
    def failed(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.mismatches.items() if v}

    def summary(self) -> str:
        lines = [f"{k}: {len(v)} mismatches, e.g. {v[:3]}" for k, v in sorted(self.failed.items())]
        return "\n".join(lines) or "no mismatch"


def compare(ledger: list[dict[str, str]], database: Path) -> Report:
    """Every per-call, per-bucket and conservation check of issue 3 against one build."""
    report = Report()
    with duckdb.connect(str(database), read_only=True) as con:
        columns = ["call_id", "cost_usd", "list_cost_usd", "unattributed_reasons", *IDENTITY_COLUMNS, *BOOL_COLUMNS]
        rows = con.sql(f"select {', '.join(columns)} from marts.fct_llm_calls").fetchall()
        spend = con.sql("select call_id, reason from marts.unattributed_llm_spend").fetchall()
        chargeback = con.sql(
            "select strftime(billing_period_start, '%Y-%m'), cost_center, cost_usd, call_count"
            " from marts.chargeback_by_cost_center"
        ).fetchall()
    fct: dict[str, dict[str, object]] = {}
    seen = Counter(r[0] for r in rows)
    for call_id, count in seen.items():
        if count > 1:
            report.add("call_once", f"{call_id} appears {count} times")
    for r in rows:
        fct[r[0]] = dict(zip(columns, r))
    billed = [row for row in ledger if row["expected_billed"] == "true"]
    expected_ids = {row["call_id"] for row in billed}
    for call_id in expected_ids - fct.keys():
        report.add("call_once", f"{call_id} missing from fct_llm_calls")
    for call_id in fct.keys() - expected_ids:
        report.add("call_once", f"{call_id} not a billed call of the ledger")
    spend_reasons: dict[str, set[str]] = defaultdict(set)
    for call_id, reason in spend:
        spend_reasons[call_id].add(reason)
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    call_counts: Counter = Counter()
    for row in billed:
        call_id = row["call_id"]
        got = fct.get(call_id)
        bucket = (row["call_at"][:7], row["expected_cost_center"] or UNATTRIBUTED)
        totals[bucket] += _dec(row["expected_cost_usd"]) or Decimal(0)
        call_counts[bucket] += 1
        if got is None:
            continue
        report.counts["calls"] += 1
        for column, ledger_column in (("cost_usd", "expected_cost_usd"), ("list_cost_usd", "expected_list_cost_usd")):
            want, have = _dec(row[ledger_column]), got[column]
            if (want is None) != (have is None):
                report.add(column, f"{call_id}: ledger {want} dbt {have}")
            elif want is not None:
                diff = abs(Decimal(have) - want)
                if column == "cost_usd":
                    report.max_cost_diff = max(report.max_cost_diff, diff)
                if diff > TOLERANCE:
                    report.add(column, f"{call_id}: ledger {want} dbt {have} ({row['expected_priced_model']})")
                elif column == "cost_usd":
                    report.counts["cost_agree"] += 1
        want_reasons = sorted(r for r in row["expected_reasons"].split(";") if r)
        have_reasons = sorted(r for r in _text(got["unattributed_reasons"]).split(";") if r)
        if want_reasons != have_reasons:
            report.add("reasons", f"{call_id}: ledger {want_reasons} dbt {have_reasons} ({row['injected_faults']})")
        else:
            report.counts["reasons_agree"] += 1
        if sorted(spend_reasons.get(call_id, ())) != want_reasons:
            report.add("unattributed_llm_spend", f"{call_id}: ledger {want_reasons} mart {sorted(spend_reasons[call_id])}")
        for column, ledger_column in {**IDENTITY_COLUMNS, **BOOL_COLUMNS}.items():
            if _text(got[column]) != row[ledger_column]:
                report.add(column, f"{call_id}: ledger {row[ledger_column]!r} dbt {_text(got[column])!r}"
                                   f" ({row['injected_faults']})")  # fmt: skip
            else:
                report.counts[f"{column}_agree"] += 1
    have_totals = {(period, cc): (Decimal(cost), count) for period, cc, cost, count in chargeback}
    for key in set(totals) | set(have_totals):
        want = (totals.get(key, Decimal(0)), call_counts.get(key, 0))
        have = have_totals.get(key, (Decimal(0), 0))
        if abs(want[0] - have[0]) > TOLERANCE or want[1] != have[1]:
            report.add("chargeback_totals", f"{key}: ledger {want} dbt {have}")
        else:
            report.counts["chargeback_rows_agree"] += 1
    fct_total = sum((Decimal(r["cost_usd"]) for r in fct.values() if r["cost_usd"] is not None), Decimal(0))
    chargeback_total = sum((Decimal(c[2]) for c in chargeback), Decimal(0))
    ledger_total = sum(totals.values(), Decimal(0))
    if fct_total != chargeback_total or abs(fct_total - ledger_total) > TOLERANCE:
        report.add("conservation", f"fct {fct_total} chargeback {chargeback_total} ledger {ledger_total}")
    return report
