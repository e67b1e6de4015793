#!/usr/bin/env python3
"""Generate multi-hop LLM gateway traces plus a ground-truth ledger.

Bundled sample (data/sample/, flat files matching the traces glob):

    python scripts/generate_traces.py --calls 300 --days 61 --start 2026-05-01 \
        --seed 7 --all-faults --tenant-claim-conflict-rate 0 --worked-example --layout flat \
        --out data/sample

Rows are generated in DuckDB SQL from range() with hash-based pseudo-random
draws seeded by --seed, so the same seed and options give byte-identical files
and no Python loop runs per span. The ledger's expectations are computed by
scripts/attribution_oracle.py (Python, decimal), independently of the dbt
models.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

sys.path.insert(0, str(Path(__file__).resolve().parent))
import attribution_oracle as oracle  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DAY_MS = 86_400_000

# Fault rate options: name -> (rate used by --all-faults, help text).
FAULTS: dict[str, tuple[float, str]] = {
    "identity_loss_rate": (0.05, "identity present at the edge, dropped by the auth hop (gateway) and below"),
    "anonymous_rate": (0.03, "no hop carries tenant, workflow, actor or cost center (the client sent none)"),
    "tenant_claim_conflict_rate": (
        0.03,
        "the edge's tenant (client header) claims another tenant than the hops below (trust order decides)",
    ),
    "schema_drift_rate": (
        0.05,
        "identity renamed per hop: tenant/workflow/actor at the edge, tenantId/workflowId/actorId at the "
        "gateway, customer_id/job_id/user_id at the router; see --drift-keep-share",
    ),
    "agent_actor_missing_rate": (0.2, "share of agent-initiated calls whose agent and call spans carry no actor"),
    "unknown_tenant_rate": (0.04, "tenant not in cost_center_policy"),
    "unregistered_workflow_rate": (0.04, "workflow not in workflow_registry"),
    "unknown_cost_center_rate": (0.03, "trace carries a cost_center that is not in the policy taxonomy"),
    "cost_center_conflict_rate": (0.03, "trace carries a valid cost_center that differs from the policy's"),
    "snapshot_model_rate": (0.1, "response model is a dated snapshot (gpt-4o-mini-2024-07-18)"),
    "unpriced_model_rate": (0.03, "response model unknown to genai-prices and the seeds (unpriced)"),
    "long_context_rate": (0.03, "chat call with 100k-300k input tokens (long-context price tiers)"),
    "boundary_rate": (
        0.04,
        "call starts just either side of a price change or cost-center move read from the seeds "
        "(offsets -60s, -1s, -1ms, 0, +1ms, +1s, +60s)",
    ),
    "duplicate_rate": (0.03, "per span: delivered twice, half in the same file, half in a retry file (-001)"),
    "late_rate": (0.02, "per span: written to the file of the next day"),
}

BOUNDARY_OFFSETS_MS = (-60_000, -1_000, -1, 0, 1, 1_000, 60_000)
SERVICE_ACTORS = ("svc_ingest", "svc_batch", "svc_api")
AGENTS = ("research", "support", "planner")
UNKNOWN_TENANTS = ("t_pied_piper", "t_soylent", "t_tyrell")
UNREGISTERED_WORKFLOWS = ("wf_adhoc_export", "wf_legacy_batch")
UNKNOWN_COST_CENTERS = ("cc_marketing", "cc_legacy_finance")
UNPRICED_MODELS = (
    ("openai", "acme-ft-invoice-v3"),
    ("anthropic", "claude-internal-eval-7"),
    ("gcp.vertex_ai", "acme-tuned-chat-2"),
)
# Providers left out of generated traffic: DeepSeek has off-peak windows and
# perplexity per-request fees, which the seeds do not hold (docs/pricing.md).
EXCLUDED_PROVIDERS = frozenset({"deepseek", "perplexity"})
# OTel GenAI provider names emitted for genai-prices provider ids.
OTEL_PROVIDER = {
    "google": "gcp.vertex_ai",
    "aws": "aws.bedrock",
    "azure": "azure.ai.openai",
    "x-ai": "x_ai",
    "mistral": "mistral_ai",
}
SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:/@+-]+$")

# Identity keys per hop and propagation mode. Hops: 0 edge, 1 gateway,
# 2 router, 3 agent, 4 model call. Mode C canonical, D schema drift, L lost.
HOPS = ("edge", "gateway", "router", "agent", "call")
CANONICAL_KEYS = {"tenant": "tenant_id", "workflow": "workflow_id", "actor": "actor_id"}
EDGE_HEADER_KEYS = {
    "tenant": "http.request.header.x-tenant",
    "workflow": "http.request.header.x-workflow",
    "actor": "http.request.header.x-actor",
}
DRIFT_KEYS = {
    "tenant": ("tenant", "tenantId", "customer_id"),
    "workflow": ("workflow", "workflowId", "job_id"),
    "actor": ("actor", "actorId", "user_id"),
}


@dataclass(frozen=True)
class Model:
    idx: int
    provider: str  # as emitted (OTel name)
    model: str
    operation: str  # chat | embeddings
    snapshot: str  # a dated alias genai-prices resolves to the model (the model itself when none)
    snapshot_compact: str  # the same with a compact date (-YYYYMMDD), else snapshot
    cache_read: bool
    cache_write: bool
    reasoning: bool


@dataclass(frozen=True)
class Boundary:
    kind: str  # price | cost_center
    instant_ms: int
    model_idx: int | None
    tenant_id: str | None


@dataclass(frozen=True)
class Plan:
    """Everything the SQL needs, resolved from options and seeds."""

    seed: int
    calls: int
    start_ms: int
    end_ms: int
    rates: dict[str, float]
    agent_share: float
    embedding_share: float
    cost_center_share: float
    drift_keep_share: float
    tenants: list[str]
    workflows: list[str]
    taxonomy: list[str]
    unknown_ccs: list[str]
    unpriced: list[tuple[str, str]]
    models: list[Model]
    boundaries: list[Boundary]
    layout: str


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a rate in [0, 1]")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Generate gateway traces (edge -> gateway -> router -> [agent] -> model call) as flat JSONL "
        "or OTLP JSON, and a ground-truth ledger.csv of the expected attribution per model call.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Output layout (--out DIR):\n"
        "  partitioned: DIR/dt=YYYY-MM-DD/hour=HH/spans-000.jsonl, as a collector writes by span end time;\n"
        "               spans-001.jsonl holds retried (duplicate) deliveries; glob DIR/*/*/*.jsonl\n"
        "  flat:        DIR/spans-YYYY-MM-DD-000.jsonl (+ -001 retries), one file per day; glob DIR/*.jsonl\n"
        "  both:        DIR/ledger.csv, one row per model call (never ends in .jsonl)\n"
        "Both formats use these names; with --format otlp each line is an OTLP batch (service.name as a\n"
        "resource attribute, typed attribute values, hex ids, times in ns as decimal strings).\n"
        "All fault rates default to 0 (a clean run); --all-faults turns every fault on at a modest rate,\n"
        "and an explicit rate option always wins.",
    )
    parser.add_argument("--calls", type=int, default=500, help="model calls (ledger rows) to generate (default 500)")
    parser.add_argument("--days", type=int, default=7, help="days covered from --start (default 7)")
    parser.add_argument(
        "--start", type=date.fromisoformat, default=date(2026, 5, 1), help="first day, YYYY-MM-DD (UTC)"
    )
    parser.add_argument(
        "--tenants",
        default=None,
        help="tenant count (first N policy tenants; beyond the policy table t_tenant_NNN, which are unmapped) "
        "or a comma-separated list (default: every policy tenant)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed; same seed and options => identical files")
    parser.add_argument(
        "--format",
        choices=sorted(WRITERS),
        default="jsonl",
        help="span format: jsonl = flat JSONL, one span per line; otlp = OTLP JSON as the OpenTelemetry "
        "Collector file exporter writes it, one ExportTraceServiceRequest ({\"resourceSpans\": [...]}) per line. "
        "Same spans, same ledger.csv for the same seed (default jsonl)",
    )
    parser.add_argument(
        "--otlp-batch-spans",
        type=_positive,
        default=100,
        help="otlp: spans per line (batch), cut from each file's spans in delivery order like a collector's "
        "batch processor; one resourceSpans entry per service in a batch (default 100)",
    )
    parser.add_argument(
        "--layout", choices=("partitioned", "flat"), default="partitioned", help="file layout, see below"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "data" / "generated",
        help="output directory; span and ledger files of an earlier run there are removed first",
    )
    parser.add_argument("--seeds-dir", type=Path, default=REPO / "seeds", help="dbt seeds folder")
    parser.add_argument("--project-file", type=Path, default=REPO / "dbt_project.yml", help="dbt_project.yml (aliases)")
    parser.add_argument("--agent-share", type=_rate, default=0.3, help="share of calls made through an agent hop")
    parser.add_argument("--embedding-share", type=_rate, default=0.1, help="share of embeddings calls")
    parser.add_argument("--cost-center-share", type=_rate, default=0.3, help="share of traces carrying cost_center")
    parser.add_argument(
        "--drift-keep-share",
        type=_rate,
        default=0.5,
        help="share of drifted calls whose model-call span keeps the router's alias (the rest keep none)",
    )
    parser.add_argument(
        "--worked-example",
        action="store_true",
        help="add the article's fixed trace (gpt-4o-mini, 1284 in / 412 out, t_acme, 2026-05-29T06:14:12Z)",
    )
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument(
        "--expect-lineage-recovery",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="ledger expects identity recovered from ancestor spans, as var recover_identity_from_ancestors "
        "(default: on); --no-expect-lineage-recovery reads the model-call span only",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--clean", action="store_true", help="no faults unless a rate is given (the default)")
    mode.add_argument("--all-faults", action="store_true", help="every fault on at its modest default rate")
    for name, (default, text) in FAULTS.items():
        parser.add_argument(
            "--" + name.replace("_", "-"), type=_rate, default=None, help=f"{text} (--all-faults: {default})"
        )
    return parser


def resolve_rates(args: argparse.Namespace) -> dict[str, float]:
    """Explicit rate, else the --all-faults default, else 0."""
    rates = {}
    for name, (default, _) in FAULTS.items():
        given = getattr(args, name)
        rates[name] = given if given is not None else (default if args.all_faults else 0.0)
    if rates["identity_loss_rate"] + rates["schema_drift_rate"] + rates["anonymous_rate"] > 1:
        raise SystemExit("--identity-loss-rate + --schema-drift-rate + --anonymous-rate must not exceed 1")
    return rates


def resolve_tenants(spec: str | None, policy: oracle.Policy) -> list[str]:
    known = list(dict.fromkeys(row.tenant_id for row in policy.rows))
    if spec is None:
        return known
    if spec.strip().isdigit():
        count = int(spec)
        if count < 1:
            raise SystemExit("--tenants must be at least 1")
        return known[:count] + [f"t_tenant_{n:03d}" for n in range(len(known) + 1, count + 1)]
    return [t.strip() for t in spec.split(",") if t.strip()]


# --------------------------------------------------------------------------
# Seeds -> plan
# --------------------------------------------------------------------------


def _priced_throughout(
    book: oracle.PriceBook, provider: str, model: str, types: Sequence[str], lo: int, hi: int
) -> bool:
    """True when every token type has a price at every instant of [lo, hi)."""
    checks = [lo] + [t for t in book.change_instants(provider, model) if lo < t < hi]
    return all(t in book.prices_at(provider, model, at) for at in checks for t in types)


def _snapshots(seeds_dir: Path, prices: oracle.PriceOracle) -> dict[tuple[str, str], tuple[str, str]]:
    """(provider, model) -> (dated alias, compact-dated alias) that genai-prices resolves to that model.

    Taken from the `equals` match rules with a date suffix (gpt-4o-mini-2024-07-18),
    so snapshot drift is real drift and never a blind strip.
    """
    found: dict[tuple[str, str], tuple[str, str]] = {}
    rules = sorted(oracle._read_csv(oracle.seed_csv(seeds_dir, "llm_model_match_rules")), key=lambda r: int(r["rule_rank"]))
    for r in rules:
        provider, model, value = r["provider"], r["model"], r["match_value"]
        if r["match_type"] != "equals" or value == model or (provider, model) in found:
            continue
        if not value.startswith(model + "-") or not oracle._SNAPSHOT_SUFFIX.search(value):
            continue
        hit = prices.resolve(provider, value)
        if hit is None or hit[1].id != model:
            continue
        compact = re.sub(r"-(\d{4})-(\d{2})-(\d{2})$", r"-\1\2\3", value)
        hit = prices.resolve(provider, compact) if compact != value else None
        found[(provider, model)] = (value, compact if hit is not None and hit[1].id == model else value)
    return found


def build_models(
    book: oracle.PriceBook, prices: oracle.PriceOracle, seeds_dir: Path, lo: int, hi: int
) -> list[Model]:
    """Models of the seed sheet priced over the whole window that genai-prices resolves to themselves.

    Chat first; models only in llm_price_overrides are added as chat models.
    A model never goes unpriced by accident.
    """
    chat: list[Model] = []
    embed: list[Model] = []
    snapshots = _snapshots(seeds_dir, prices)
    for provider, model in book.models():
        if provider in EXCLUDED_PROVIDERS or (provider.lower(), model.lower()) in prices.overrides:
            continue
        emitted = OTEL_PROVIDER.get(provider, provider)
        hit = prices.resolve(prices.pricing_provider(emitted), model)
        if hit is None or hit[1].id != model or prices.owner(hit[1]) != provider:
            continue
        is_embed = "embed" in model
        required = ("input",) if is_embed else ("input", "output")
        if not _priced_throughout(book, provider, model, required, lo, hi):
            continue
        if any(getattr(hit[1].get_prices(oracle._utc(t)), "requests_kcount", None) is not None for t in (lo, hi - 1)):
            continue  # per-request fees are not in the rules
        has = {t: _priced_throughout(book, provider, model, (t,), lo, hi) for t in oracle.TOKEN_TYPES}
        snapshot, compact = snapshots.get((provider, model), (model, model))
        (embed if is_embed else chat).append(
            Model(
                idx=0,
                provider=emitted,
                model=model,
                operation="embeddings" if is_embed else "chat",
                snapshot=snapshot,
                snapshot_compact=compact,
                cache_read=has["cache_read"] and not is_embed,
                cache_write=has["cache_write"] and not is_embed,
                reasoning=has["reasoning"] and not is_embed,
            )
        )
    for provider, model in sorted(prices.overrides):
        if prices.resolve(provider, model) is None and all(
            {"input", "output"} <= set(prices._override_rates(provider, model, t, 0)) for t in (lo, hi - 1)
        ):
            chat.append(Model(0, provider, model, "chat", model, model, False, False, False))
    if not chat:
        raise SystemExit("no chat model in the price sheet is priced over the whole window")
    return [Model(**{**m.__dict__, "idx": i}) for i, m in enumerate(chat + embed)]


def build_boundaries(
    book: oracle.PriceBook, policy: oracle.Policy, models: list[Model], lo: int, hi: int
) -> list[Boundary]:
    """Price changes and cost-center moves inside the window, priced/mapped on both sides."""
    found: list[Boundary] = []
    margin = 120_000  # keep boundary calls and their parents inside the window
    sheet = {(OTEL_PROVIDER.get(p, p), m): p for p, m in book.models()}
    for m in models:
        provider = sheet.get((m.provider, m.model))
        if provider is None:
            continue  # override-only model: not in the generated sheet
        required = ("input",) if m.operation == "embeddings" else ("input", "output")
        for t in book.change_instants(provider, m.model):
            if lo + margin <= t < hi - margin and all(
                r in book.prices_at(provider, m.model, at) for at in (t - 1, t) for r in required
            ):
                found.append(Boundary("price", t, m.idx, None))
    for tenant, rows in sorted(policy.by_tenant.items()):
        for row in rows:
            t = row.valid_from_ms
            before = policy.cost_center_at(tenant, t - 1)
            if lo + margin <= t < hi - margin and before is not None and before != policy.cost_center_at(tenant, t):
                found.append(Boundary("cost_center", t, None, tenant))
    return sorted(found, key=lambda b: (b.instant_ms, b.kind, b.model_idx or 0, b.tenant_id or ""))


def check_safe(values: Sequence[str], what: str) -> None:
    """Values are spliced into JSON without escaping, so keep them to a safe alphabet."""
    for value in values:
        if not SAFE_VALUE.match(value):
            raise SystemExit(f"{what} value {value!r} has characters the generator does not escape")


def build_plan(
    args: argparse.Namespace, policy: oracle.Policy, book: oracle.PriceBook, prices: oracle.PriceOracle
) -> Plan:
    start = datetime(args.start.year, args.start.month, args.start.day, tzinfo=timezone.utc)
    lo = int(start.timestamp() * 1000)
    hi = lo + args.days * DAY_MS
    if args.calls < 0 or args.days < 1:
        raise SystemExit("--calls must be >= 0 and --days >= 1")
    models = build_models(book, prices, args.seeds_dir, lo, hi)
    unpriced = [
        (p, m)
        for p, m in UNPRICED_MODELS
        if prices.price(p, m, m, lo, oracle.Tokens(1, 0, 0, 1, 0)).pricing_status == "unpriced"
    ]
    if not unpriced:
        raise SystemExit("every made-up unpriced model is priced by genai-prices or the seeds; rename them")
    taxonomy = sorted(policy.taxonomy)
    plan = Plan(
        seed=args.seed,
        calls=args.calls,
        start_ms=lo,
        end_ms=hi,
        rates=resolve_rates(args),
        agent_share=args.agent_share,
        embedding_share=args.embedding_share,
        cost_center_share=args.cost_center_share,
        drift_keep_share=args.drift_keep_share,
        tenants=resolve_tenants(args.tenants, policy),
        workflows=sorted(policy.workflows),
        taxonomy=taxonomy,
        unknown_ccs=[c for c in UNKNOWN_COST_CENTERS if c not in policy.taxonomy],
        unpriced=unpriced,
        models=models,
        boundaries=build_boundaries(book, policy, models, lo, hi),
        layout=args.layout,
    )
    check_safe(plan.tenants + plan.workflows + plan.taxonomy, "seed/tenant")
    check_safe([v for m in models for v in (m.provider, m.model, m.snapshot, m.snapshot_compact)], "price sheet")
    if plan.rates["boundary_rate"] > 0 and not plan.boundaries:
        print("warning: no price change or cost-center move inside the window; no boundary calls", file=sys.stderr)
    return plan


# --------------------------------------------------------------------------
# SQL: lookup tables and calls
# --------------------------------------------------------------------------


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: Sequence[str]) -> str:
    return "([" + ", ".join(_lit(v) for v in values) + "]::VARCHAR[])"


def _pick_from(values: Sequence[str], salt: int) -> str:
    return f"{_list(values)}[pick(i, {salt}, {len(values)}) + 1]"


def setup_sql(con: duckdb.DuckDBPyConnection, plan: Plan, policy: oracle.Policy) -> None:
    """Macros and the small lookup tables the generator joins to."""
    # Independent uniform draws per (row, salt): hash(row, salt, seed) -> [0, 1).
    con.execute(f"CREATE MACRO h(i, salt) AS hash(i, salt, {plan.seed}::BIGINT)")
    con.execute("CREATE MACRO u(i, salt) AS (h(i, salt) >> 11)::DOUBLE / 9007199254740992.0")
    con.execute("CREATE MACRO pick(i, salt, n) AS (h(i, salt) % greatest(n, 1)::UBIGINT)::BIGINT")
    con.execute("CREATE MACRO hex16(i, salt) AS format('{:016x}', h(i, salt))")
    con.execute("CREATE MACRO iso(ms) AS strftime(epoch_ms(ms), '%Y-%m-%dT%H:%M:%S.%gZ')")
    con.execute(
        "CREATE TABLE models (m_idx BIGINT, provider VARCHAR, model VARCHAR, operation VARCHAR, snapshot VARCHAR,"
        " snapshot_compact VARCHAR, has_cache_read BOOLEAN, has_cache_write BOOLEAN, has_reasoning BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (m.idx, m.provider, m.model, m.operation, m.snapshot, m.snapshot_compact, m.cache_read, m.cache_write,
             m.reasoning)
            for m in plan.models
        ],
    )
    con.execute(
        "CREATE TABLE boundaries (b_idx BIGINT, kind VARCHAR, instant_ms BIGINT, b_m_idx BIGINT, b_tenant VARCHAR)"
    )
    if plan.boundaries:
        con.executemany(
            "INSERT INTO boundaries VALUES (?, ?, ?, ?, ?)",
            [(i, b.kind, b.instant_ms, b.model_idx, b.tenant_id) for i, b in enumerate(plan.boundaries)],
        )
    con.execute("CREATE TABLE policy (tenant_id VARCHAR, cost_center VARCHAR, from_ms BIGINT, to_ms BIGINT)")
    con.executemany(
        "INSERT INTO policy VALUES (?, ?, ?, ?)",
        [(r.tenant_id, r.cost_center, r.valid_from_ms, r.valid_to_ms) for r in policy.rows],
    )


def _draws_sql(plan: Plan) -> str:
    """Per-call random draws; every column depends only on (i, salt, seed)."""
    r = plan.rates
    n_chat = sum(m.operation == "chat" for m in plan.models)
    n_embed = len(plan.models) - n_chat
    window = plan.end_ms - plan.start_ms - 240_000  # margins keep every hop inside the window
    offsets = "([" + ", ".join(str(o) for o in BOUNDARY_OFFSETS_MS) + "]::BIGINT[])"
    loss, drift, anon = r["identity_loss_rate"], r["schema_drift_rate"], r["anonymous_rate"]
    unknown_cc = r["unknown_cost_center_rate"] if plan.unknown_ccs else 0.0
    conflict = r["cost_center_conflict_rate"] if len(plan.taxonomy) > 1 else 0.0
    boundary = r["boundary_rate"] if plan.boundaries else 0.0
    return f"""
