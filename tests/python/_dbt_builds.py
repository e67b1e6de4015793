"""Shared helpers for the pytest suite: span fixtures and cached dbt builds.

Each build goes to its own temporary DuckDB file and target path, so tests
never touch warehouse/ and builds are done once per pytest session.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SESSION_DIR = Path(tempfile.mkdtemp(prefix="llm_spend_pytest_"))


@dataclass(frozen=True)
class Build:
    name: str
    db_path: Path
    target_path: Path
    returncode: int
    log: str

    def env(self) -> dict[str, str]:
        return {**os.environ, "DBT_DUCKDB_PATH": str(self.db_path)}


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


def fault_spans() -> list[str]:
    """Mostly unattributed spend (error share alert) plus a cost-center conflict."""
    lines: list[str] = []
    for n in range(1, 4):
        lines += _trace(n, n, ACME, "gpt-4o-mini", (1000, 200), "model-client")
    no_tenant = {"workflow_id": "wf_support_chat", "actor_id": "u_alice"}
    for n in range(10, 10 + FAULT_UNATTRIBUTED_CALLS):
        lines += _trace(n, 5, no_tenant, "gpt-4o", (20000, 2000), "legacy-proxy")
    conflict = {**ACME, "cost_center": "cc_growth"}
    lines += _trace(30, 6, conflict, "gpt-4o-mini", (500, 100), "model-client")
    return lines


FIXTURES = {"clean": clean_spans, "faults": fault_spans}


@functools.cache
def dbt_build(name: str) -> Build:
    """Build the project on the sample data or a named fixture, once per session."""
    work = SESSION_DIR / name
    work.mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "profiles.example.yml", work / "profiles.yml")
    args = [str(BIN / "dbt"), "build", "--profiles-dir", str(work), "--target-path", str(work / "target"),
            "--log-path", str(work / "logs")]
    if name != "sample":
        spans = work / "spans"
        spans.mkdir(exist_ok=True)
        (spans / f"{name}.jsonl").write_text("\n".join(FIXTURES[name]()) + "\n")
        args += ["--vars", json.dumps({"traces_path": str(spans / "*.jsonl")})]
    env = {
        **os.environ,
        "DBT_DUCKDB_PATH": str(work / f"{name}.duckdb"),
        "DBT_DUCKDB_TEMP_DIR": str(work / "tmp"),
    }
    proc = subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    return Build(name, work / f"{name}.duckdb", work / "target", proc.returncode, proc.stdout + proc.stderr)
