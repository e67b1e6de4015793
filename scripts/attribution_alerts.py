#!/usr/bin/env python3
"""Digest of the attribution alerts fired by the last dbt build.

Reads target/run_results.json and target/manifest.json, picks the attribution
tests (tag ``alert``, ``meta: {alert: true}`` or a path under tests/alerts/),
and for each one that warned or failed reads its stored failing rows from the
DuckDB warehouse (read-only) to say what is at stake: dollars, calls, and the
top tenants, workflows, hops and models involved. Prints markdown (chat, mail)
or JSON, and with --webhook URL posts it to a chat webhook. Exit status: 0
when no error-severity alert fired, 2 when one did (or with --fail-on warn,
when any alert fired), 1 when the inputs are missing, 3 when the webhook
could not be reached after its retries.

Conventions and the nightly command: docs/alerts.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from export_marts import safe_text

from alert_webhook import DeliveryError, payload, post_json, redact_url

EXIT_CLEAN = 0
EXIT_BAD_INPUT = 1
EXIT_ALERT = 2
EXIT_NOT_DELIVERED = 3
WEBHOOK_ENV = "ATTRIBUTION_ALERTS_WEBHOOK"
TOP_N = 3
DEFAULT_DB = "warehouse/llm_spend_attribution.duckdb"

# Digest dimension -> stored columns that can carry it, in preference order.
TOP_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "tenants": ("tenant_id", "x_tenantid"),
    "workflows": ("workflow_id", "x_workflowid"),
    "hops": ("service_name",),
    "models": ("response_model", "priced_model", "request_model", "model"),
    "reasons": ("reason", "unattributed_reasons"),
}
# How a null shows in a top list: a missing tenant is the news, no reason is not.
NULL_LABELS = {"reasons": "(none)"}
SAMPLE_ROWS = 3
SAMPLE_COLUMNS = 6
FIRED_STATUSES = {"fail", "warn", "error", "skipped"}


@dataclass
class TopEntry:
    value: str
    cost_usd: str | None
    calls: int


@dataclass
class Alert:
    name: str
    unique_id: str
    description: str
    path: str
    severity: str  # error or warn: how the alert fired
    status: str  # dbt status: fail, warn, error (did not run), skipped
    failing_rows: int | None
    cost_usd: str | None
    calls: int | None
    top: dict[str, list[TopEntry]] = field(default_factory=dict)
    query: str | None = None
    drilldown_query: str | None = None
    sample_rows: list[dict[str, str | None]] = field(default_factory=list)
    message: str | None = None


@dataclass
class Digest:
    generated_at: str | None
    invocation_id: str | None
    alert_tests_run: int
    alerts: list[Alert]
    other_failed_tests: list[str]
    warehouse_read: bool

    @property
    def errors(self) -> list[Alert]:
        return [a for a in self.alerts if a.severity == "error"]

    @property
    def warnings(self) -> list[Alert]:
        return [a for a in self.alerts if a.severity == "warn"]


def is_alert_test(node: dict[str, Any]) -> bool:
    """The digest's convention for an attribution test (docs/alerts.md)."""
    if node.get("resource_type") != "test":
        return False
    config = node.get("config") or {}
    meta = {**(node.get("meta") or {}), **(config.get("meta") or {})}
    tags = set(node.get("tags") or []) | set(config.get("tags") or [])
    path = (node.get("original_file_path") or "").replace("\\", "/")
    return "alert" in tags or meta.get("alert") is True or path.startswith("tests/alerts/")


def node_meta(node: dict[str, Any]) -> dict[str, Any]:
    return {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}


def describe(node: dict[str, Any]) -> str:
    """The test's description, else the leading Jinja comment of its SQL."""
    text = (node.get("description") or "").strip()
    if not text:
        match = re.match(r"\s*\{#-?(.*?)-?#\}", node.get("raw_code") or "", re.S)
        text = match.group(1).strip() if match else ""
    return " ".join(text.split())