SELECT
    i,
    {plan.start_ms} + 120000 + floor(u(i, 1) * {window})::BIGINT AS t_ms,
    CASE WHEN u(i, 2) < {plan.embedding_share} AND {n_embed} > 0
         THEN {n_chat} + pick(i, 3, {n_embed}) ELSE pick(i, 4, {n_chat}) END AS drawn_m_idx,
    u(i, 5) < {r['unknown_tenant_rate']} AS unknown_tenant_draw,
    CASE WHEN u(i, 5) < {r['unknown_tenant_rate']} THEN {_pick_from(UNKNOWN_TENANTS, 6)}
         ELSE {_pick_from(plan.tenants, 7)} END AS drawn_tenant,
    u(i, 8) < {r['unregistered_workflow_rate']} AS f_unregistered_workflow,
    CASE WHEN u(i, 8) < {r['unregistered_workflow_rate']} THEN {_pick_from(UNREGISTERED_WORKFLOWS, 9)}
         ELSE {_pick_from(plan.workflows, 10)} END AS workflow_id,
    CASE WHEN u(i, 11) < 0.4 THEN {_pick_from(SERVICE_ACTORS, 12)}
         ELSE 'u_' || lpad(pick(i, 13, 10000)::VARCHAR, 4, '0') END AS actor_id,
    u(i, 14) < {plan.agent_share} AS has_agent,
    {_pick_from(AGENTS, 15)} AS agent_name,
    u(i, 16) < {plan.cost_center_share} AS carries_cc,
    u(i, 17) < {unknown_cc} AS f_unknown_cc,
    u(i, 18) < {conflict} AND NOT u(i, 17) < {unknown_cc} AS conflict_draw,
    CASE WHEN u(i, 20) < {loss} THEN 'L' WHEN u(i, 20) < {loss + drift} THEN 'D'
         WHEN u(i, 20) < {loss + drift + anon} THEN 'N' ELSE 'C' END AS id_mode,
    u(i, 21) < {plan.drift_keep_share} AS drift_keep,
    u(i, 22) < {r['agent_actor_missing_rate']} AS actor_drop_draw,
    u(i, 23) < {r['snapshot_model_rate']} AS snapshot_draw,
    u(i, 29) < 0.5 AS compact_snapshot,
    u(i, 33) < {r['tenant_claim_conflict_rate']} AS claim_draw,
    {_pick_from(plan.tenants, 34)} AS claim_pick,
    u(i, 35) < {r['long_context_rate']} AS long_draw,
    u(i, 24) < {r['unpriced_model_rate']} AS unpriced_draw,
    u(i, 25) < {boundary} AS f_boundary,
    pick(i, 26, {len(plan.boundaries)}) AS b_idx,
    {offsets}[pick(i, 27, {len(BOUNDARY_OFFSETS_MS)}) + 1] AS b_offset_ms,
    u(i, 28) < 0.5 AS use_system_key
