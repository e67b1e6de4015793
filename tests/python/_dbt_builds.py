"""Shared helpers for the pytest suite: span fixtures and cached dbt builds.

Each build goes to its own temporary DuckDB file and target path (dbt_runner),
so tests never touch warehouse/ and builds are done once per pytest session.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
from pathlib import Path

from dbt_runner import PROJECT_DIR as PROJECT_ROOT
from dbt_runner import DbtRun, run_dbt

BIN = Path(sys.executable).parent
# The grain test of stg_traces__span_records (its key is the staged record).
SPAN_RECORDS_GRAIN_TEST = ("dbt_utils_unique_combination_of_columns_stg_traces__span_records_source_file__line_number__"
                           "batch_position")
SESSION_DIR = Path(tempfile.mkdtemp(prefix="llm_spend_pytest_"))


def _span(trace: str, span: str, parent: str | None, name: str, at: str, service: str, **attrs: object) -> str:
    record: dict[str, object] = {
        "trace_id": trace,
        "span_id": span,
        "parent_span_id": parent,
        "name": name,
        "timestamp": at,
        "service.name": service,
    }
    record.update(attrs)
    return json.dumps(record)


def _trace(n: int, day: int, identity: dict[str, str], model: str, tokens: tuple[int, int], service: str) -> list[str]:
    """A root hop and one model call; identity keys sit on both spans."""
    trace = f"{n:032x}"
    root, call = f"{2 * n:016x}", f"{2 * n + 1:016x}"
    at = f"2026-07-{day:02d}T10:00:00Z"
    return [
        _span(trace, root, None, "POST /v1/chat", at, "edge", **identity),
        _span(
            trace, call, root, f"chat {model}", at, service,
            **{
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": model,
                "gen_ai.response.model": model,
                "gen_ai.usage.input_tokens": tokens[0],
                "gen_ai.usage.output_tokens": tokens[1],
            },
            **identity,
        ),
    ]


ACME = {
    "tenant_id": "t_acme",
    "cost_center": "cc_acme_invoice_ops",
    "workflow_id": "wf_invoice_extract",
    "actor_id": "svc_ingest",
}


def clean_spans() -> list[str]:
    """Every call fully attributed, priced, canonical keys on every hop."""
    lines: list[str] = []
    for n in range(1, 6):
        lines += _trace(n, n, ACME, "gpt-4o-mini", (1000 * n, 200 * n), "model-client")
    return lines


# Calls of the faults fixture that land in UNATTRIBUTED (no tenant anywhere).
FAULT_UNATTRIBUTED_CALLS = 6
# Attribute keys of the faults fixture that look like identity or token counts but that no alias
# maps (gen_ai.usage.total_tokens, beside the second, is deliberately ignored: seed drift_ignored_keys).
FAULT_UNMAPPED_TENANT_KEY = "x-legacy-tenant"
FAULT_UNMAPPED_TOKEN_KEY = "batch.usage.total_tokens"


def fault_spans() -> list[str]:
    """Mostly unattributed spend (error share alert) plus a cost-center conflict."""
    lines: list[str] = []
    for n in range(1, 4):
        lines += _trace(n, n, ACME, "gpt-4o-mini", (1000, 200), "model-client")
    # The legacy proxy spells its tenant under a key no alias maps (alert_unmapped_attribute_keys), on
    # both spans of each trace; a total-token count no alias maps either, on the first day only.
    no_tenant = {"workflow_id": "wf_support_chat", "actor_id": "u_alice", FAULT_UNMAPPED_TENANT_KEY: "t_acme"}
    for n in range(10, 10 + FAULT_UNATTRIBUTED_CALLS):
        lines += _trace(n, 5, no_tenant, "gpt-4o", (20000, 2000), "legacy-proxy")
    lines.append(_span(f"{40:032x}", f"{80:016x}", None, "batch summary", "2026-07-01T09:00:00Z", "batch-runner",
                       **{FAULT_UNMAPPED_TOKEN_KEY: 1234, "gen_ai.usage.total_tokens": 1234}))
    conflict = {**ACME, "cost_center": "cc_growth"}
    lines += _trace(30, 6, conflict, "gpt-4o-mini", (500, 100), "model-client")
    return lines


FIXTURES = {"clean": clean_spans, "faults": fault_spans}


@functools.cache
def dbt_build(name: str) -> DbtRun:
    """Build the project on the sample data or a named fixture, once per session."""
    work = SESSION_DIR / name
    traces_glob = None
    if name != "sample":
        spans = work / "spans"
        spans.mkdir(parents=True, exist_ok=True)
        (spans / f"{name}.jsonl").write_text("\n".join(FIXTURES[name]()) + "\n")
        traces_glob = str(spans / "*.jsonl")
    # The sample build is the one that also runs dbt's unit tests (run_dbt leaves them out by default).
    database = work / ("sample.duckdb" if name == "sample" else "warehouse.duckdb")
    return run_dbt(work, traces_glob=traces_glob, database=database, unit_tests=name == "sample")