def unqualified(relation_name: str | None) -> str | None:
    """`"db"."schema"."table"` -> `schema.table` (the catalog is the file's name)."""
    if not relation_name:
        return None
    parts = [p.strip('"') for p in re.findall(r'"[^"]*"|[^.]+', relation_name)]
    return ".".join(parts[-2:]) if len(parts) >= 2 else parts[-1]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def money(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def fmt_money(value: str | None) -> str:
    if value is None:
        return "n/a"
    amount = Decimal(value)
    if amount != 0 and abs(amount) < Decimal("0.01"):
        return f"${amount:.6f}".rstrip("0")
    return f"${amount:,.2f}"


class Warehouse:
    """Read-only access to the stored failures."""

    def __init__(self, path: Path) -> None:
        self.con = duckdb.connect(str(path), read_only=True)

    def columns(self, sql: str) -> list[str]:
        return [row[0] for row in self.con.sql(f"describe {sql}").fetchall()]

    def exists(self, relation: str) -> bool:
        schema, _, table = relation.rpartition(".")
        rows = self.con.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            [schema or "main", table],
        ).fetchall()
        return bool(rows and rows[0][0])

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.sql(sql).fetchall()


def pick_cost_column(columns: list[str], meta: dict[str, Any]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    wanted = meta.get("alert_cost_column")
    if wanted and wanted.lower() in lowered:
        return lowered[wanted.lower()]
    for name in ("cost_usd", "billedcost", "effectivecost"):
        if name in lowered:
            return lowered[name]
    candidates = [c for c in columns if c.lower().endswith("cost_usd") and not c.lower().startswith("total")]
    return candidates[0] if candidates else None


def pick_calls_column(columns: list[str], meta: dict[str, Any]) -> tuple[str, str] | None:
    """('distinct', call_id) or ('sum', <call count column>)."""
    lowered = {c.lower(): c for c in columns}
    wanted = meta.get("alert_calls_column")
    if wanted and wanted.lower() in lowered:
        return ("sum", lowered[wanted.lower()])
    if "call_id" in lowered:
        return ("distinct", lowered["call_id"])
    candidates = [c for c in columns if c.lower().endswith("call_count") and not c.lower().startswith("total")]
    return ("sum", candidates[0]) if candidates else None


def resolve_refs(sql: str, failures: str, manifest: dict[str, Any]) -> str:
    """Fill {failures} and {ref:<model>} in a drilldown query."""
    relations = {
        n["name"]: unqualified(n.get("relation_name"))
        for n in manifest.get("nodes", {}).values()
        if n.get("resource_type") in ("model", "seed", "snapshot") and n.get("relation_name")
    }

    def ref(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in relations:
            raise KeyError(f"unknown model in alert_drilldown: {name}")
        return str(relations[name])

    sql = re.sub(r"\{ref:([A-Za-z0-9_]+)\}", ref, sql)
    return " ".join(sql.replace("{failures}", failures).split())


def measure(wh: Warehouse, source_sql: str, meta: dict[str, Any]) -> tuple[str | None, int | None, dict[str, list[TopEntry]]]:
    """Dollars, calls and top values of the rows of `source_sql`."""
    src = f"({source_sql}) as src"
    columns = wh.columns(f"select * from {src}")
    cost_col = pick_cost_column(columns, meta)
    calls_spec = pick_calls_column(columns, meta)
    cost_expr = f"sum({quote(cost_col)})" if cost_col else "null"
    if calls_spec is None:
        calls_expr = "null"  # rows are not calls (e.g. one row per hop and day)
    elif calls_spec[0] == "distinct":
        calls_expr = f"count(distinct {quote(calls_spec[1])})"
    else:
        calls_expr = f"sum({quote(calls_spec[1])})"
    cost, calls = wh.rows(f"select {cost_expr}, {calls_expr} from {src}")[0]
    per_row_calls = f"count(distinct {quote(calls_spec[1])})" if calls_spec and calls_spec[0] == "distinct" else "count(*)"
    lowered = {c.lower(): c for c in columns}
    top: dict[str, list[TopEntry]] = {}
    for dimension, candidates in TOP_DIMENSIONS.items():
        column = next((lowered[c] for c in candidates if c in lowered), None)
        if column is None:
            continue
        rows = wh.rows(
            f"select coalesce(cast({quote(column)} as varchar), '{NULL_LABELS.get(dimension, '(missing)')}') as value,"
            f" {cost_expr} as cost, {per_row_calls} as calls from {src}"
            f" group by 1 order by cost desc nulls last, calls desc, value limit {TOP_N}"
        )
        top[dimension] = [TopEntry(str(v), money(c), int(n)) for v, c, n in rows]
    return money(cost), (None if calls is None else int(calls)), top


def sample(wh: Warehouse, relation: str) -> list[dict[str, str | None]]:
    """The first stored rows (first columns only), as text, for context."""
    columns = wh.columns(f"select * from {relation}")[:SAMPLE_COLUMNS]
    select = ", ".join(f"cast({quote(c)} as varchar)" for c in columns)
    rows = wh.rows(f"select {select} from {relation} limit {SAMPLE_ROWS}")
    return [dict(zip(columns, row)) for row in rows]


def build_digest(run_results_path: Path, manifest_path: Path, db_path: Path) -> Digest:
    run_results = json.loads(run_results_path.read_text())
    manifest = json.loads(manifest_path.read_text())
    nodes: dict[str, Any] = manifest.get("nodes", {})
    wh = Warehouse(db_path) if db_path.exists() else None

    alerts: list[Alert] = []
    others: list[str] = []
    alert_tests_run = 0
    for result in run_results.get("results", []):
        node = nodes.get(result.get("unique_id", ""))
        if node is None or node.get("resource_type") != "test":
            continue
        status = result.get("status")
        if not is_alert_test(node):
            if status in FIRED_STATUSES - {"skipped"}:
                others.append(f"{node['name']} ({status})")
            continue
        alert_tests_run += 1
        if status not in FIRED_STATUSES:
            continue
        meta = node_meta(node)
        relation = unqualified(result.get("relation_name") or node.get("relation_name"))
        alert = Alert(
            name=node["name"],
            unique_id=node["unique_id"],
            description=describe(node),
            path=node.get("original_file_path", ""),
            severity="warn" if status == "warn" else "error",
            status=status,
            failing_rows=result.get("failures"),
            cost_usd=None,
            calls=None,
            message=None if status in ("fail", "warn") else (result.get("message") or status),
        )
        if relation and status in ("fail", "warn"):
            alert.query = f"select * from {relation}"
            if wh is not None and wh.exists(relation):
                alert.sample_rows = sample(wh, relation)
                source = f"select * from {relation}"
                drilldown = meta.get("alert_drilldown")
                if drilldown:
                    alert.drilldown_query = resolve_refs(drilldown, relation, manifest)
                    source = alert.drilldown_query
                alert.cost_usd, alert.calls, alert.top = measure(wh, source, meta)
        alerts.append(alert)
    alerts.sort(key=lambda a: (a.severity != "error", -(Decimal(a.cost_usd or 0)), a.name))
    metadata = run_results.get("metadata", {})
    return Digest(
        generated_at=metadata.get("generated_at"),
        invocation_id=metadata.get("invocation_id"),
        alert_tests_run=alert_tests_run,
        alerts=alerts,
        other_failed_tests=others,
        warehouse_read=wh is not None,
    )


# Longest attribute value the digest prints (then export_marts.TRUNCATION_MARKER).
DIGEST_VALUE_MAX_CHARS = 200
# Markdown metacharacters, backslash-escaped; < > & become HTML entities so
# neither markdown nor HTML (mail, chat) reads a value as markup or a link.
MARKDOWN_METACHARACTERS = re.compile(r"([\\`*_\[\]|#])")
HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown_value(value: object) -> str:
    """A value from the data (tenant, workflow, row cell, message) as inert
    markdown text: control and bidi characters neutralised and line breaks
    made spaces (export_marts.safe_text), capped, metacharacters escaped."""
    text = safe_text(str(value), DIGEST_VALUE_MAX_CHARS) or ""
    text = "".join(HTML_ENTITIES.get(c, c) for c in text)
    return MARKDOWN_METACHARACTERS.sub(r"\\\1", text)


def render_markdown(digest: Digest) -> str:
    lines: list[str] = []
    when = f" (build {digest.generated_at})" if digest.generated_at else ""
    if not digest.alerts:
        lines.append(f"# Attribution alerts: none fired{when}")
        lines.append("")
        if digest.alert_tests_run:
            lines.append(f"Clean: all {digest.alert_tests_run} attribution tests passed. No alerts.")
        else:
            lines.append("No attribution tests ran in this invocation (run `dbt build` first).")
    else:
        lines.append(
            f"# Attribution alerts: {len(digest.errors)} error(s), {len(digest.warnings)} warning(s){when}"
        )
        lines.append("")
        lines.append(f"{len(digest.alerts)} of {digest.alert_tests_run} attribution tests fired.")
        for alert in digest.alerts:
            lines.append("")
            label = "ERROR" if alert.severity == "error" else "WARN"
            lines.append(f"## [{label}] {alert.name}")
            if alert.description:
                lines.append("")
                lines.append(alert.description)
            lines.append("")
            if alert.message:
                lines.append(f"- Did not run cleanly ({alert.status}): {markdown_value(alert.message)}")
            if alert.failing_rows is not None:
                lines.append(f"- Failing rows: {alert.failing_rows}")
            if alert.cost_usd is not None or alert.calls is not None:
                calls = "n/a" if alert.calls is None else f"{alert.calls:,}"
                lines.append(f"- At stake: {fmt_money(alert.cost_usd)} over {calls} call(s)")
            for dimension, entries in alert.top.items():
                shown = "; ".join(
                    f"{markdown_value(e.value)} {fmt_money(e.cost_usd)} / {e.calls} call(s)" for e in entries
                )
                lines.append(f"- Top {dimension}: {shown}")
            for row in alert.sample_rows:
                lines.append("- Row: " + ", ".join(f"{k}={markdown_value(v)}" for k, v in row.items()))
            if alert.query:
                lines.append(f"- See the rows: `{alert.query}`")
            if alert.drilldown_query:
                lines.append(f"- Calls behind them: `{alert.drilldown_query}`")
            lines.append(f"- Test: `{alert.path}`")
    if digest.other_failed_tests:
        lines.append("")
        lines.append("Other failing tests (not attribution alerts): " + ", ".join(digest.other_failed_tests))
    if digest.alerts and not digest.warehouse_read:
        lines.append("")
        lines.append("_Warehouse file not found: dollars and top lists omitted._")
    return "\n".join(lines) + "\n"


def render_json(digest: Digest) -> str:
    payload = asdict(digest)
    payload["status"] = "error" if digest.errors else ("warn" if digest.alerts else "clean")
    return json.dumps(payload, indent=2) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=Path, default=Path("target"), help="dbt target dir (default: target/)")
    parser.add_argument("--run-results", type=Path, help="run_results.json (default: <target>/run_results.json)")
    parser.add_argument("--manifest", type=Path, help="manifest.json (default: <target>/manifest.json)")
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=Path(os.environ.get("DBT_DUCKDB_PATH", DEFAULT_DB)),
        help="warehouse file, opened read-only (default: $DBT_DUCKDB_PATH or " + DEFAULT_DB + ")",
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--output", type=Path, help="write the digest here instead of stdout")
    parser.add_argument(
        "--fail-on", choices=("error", "warn"), default="error", help="lowest severity that exits 2 (default: error)"
    )
    parser.add_argument(
        "--webhook",
        default=os.environ.get(WEBHOOK_ENV),
        metavar="URL",
        help=f"also POST the digest (Slack-compatible text + JSON digest) here (default: ${WEBHOOK_ENV});"
        " the URL is a secret and is only ever shown redacted",
    )
    parser.add_argument("--webhook-timeout", type=float, default=10.0, help="seconds per attempt (default: 10)")
    parser.add_argument("--webhook-retries", type=int, default=3, help="retries after the first attempt (default: 3)")
    parser.add_argument(
        "--webhook-backoff", type=float, default=1.0, help="seconds before the first retry, doubled each time (default: 1)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target: Path = args.target
    run_results = args.run_results or target / "run_results.json"
    manifest = args.manifest or target / "manifest.json"
    for path in (run_results, manifest):
        if not path.exists():
            print(f"attribution_alerts: {path} not found; run dbt build first", file=sys.stderr)
            return EXIT_BAD_INPUT
    digest = build_digest(run_results, manifest, args.duckdb)
    text = render_json(digest) if args.format == "json" else render_markdown(digest)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    if args.webhook:
        body = payload(render_markdown(digest), render_json(digest))
        try:
            result = post_json(
                args.webhook, body, args.webhook_timeout, args.webhook_retries, args.webhook_backoff
            )
        except DeliveryError as err:
            print(f"attribution_alerts: {err}", file=sys.stderr)
            return EXIT_NOT_DELIVERED
        print(
            f"attribution_alerts: digest posted to {redact_url(args.webhook)}"
            f" (HTTP {result.status}, attempt {result.attempts})",
            file=sys.stderr,
        )
    fired = digest.errors if args.fail_on == "error" else digest.alerts
    return EXIT_ALERT if fired else EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