FROM range({plan.calls}) t(i)
"""


def create_calls(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """One row per model call: truth, fault flags, tokens, ids and hop timing."""
    n_tax, taxonomy = len(plan.taxonomy), _list(plan.taxonomy)
    first_unpriced: dict[str, str] = {}
    for provider, model in plan.unpriced:
        first_unpriced.setdefault(provider, model)
    unpriced_by_provider = ", ".join(f"{_lit(p)}: {_lit(m)}" for p, m in first_unpriced.items())
    fallback_unpriced = _lit(plan.unpriced[0][1])
    con.execute(
        f"""
CREATE TABLE calls AS
WITH d AS ({_draws_sql(plan)}),
placed AS (
    -- Boundary calls move onto a change instant and take its model or tenant.
    SELECT d.*,
        CASE WHEN f_boundary THEN b.instant_ms + b_offset_ms ELSE t_ms END AS call_ms,
        CASE WHEN b.kind = 'price' THEN b.b_m_idx ELSE drawn_m_idx END AS m_idx,
        CASE WHEN b.kind = 'cost_center' THEN b.b_tenant ELSE drawn_tenant END AS tenant_id,
        unknown_tenant_draw AND b.kind IS DISTINCT FROM 'cost_center' AS f_unknown_tenant,
        unpriced_draw AND b.kind IS DISTINCT FROM 'price' AS f_unpriced,
        b.kind AS boundary_kind
    FROM d LEFT JOIN boundaries b ON d.f_boundary AND b.b_idx = d.b_idx
),
enriched AS (
    SELECT placed.*, m.provider, m.model AS request_model, m.operation, m.snapshot, m.snapshot_compact,
        m.has_cache_read, m.has_cache_write, m.has_reasoning,
        CASE WHEN p.to_ms IS NULL OR call_ms < p.to_ms THEN p.cost_center END AS policy_cc
    FROM placed
    JOIN models m USING (m_idx)
    ASOF LEFT JOIN policy p ON p.tenant_id = placed.tenant_id AND placed.call_ms >= p.from_ms
),
tokens AS (
    SELECT *,
        -- Log-uniform counts; input includes cache tokens, output includes reasoning.
        CASE WHEN operation = 'embeddings' THEN floor(8 * pow(500, u(i, 40)))
             WHEN long_draw THEN 100000 + floor(200000 * u(i, 39))
             ELSE floor(50 * pow(160, u(i, 41))) END::BIGINT AS input_tokens,
        CASE WHEN operation = 'embeddings' THEN 0 ELSE floor(10 * pow(200, u(i, 42))) END::BIGINT AS output_tokens
    FROM enriched
),
tokens2 AS (
    SELECT *,
        CASE WHEN has_cache_read AND u(i, 43) < 0.4
             THEN floor(input_tokens * (0.2 + 0.7 * u(i, 44)))::BIGINT ELSE 0 END AS cache_read_tokens,
        CASE WHEN has_reasoning THEN floor(output_tokens * 0.8 * u(i, 45))::BIGINT ELSE 0 END AS reasoning_tokens
    FROM tokens
),
timed AS (
    SELECT *,
        CASE WHEN has_cache_write AND u(i, 46) < 0.25
             THEN floor((input_tokens - cache_read_tokens) * 0.5 * u(i, 47))::BIGINT ELSE 0 END AS cache_write_tokens,
        call_ms + 30 + pick(i, 70, 400) + output_tokens * 6 AS call_end_ms,
        call_ms - CASE WHEN has_agent THEN 5 + pick(i, 71, 300) ELSE 1 + pick(i, 72, 5) END AS parent_start_ms
    FROM tokens2
)
SELECT
    i, call_ms, call_end_ms, tenant_id, workflow_id, actor_id, has_agent, agent_name, id_mode, drift_keep,
    claim_draw AND id_mode <> 'N' AS f_claim,
    CASE WHEN claim_draw AND id_mode <> 'N'
         THEN CASE WHEN claim_pick = tenant_id THEN 't_spoofed' ELSE claim_pick END
         ELSE tenant_id END AS edge_tenant_id,
    long_draw AND operation = 'chat' AS f_long_context,
    snapshot_draw AND snapshot <> request_model AS f_snapshot,
    has_agent AND actor_drop_draw AS f_actor_drop,
    f_unknown_tenant, f_unregistered_workflow, f_unknown_cc,
    conflict_draw AND policy_cc IS NOT NULL AS f_conflict,
    f_unpriced, boundary_kind, use_system_key,
    provider, request_model, operation, has_cache_read, has_cache_write, has_reasoning,
    CASE WHEN f_unpriced THEN coalesce(MAP {{{unpriced_by_provider}}}[provider], {fallback_unpriced})
         WHEN snapshot_draw AND compact_snapshot THEN snapshot_compact
         WHEN snapshot_draw THEN snapshot ELSE request_model END AS response_model,
    CASE WHEN f_unknown_cc THEN {_pick_from(plan.unknown_ccs or ['cc_none'], 30)}
         WHEN conflict_draw AND policy_cc IS NOT NULL
         THEN {taxonomy}[(list_position({taxonomy}, policy_cc) + pick(i, 31, {n_tax - 1})) % {n_tax} + 1]
         WHEN carries_cc THEN coalesce(policy_cc, {_pick_from(plan.taxonomy, 32)})
    END AS carried_cc,
    input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
    CASE WHEN provider = 'anthropic' THEN 'msg_' ELSE 'chatcmpl-' END || hex16(i, 50) AS response_id,
    hex16(i, 60) || hex16(i, 61) AS trace_id,
    hex16(i, 62) AS s_edge, hex16(i, 63) AS s_gateway, hex16(i, 64) AS s_router,
    CASE WHEN has_agent THEN hex16(i, 65) END AS s_agent, hex16(i, 66) AS s_call,
    -- Hop timing (epoch ms): each child starts after and ends before its parent.
    CASE WHEN has_agent THEN parent_start_ms END AS st_agent,
    CASE WHEN has_agent THEN call_end_ms + 1 + pick(i, 73, 20) END AS en_agent,
    parent_start_ms - CASE WHEN has_agent THEN 2 + pick(i, 74, 9) ELSE 0 END AS st_router,
    CASE WHEN has_agent THEN call_end_ms + 21 ELSE call_end_ms END + 1 + pick(i, 75, 3) AS en_router
FROM timed
"""
    )
    con.execute(
        """
CREATE OR REPLACE TABLE calls AS
SELECT *,
    call_ms AS st_call, call_end_ms AS en_call,
    st_router - 1 - pick(i, 76, 3) AS st_gateway, en_router + 1 + pick(i, 77, 4) AS en_gateway,
    st_router - 2 - pick(i, 76, 3) - pick(i, 78, 4) AS st_edge,
    en_router + 2 + pick(i, 77, 4) + pick(i, 79, 6) AS en_edge
FROM calls
"""
    )


WORKED_EXAMPLE = {
    "trace_id": "7c91f3a2d8b54e0f9c3a61b2e4f70815",
    "call_at": "2026-05-29T06:14:12.000Z",
    "tenant_id": "t_acme",
    "workflow_id": "wf_invoice_extract",
    "actor_id": "svc_ingest",
    "provider": "openai",
    "request_model": "gpt-4o-mini",
    "response_model": "gpt-4o-mini-2024-07-18",
    "input_tokens": 1284,
    "output_tokens": 412,
}


def add_worked_example(con: duckdb.DuckDBPyConnection) -> None:
    """The article's call as a fixed trace; its call span keeps the article's keys (id_mode 'A')."""
    w = WORKED_EXAMPLE
    call_ms = oracle.parse_utc_ms(w["call_at"])
    con.execute(
        """
INSERT INTO calls BY NAME SELECT
    -1 AS i, $call_ms AS call_ms, $call_ms + 1830 AS call_end_ms, $tenant AS tenant_id, $workflow AS workflow_id,
    $actor AS actor_id, false AS has_agent, 'A' AS id_mode, false AS drift_keep, false AS f_actor_drop,
    false AS f_unknown_tenant, false AS f_unregistered_workflow, false AS f_unknown_cc, false AS f_conflict,
    false AS f_snapshot, false AS f_unpriced, true AS use_system_key, $provider AS provider,
    false AS f_claim, $tenant AS edge_tenant_id, false AS f_long_context,
    $request_model AS request_model, NULL AS operation, false AS has_cache_read, false AS has_cache_write,
    false AS has_reasoning, $response_model AS response_model, NULL AS carried_cc,
    $input AS input_tokens, 0 AS cache_read_tokens, 0 AS cache_write_tokens, $output AS output_tokens,
    0 AS reasoning_tokens, 'chatcmpl-7c91f3a2worked01' AS response_id, $trace AS trace_id,
    '5e1d0c9b8a7f6e01' AS s_edge, '5e1d0c9b8a7f6e02' AS s_gateway, '5e1d0c9b8a7f6e03' AS s_router,
    '5e1d0c9b8a7f6e04' AS s_call, $call_ms AS st_call, $call_ms + 1830 AS en_call,
    $call_ms - 2 AS st_router, $call_ms + 1833 AS en_router,
    $call_ms - 5 AS st_gateway, $call_ms + 1836 AS en_gateway, $call_ms - 9 AS st_edge, $call_ms + 1841 AS en_edge
""",
        {
            "call_ms": call_ms,
            "tenant": w["tenant_id"],
            "workflow": w["workflow_id"],
            "actor": w["actor_id"],
            "provider": w["provider"],
            "request_model": w["request_model"],
            "response_model": w["response_model"],
            "input": w["input_tokens"],
            "output": w["output_tokens"],
            "trace": w["trace_id"],
        },
    )


# --------------------------------------------------------------------------
# SQL: span lines
# --------------------------------------------------------------------------

IDENTITY_VALUES = {"tenant": "tenant_id", "workflow": "workflow_id", "actor": "actor_id", "cost_center": "carried_cc"}


def identity_key_sql(field_name: str, hop: str) -> str:
    """SQL for the attribute key carrying one identity field on one hop (NULL = absent)."""
    if field_name == "cost_center":
        # Not renamed by drift; consumed with everything else when identity is lost.
        if hop == "edge":
            return "CASE WHEN id_mode <> 'N' THEN 'http.request.header.x-cost-center' END"
        return "CASE WHEN id_mode IN ('C', 'D') THEN 'cost_center' END"
    header, canon = _lit(EDGE_HEADER_KEYS[field_name]), _lit(CANONICAL_KEYS[field_name])
    edge_alias, gateway_alias, router_alias = (_lit(k) for k in DRIFT_KEYS[field_name])
    if hop == "edge":
        return f"CASE id_mode WHEN 'D' THEN {edge_alias} WHEN 'N' THEN NULL ELSE {header} END"
    drift = {"gateway": gateway_alias, "router": router_alias, "agent": router_alias}.get(
        hop, f"CASE WHEN drift_keep THEN {router_alias} END"
    )
    # The article's worked example carries the edge headers on its call span.
    article = header if hop == "call" else canon
    key = f"CASE id_mode WHEN 'C' THEN {canon} WHEN 'D' THEN {drift} WHEN 'A' THEN {article} END"
    if field_name == "actor" and hop in ("agent", "call"):
        key = f"CASE WHEN f_actor_drop THEN NULL ELSE {key} END"
    return key


def identity_value_sql(field_name: str, hop: str) -> str:
    """Column holding one identity field's value on one hop (a claim conflict differs at the edge)."""
    return "edge_tenant_id" if (field_name, hop) == ("tenant", "edge") else IDENTITY_VALUES[field_name]


@dataclass(frozen=True)
class Attr:
    """One span attribute: `key` a literal (or SQL when `dynamic`), `value` SQL; omitted when either is NULL.

    `kind`: str, int, or identity (a string; an `http.request.header.*` key is
    a header, written in OTLP as an arrayValue of one string).
    """

    key: str
    value: str
    kind: str = "str"
    when: str | None = None  # SQL condition; the attribute is omitted unless it holds
    dynamic: bool = False


@dataclass(frozen=True)
class HopSpec:
    """What one hop's span says, independent of the output format (SQL expressions)."""

    span: str
    parent: str | None
    name: str
    name_key: str  # SQL: 'name', or the article's 'span' alias (flat only; OTLP has one name field)
    kind: str  # internal | server | client
    service: str
    scope: tuple[str, str]  # OTLP instrumentation scope (name, version)
    attrs: tuple[Attr, ...]


# OTLP SpanKind numbers.
OTLP_KIND = {"internal": 1, "server": 2, "client": 3}
HEADER_PREFIX = "http.request.header."


def hop_spec(hop: str) -> HopSpec:
    """The span of one hop: envelope, attributes in emitted order, then identity keys."""
    path = "CASE WHEN operation = 'embeddings' THEN '/v1/embeddings' ELSE '/v1/chat/completions' END"
    if hop == "edge":
        head = ("s_edge", None, f"'POST ' || {path}", "'name'", "server", "edge")
        attrs = [Attr("http.request.method", "'POST'"), Attr("url.path", path),
                 Attr("http.response.status_code", "200", "int")]  # fmt: skip
    elif hop == "gateway":
        head = ("s_gateway", "s_edge", "'gateway authenticate'", "'name'", "internal", "gateway")
        attrs = [Attr("gateway.auth.method", "'api_key'")]
    elif hop == "router":
        head = ("s_router", "s_gateway", "'router route'", "'name'", "internal", "router")
        attrs = [Attr("router.target", "provider")]
    elif hop == "agent":
        head = ("s_agent", "s_router", "'invoke_agent ' || agent_name", "'name'", "internal", "agent")
        attrs = [Attr("gen_ai.operation.name", "'invoke_agent'"), Attr("gen_ai.agent.name", "agent_name")]
    else:
        # The article's row names its span with the `span` alias and has no operation.
        head = (
            "s_call", "coalesce(s_agent, s_router)",
            "CASE WHEN id_mode = 'A' THEN 'gen_ai.chat.completion' ELSE operation || ' ' || request_model END",
            "CASE WHEN id_mode = 'A' THEN 'span' ELSE 'name' END", "client", "model-client",
        )  # fmt: skip
        attrs = [
            Attr("gen_ai.operation.name", "operation"),
            Attr("CASE WHEN use_system_key THEN 'gen_ai.system' ELSE 'gen_ai.provider.name' END", "provider",
                 dynamic=True),
            Attr("gen_ai.request.model", "request_model"),
            Attr("gen_ai.response.model", "response_model"),
            Attr("gen_ai.response.id", "response_id"),
            Attr("gen_ai.usage.input_tokens", "input_tokens", "int"),
            # Embeddings report no output tokens at all, as real instrumentations do.
            Attr("gen_ai.usage.output_tokens", "output_tokens", "int", "operation IS DISTINCT FROM 'embeddings'"),
            Attr("gen_ai.usage.cache_read.input_tokens", "cache_read_tokens", "int", "has_cache_read"),
            Attr("gen_ai.usage.cache_creation.input_tokens", "cache_write_tokens", "int", "has_cache_write"),
            Attr("gen_ai.usage.reasoning.output_tokens", "reasoning_tokens", "int", "has_reasoning"),
        ]  # fmt: skip
    attrs += [
        Attr(identity_key_sql(f, hop), identity_value_sql(f, hop), "identity", dynamic=True) for f in IDENTITY_VALUES
    ]
    scope = ("llm_gateway." + head[-1].replace("-", "_"), "1.0.0")
    return HopSpec(*head, scope=scope, attrs=tuple(attrs))


def _when(attr: Attr, member: str) -> str:
    return f"CASE WHEN {attr.when} THEN {member} END" if attr.when else member


def _flat_member(attr: Attr) -> str:
    """JSON member `"key":value` of a flat line (NULL, skipped by concat_ws, when the value is NULL)."""
    if attr.kind == "identity":
        member = f"CASE WHEN {attr.value} IS NOT NULL THEN '\"' || ({attr.key}) || '\":\"' || {attr.value} || '\"' END"
    elif attr.dynamic:
        member = f"'\"' || {attr.key} || '\":\"' || {attr.value} || '\"'"
    elif attr.kind == "int":
        member = f"'\"{attr.key}\":' || {attr.value}"
    else:
        member = f"'\"{attr.key}\":\"' || {attr.value} || '\"'"
    return _when(attr, member)


def span_line_sql(hop: str) -> str:
    """SQL expression building one hop's flat JSON line (key order fixed, absent keys omitted)."""
    h = hop_spec(hop)
    members = [
        f"'\"trace_id\":\"' || trace_id || '\"'",
        f"'\"span_id\":\"' || {h.span} || '\"'",
        f"'\"parent_span_id\":\"' || {h.parent} || '\"'" if h.parent else "'\"parent_span_id\":null'",
        f"'\"' || {h.name_key} || '\":\"' || {h.name} || '\"'",
        f"'\"kind\":\"{h.kind}\"'",
        f"'\"timestamp\":\"' || iso(st_{hop}) || '\"'",
        f"'\"end_time\":\"' || iso(en_{hop}) || '\"'",
        f"'\"service.name\":\"{h.service}\"'",
        *(_flat_member(a) for a in h.attrs),
    ]
    return "'{' || concat_ws(',', " + ", ".join(members) + ") || '}'"


def _otlp_key_value(attr: Attr) -> str:
    """OTLP KeyValue JSON of one attribute (typed AnyValue), NULL when absent."""
    key_text = f"' || ({attr.key}) || '" if attr.dynamic else attr.key
    key = f"'{{\"key\":\"{key_text}\",\"value\":'"
    if attr.kind == "int":
        value = f"'{{\"intValue\":\"' || {attr.value} || '\"}}}}'"
    elif attr.kind == "identity":
        # Header captures are string arrays in OTel HTTP instrumentations.
        value = (
            f"CASE WHEN starts_with({attr.key}, '{HEADER_PREFIX}') "
            f"THEN '{{\"arrayValue\":{{\"values\":[{{\"stringValue\":\"' || {attr.value} || '\"}}]}}}}}}' "
            f"ELSE '{{\"stringValue\":\"' || {attr.value} || '\"}}}}' END"
        )
    else:
        value = f"'{{\"stringValue\":\"' || {attr.value} || '\"}}}}'"
    return _when(attr, f"{key} || {value}")


def otlp_span_sql(hop: str) -> str:
    """SQL expression building one hop's OTLP span JSON (field order as the Collector writes; ids hex; times ns)."""
    h = hop_spec(hop)
    parent = f"'\"parentSpanId\":\"' || {h.parent} || '\",' || " if h.parent else ""
    return (
        f"'{{\"traceId\":\"' || trace_id || '\",\"spanId\":\"' || {h.span} || '\",' || {parent}"
        f"'\"name\":\"' || {h.name} || '\",\"kind\":{OTLP_KIND[h.kind]},\"startTimeUnixNano\":\"' || "
        f"(st_{hop} * 1000000)::VARCHAR || '\",\"endTimeUnixNano\":\"' || (en_{hop} * 1000000)::VARCHAR || "
        f"'\",\"attributes\":[' || concat_ws(',', {', '.join(_otlp_key_value(a) for a in h.attrs)}) || "
        "'],\"status\":{}}'"
    )


def otlp_resource_prefix(hop: str) -> str:
    """Text opening one resourceSpans entry of a hop's spans: resource (service.name) and scope."""
    h = hop_spec(hop)
    return (
        '{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"' + h.service + '"}}]},'
        '"scopeSpans":[{"scope":{"name":"' + h.scope[0] + '","version":"' + h.scope[1] + '"},"spans":['
    )


def _copies_sql(plan: Plan, first_day: int, last_day: int, payload: Callable[[str], str]) -> str:
    """CTEs `today` and `copies`: each span delivered on UTC days [first_day, last_day], retries included.

    Built per slice of delivery days straight from `calls`, so memory stays
    bounded by one slice of lines. Delivery faults are drawn per span: salt
    80+hop late, 90+hop duplicate, 100+hop same-file copy; the fixed worked
    example (i < 0) is never faulted. `payload(hop)` is the SQL of each
    span's `payload` column (its line, or just the call row `i`).
    """
    r = plan.rates
    # Late spans were started the day before; hop ends trail call starts by seconds.
    lo, hi = first_day * DAY_MS - DAY_MS - 120_000, (last_day + 1) * DAY_MS + 120_000
    branches = []
    for n, hop in enumerate(HOPS):
        agent_only = " AND has_agent" if hop == "agent" else ""
        # The slice filter sits below the line expression so only delivered lines are built.
        branches.append(
            f"""
    SELECT {n} AS hop, trace_id, deliv_ms, is_dup, dup_same_file, {payload(hop)} AS payload
    FROM (
        SELECT *,
            en_{hop} + CASE WHEN i >= 0 AND u(i, {80 + n}) < {r['late_rate']} THEN {DAY_MS} ELSE 0 END AS deliv_ms,
            i >= 0 AND u(i, {90 + n}) < {r['duplicate_rate']} AS is_dup,
            u(i, {100 + n}) < 0.5 AS dup_same_file
        FROM calls WHERE call_ms >= {lo} AND call_ms < {hi}{agent_only}
    ) WHERE deliv_ms // {DAY_MS} BETWEEN {first_day} AND {last_day}"""
        )
    return f"""
today AS ({' UNION ALL '.join(branches)}
),
copies AS (
    SELECT 0 AS part, deliv_ms AS sort_ms, 0 AS copy, hop, trace_id, deliv_ms, payload FROM today
    UNION ALL
    -- A retry shows up later: in the same file, or in a retry file of the same partition.
    SELECT CASE WHEN dup_same_file THEN 0 ELSE 1 END, deliv_ms + 30000, 1, hop, trace_id, deliv_ms, payload
    FROM today WHERE is_dup
)"""


def _bucket_ms(plan: Plan) -> int:
    return 3_600_000 if plan.layout == "partitioned" else DAY_MS


def spans_sql(plan: Plan, first_day: int, last_day: int) -> str:
    """Flat span lines delivered on UTC days [first_day, last_day] (days since epoch), in file order."""
    return f"""
WITH {_copies_sql(plan, first_day, last_day, span_line_sql)}
SELECT (deliv_ms // {_bucket_ms(plan)}) * 2 + part AS file_key, 1 AS spans, 1 AS lines, payload || chr(10) AS line
FROM copies
ORDER BY file_key, sort_ms, trace_id, hop, copy
"""


def otlp_batches_sql(plan: Plan, first_day: int, last_day: int, batch_spans: int) -> str:
    """OTLP text delivered on UTC days [first_day, last_day], one row per span, in file order.

    A file's spans, in the flat format's order, are cut into batches of
    `batch_spans`, as a collector's batch processor does; a batch is one
    ExportTraceServiceRequest line with one resourceSpans entry per service
    (hop order) holding that service's spans in delivery order. No
    aggregation: batches and their framing are worked out on narrow rows
    (call row `i`, hop, order), each span's row then carries its JSON with the
    framing text before and after it, so consecutive rows make whole lines
    and memory stays that of the flat format's sort.
    """
    prefixes = " ".join(f"WHEN {n} THEN {_lit(otlp_resource_prefix(hop))}" for n, hop in enumerate(HOPS))
    spans = " ".join(f"WHEN {n} THEN {otlp_span_sql(hop)}" for n, hop in enumerate(HOPS))
    return f"""
WITH {_copies_sql(plan, first_day, last_day, lambda hop: 'i')},
numbered AS (
    SELECT file_key, hop, payload AS i,
        (row_number() OVER (PARTITION BY file_key ORDER BY sort_ms, trace_id, hop, copy) - 1) AS rn
    FROM (SELECT (deliv_ms // {_bucket_ms(plan)}) * 2 + part AS file_key, * FROM copies)
),
framed AS (
    SELECT file_key, hop, i, rn, rn // {batch_spans} AS batch,
        lag(hop) OVER batch_order AS previous_hop, lead(hop) OVER batch_order AS next_hop,
        row_number() OVER batch_order = 1 AS opens_batch,
        row_number() OVER batch_order = count(*) OVER (PARTITION BY file_key, rn // {batch_spans}) AS closes_batch
    FROM numbered
    WINDOW batch_order AS (PARTITION BY file_key, rn // {batch_spans} ORDER BY hop, rn)
)
SELECT file_key, 1 AS spans, closes_batch::INTEGER AS lines,
    CASE WHEN opens_batch THEN '{{"resourceSpans":[' ELSE '' END
    || CASE WHEN previous_hop IS NULL THEN (CASE hop {prefixes} END)
            WHEN previous_hop <> hop THEN ',' || (CASE hop {prefixes} END) ELSE ',' END
    || (CASE hop {spans} END)
    || CASE WHEN next_hop IS DISTINCT FROM hop THEN ']}}]}}' ELSE '' END
    || CASE WHEN closes_batch THEN ']}}' || chr(10) ELSE '' END AS line
FROM framed JOIN calls USING (i)
ORDER BY file_key, batch, hop, rn
"""


def file_name(file_key: int, layout: str) -> str:
    """Relative path of one output file from its (time bucket, part) key."""
    bucket, part = divmod(file_key, 2)
    if layout == "partitioned":
        at = datetime.fromtimestamp(bucket * 3600, tz=timezone.utc)
        return f"dt={at:%Y-%m-%d}/hour={at:%H}/spans-{part:03d}.jsonl"
    at = datetime.fromtimestamp(bucket * 86400, tz=timezone.utc)
    return f"spans-{at:%Y-%m-%d}-{part:03d}.jsonl"


def _file_runs(batch: pa.RecordBatch) -> Iterator[tuple[int, memoryview]]:
    """(file_key, bytes of its lines) for each run of equal file_key in a batch.

    The lines already end in a newline, so a run is one slice of the Arrow
    string buffer: no Python object per span.
    """
    lines = batch.column("line")
    if not (pa.types.is_string(lines.type) or pa.types.is_large_string(lines.type)):
        lines = lines.cast(pa.large_string())
    _, offsets_buffer, data = lines.buffers()
    offsets = memoryview(offsets_buffer).cast("q" if pa.types.is_large_string(lines.type) else "i")
    runs = pc.run_end_encode(batch.column("file_key"))
    start = 0
    for key, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist()):
        first, last = lines.offset + start, lines.offset + end
        yield key, memoryview(data)[offsets[first] : offsets[last]]
        start = end


def day_slices(con: duckdb.DuckDBPyConnection, max_calls: int = 400_000) -> list[tuple[int, int]]:
    """Consecutive delivery-day ranges of at most ~max_calls calls each.

    One query per slice: small runs need a single query (planning the big
    line expression costs more than running it), large runs stay bounded.
    """
    per_day = dict(con.execute(f"SELECT call_ms // {DAY_MS}, count(*) FROM calls GROUP BY 1").fetchall())
    if not per_day:
        return []
    slices, start, total = [], min(per_day), 0
    last = max(per_day) + 1  # late spans land a day after the last call
    for day in range(min(per_day), last + 1):
        if total and total + per_day.get(day, 0) > max_calls:
            slices.append((start, day - 1))
            start, total = day, 0
        total += per_day.get(day, 0)
    slices.append((start, last))
    return slices


def _write_files(
    con: duckdb.DuckDBPyConnection, plan: Plan, out: Path, sql: Callable[[int, int], str]
) -> tuple[int, int]:
    """Write the files slice by slice from one ordered stream each; returns (spans, lines) written."""
    spans, lines, current, handle = 0, 0, None, None
    try:
        for first_day, last_day in day_slices(con):
            for batch in con.sql(sql(first_day, last_day)).to_arrow_reader(65_536):
                spans += pc.sum(batch.column("spans")).as_py() or 0
                lines += pc.sum(batch.column("lines")).as_py() or 0
                for key, chunk in _file_runs(batch):
                    if key != current:
                        if handle is not None:
                            handle.close()
                        path = out / file_name(key, plan.layout)
                        path.parent.mkdir(parents=True, exist_ok=True)
                        handle, current = path.open("wb"), key
                    handle.write(chunk)
    finally:
        if handle is not None:
            handle.close()
    return spans, lines


def write_jsonl(con: duckdb.DuckDBPyConnection, plan: Plan, out: Path, args: argparse.Namespace) -> tuple[int, int]:
    """Flat JSONL: one span per line."""
    return _write_files(con, plan, out, lambda first, last: spans_sql(plan, first, last))


def write_otlp(con: duckdb.DuckDBPyConnection, plan: Plan, out: Path, args: argparse.Namespace) -> tuple[int, int]:
    """OTLP JSON as the Collector file exporter writes it: one ExportTraceServiceRequest per line."""
    return _write_files(con, plan, out, lambda first, last: otlp_batches_sql(plan, first, last, args.otlp_batch_spans))


# Writers per --format, all fed by the same `calls` table and hop specs.
WRITERS = {"jsonl": write_jsonl, "otlp": write_otlp}


# --------------------------------------------------------------------------
# Ledger
# --------------------------------------------------------------------------

# Columns passed straight from SQL (truth) and computed by the oracle (expected).
TRUTH_COLUMNS = (
    "call_id", "trace_id", "span_id", "call_at",
    "true_tenant_id", "true_cost_center", "true_workflow_id", "true_actor_id", "true_carried_cost_center",
    "provider", "request_model", "response_model", "operation",
    "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
    "injected_faults",
)  # fmt: skip
EXPECTED_COLUMNS = (
    "expected_tenant_id", "expected_tenant_source_key", "expected_tenant_source_depth",
    "expected_workflow_id", "expected_workflow_source_key", "expected_actor_id", "expected_actor_source_key",
    "expected_trace_cost_center", "expected_cost_center_source_key",
    "expected_identity_conflict", "expected_claimed_tenant_id",
    "expected_pricing_provider", "expected_priced_model", "expected_pricing_status",
    "expected_list_cost_usd", "expected_cost_usd", "expected_contract_id", "expected_billed",
    "expected_cost_center", "expected_attribution_status", "expected_reasons", "expected_cost_center_conflict",
)  # fmt: skip
BOOL_COLUMNS = frozenset({"expected_identity_conflict", "expected_billed", "expected_cost_center_conflict"})
LEDGER_COLUMNS = TRUTH_COLUMNS + EXPECTED_COLUMNS

FAULT_LABELS = {
    "id_mode = 'L'": "identity_lost",
    "id_mode = 'N'": "anonymous",
    "id_mode = 'D' AND drift_keep": "schema_drift_kept_alias",
    "id_mode = 'D' AND NOT drift_keep": "schema_drift_dropped",
    "f_claim": "tenant_claim_conflict",
    "f_actor_drop": "agent_actor_missing",
    "f_unknown_tenant": "unknown_tenant",
    "f_unregistered_workflow": "unregistered_workflow",
    "f_unknown_cc": "unknown_cost_center",
    "f_conflict": "cost_center_conflict",
    "f_snapshot AND NOT f_unpriced": "snapshot_model",
    "f_unpriced": "unpriced_model",
    "f_long_context": "long_context",
    "boundary_kind = 'price'": "price_change_boundary",
    "boundary_kind = 'cost_center'": "cost_center_move_boundary",
}
# The call's ancestry, nearest first, with each hop's service.name.
CHAIN = (("call", "model-client"), ("agent", "agent"), ("router", "router"), ("gateway", "gateway"), ("edge", "edge"))


def _ledger_sql(plan: Plan) -> str:
    r = plan.rates
    labels = [f"CASE WHEN {cond} THEN '{label}' END" for cond, label in FAULT_LABELS.items()]
    # Same draws as spans_sql for hop 4 (the model call).
    labels.append(f"CASE WHEN i >= 0 AND u(i, 94) < {r['duplicate_rate']} THEN 'duplicate_call_span' END")
    labels.append(f"CASE WHEN i >= 0 AND u(i, 84) < {r['late_rate']} THEN 'late_call_span' END")
    hop_keys = ", ".join(
        f"({identity_key_sql(f, hop)}) AS key_{f}_{hop}, {identity_value_sql(f, hop)} AS value_{f}_{hop}"
        for hop, _ in CHAIN
        for f in IDENTITY_VALUES
    )
    return f"""
SELECT trace_id || ':' || s_call AS call_id, trace_id, s_call AS span_id, iso(call_ms) AS call_at,
    tenant_id AS true_tenant_id, NULL::VARCHAR AS true_cost_center, workflow_id AS true_workflow_id,
    actor_id AS true_actor_id, carried_cc AS true_carried_cost_center,
    provider, request_model, response_model, operation,
    input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
    concat_ws(';', {', '.join(labels)}) AS injected_faults,
    call_ms, tenant_id, carried_cc, has_agent, {hop_keys}
FROM calls ORDER BY call_ms, trace_id
"""


class LedgerOracle:
    """Expected ledger columns for batches of calls, via attribution_oracle.

    Identity is resolved over the call span and its ancestors (with
    `recover` false, the call span only). Cached: the model resolution per
    (provider, model); attribution per (hop keys and values with actor
    values masked, policy epoch, pricing status), since the generator sends
    one actor per trace and the rules only ask whether an actor is present.
    """

    def __init__(
        self,
        policy: oracle.Policy,
        prices: oracle.PriceOracle,
        project: oracle.ProjectVars,
        identity: oracle.IdentityResolver,
    ) -> None:
        self.policy, self.prices, self.project, self.identity = policy, prices, project, identity
        aliases = project.identity_aliases
        other = {k for name, keys in aliases.items() if name != "actor_id" for k in keys}
        self._actor_keys = frozenset(aliases["actor_id"]) - other
        self._attributions: dict[tuple, tuple] = {}
        self._true_ccs: dict[tuple, str | None] = {}

    def _attribution(
        self, chain: list[oracle.Hop], call_ms: int, pricing_status: str
    ) -> tuple[oracle.Attribution, dict[str, oracle.Resolved], str | None]:
        """(attribution, resolved fields, actor id); the cached attribution's actor_id is the mask."""
        masked = tuple(
            (hop.service, tuple((k, "*" if k in self._actor_keys else v) for k, v in hop.attrs.items()))
            for hop in chain
        )
        key = (masked, self.policy.epoch(call_ms), pricing_status)
        got = self._attributions.get(key)
        if got is None:
            masked_chain = [oracle.Hop(service, dict(attrs)) for service, attrs in masked]
            resolved, conflict = self.identity.resolve(masked_chain, call_ms)
            got = (oracle.attribute(resolved, call_ms, self.policy, pricing_status, conflict), resolved)
            self._attributions[key] = got
        attribution, resolved = got
        actor = resolved["actor_id"]
        actor_id = str(chain[actor.depth].attrs[actor.key]).strip() if actor.key is not None else None
        return attribution, resolved, actor_id

    def _true_cc(self, tenant: str | None, carried_cc: str | None, call_ms: int) -> str | None:
        key = (tenant, carried_cc, self.policy.epoch(call_ms))
        if key not in self._true_ccs:
            self._true_ccs[key] = oracle.true_cost_center(self.policy, tenant, carried_cc, call_ms)
        return self._true_ccs[key]

    def expected(self, c: dict[str, list]) -> tuple[list[str | None], dict[str, Sequence]]:
        """(true cost centers, expected columns) for one batch of ledger source columns."""
        out_rows: list[tuple] = []
        true_ccs: list[str | None] = []
        hop_columns = [
            (hop, service, [(c[f"key_{f}_{hop}"], c[f"value_{f}_{hop}"]) for f in IDENTITY_VALUES])
            for hop, service in CHAIN
        ]
        tokens = zip(*(c[f"{t}_tokens"] for t in oracle.TOKEN_TYPES))
        rows = zip(c["call_ms"], c["provider"], c["request_model"], c["response_model"], c["tenant_id"],
                   c["carried_cc"], c["has_agent"], tokens)  # fmt: skip
        fmt = oracle.format_decimal
        for n, (call_ms, provider, request_model, response_model, tenant, carried_cc, has_agent, token_row) in (
            enumerate(rows)
        ):
            priced = self.prices.price(provider, request_model, response_model, call_ms, oracle.Tokens(*token_row))
            chain = [
                oracle.Hop(service, {keys[n]: values[n] for keys, values in pairs if keys[n] is not None
                                     and values[n] is not None})
                for hop, service, pairs in hop_columns
                if hop != "agent" or has_agent
            ]  # fmt: skip
            got, resolved, actor = self._attribution(chain, call_ms, priced.pricing_status)
            true_ccs.append(self._true_cc(tenant, carried_cc, call_ms))
            billed = priced.pricing_status != "invalid_usage"
            conflict = got.identity_conflict
            out_rows.append((
                got.tenant_id, resolved["tenant_id"].key, resolved["tenant_id"].depth,
                got.workflow_id, resolved["workflow_id"].key, actor, resolved["actor_id"].key,
                got.trace_cost_center, resolved["cost_center"].key,
                conflict is not None, conflict.claimed_tenant_id if conflict else None,
                priced.pricing_provider, priced.priced_model, priced.pricing_status,
                fmt(priced.list_cost_usd) or None, fmt(priced.cost_usd) or None, priced.contract_id, billed,
                got.cost_center, got.status, ";".join(got.reasons) or None, got.cost_center_conflict,
            ))  # fmt: skip
        columns = list(zip(*out_rows)) or [() for _ in EXPECTED_COLUMNS]
        return true_ccs, dict(zip(EXPECTED_COLUMNS, columns))


def _arrow_type(name: str) -> pa.DataType:
    if name in BOOL_COLUMNS:
        return pa.bool_()
    return pa.int64() if name.endswith("_depth") else pa.string()


def write_ledger(con: duckdb.DuckDBPyConnection, plan: Plan, ledger: LedgerOracle, path: Path) -> int:
    """Stream calls in batches: truth columns pass through Arrow, the oracle adds expected ones."""
    needed = ["call_ms", "provider", "request_model", "response_model", "tenant_id", "carried_cc", "has_agent",
              *(f"{kind}_{f}_{hop}" for hop, _ in CHAIN for f in IDENTITY_VALUES for kind in ("key", "value")),
              "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
              "reasoning_tokens"]  # fmt: skip
    count = 0
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    with path.open("wb") as handle:
        handle.write((",".join(LEDGER_COLUMNS) + "\n").encode())
        writer = None
        for batch in con.sql(_ledger_sql(plan)).to_arrow_reader(100_000):
            columns = {name: batch.column(name).to_pylist() for name in needed}
            true_ccs, expected = ledger.expected(columns)
            arrays = [batch.column(name) for name in TRUTH_COLUMNS]
            arrays[TRUTH_COLUMNS.index("true_cost_center")] = pa.array(true_ccs, pa.string())
            arrays += [pa.array(expected[name], _arrow_type(name)) for name in EXPECTED_COLUMNS]
            table = pa.Table.from_arrays(arrays, names=list(LEDGER_COLUMNS))
            if writer is None:
                writer = pa_csv.CSVWriter(handle, table.schema, write_options=options)
            writer.write_table(table)
            count += batch.num_rows
        if writer is not None:
            writer.close()
    return count


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def clear_previous_output(out: Path) -> None:
    """Remove only files this script writes, so a rerun never mixes old spans in."""
    for path in [*out.glob("spans-*.jsonl"), *out.glob("dt=*/hour=*/spans-*.jsonl"), out / "ledger.csv"]:
        path.unlink(missing_ok=True)
    for hour_dir in sorted(out.glob("dt=*/hour=*")) + sorted(out.glob("dt=*")):
        if hour_dir.is_dir() and not any(hour_dir.iterdir()):
            hour_dir.rmdir()


def generate(args: argparse.Namespace) -> tuple[int, int, int]:
    """Write spans and ledger for parsed options; returns (spans, lines, calls)."""
    project = oracle.ProjectVars.load(args.project_file)
    policy = oracle.Policy.load(args.seeds_dir)
    book = oracle.PriceBook.load(args.seeds_dir)
    prices = oracle.PriceOracle(args.seeds_dir, project)
    identity = oracle.IdentityResolver(project, oracle.load_virtual_keys(args.seeds_dir), args.expect_lineage_recovery)
    plan = build_plan(args, policy, book, prices)
    args.out.mkdir(parents=True, exist_ok=True)
    clear_previous_output(args.out)
    spill = Path(tempfile.mkdtemp(prefix="generate_traces_"))
    try:
        config = {"temp_directory": str(spill), "preserve_insertion_order": True}
        if args.threads:
            config["threads"] = args.threads
        con = duckdb.connect(config=config)
        setup_sql(con, plan, policy)
        create_calls(con, plan)
        if args.worked_example:
            add_worked_example(con)
        # The ledger loop is Python while span writing runs inside DuckDB (GIL
        # released), so the two overlap; each writes its own files.
        with ThreadPoolExecutor(max_workers=1) as pool:
            ledger = pool.submit(
                write_ledger, con.cursor(), plan, LedgerOracle(policy, prices, project, identity),
                args.out / "ledger.csv",
            )
            spans, lines = WRITERS[args.format](con, plan, args.out, args)
            calls = ledger.result()
        con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    return spans, lines, calls


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    spans, lines, calls = generate(args)
    elapsed = time.perf_counter() - started
    rate = spans / elapsed if elapsed > 0 else float("inf")
    print(
        f"wrote {spans} spans in {lines} {args.format} lines ({calls} model calls) to {args.out} "
        f"in {elapsed:.1f}s: {rate:,.0f} spans/s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
