"""Tests for scripts/generate_traces.py: determinism, faults, trace shape, ledger truth.

Fault effects are detected from the written files (and the seeds), not from the
generator's own labels, so a fault that is labelled but not emitted fails.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import attribution_oracle as oracle  # noqa: E402
from attribution_reasons import REASONS  # noqa: E402
import generate_traces as gen  # noqa: E402

SEEDS = REPO / "seeds"
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")
DRIFT_KEYS = {"tenant", "tenantId", "customer_id", "workflow", "workflowId", "job_id", "actor", "actorId", "user_id"}
EXPECTED_IDENTITY = {
    "tenant_id": "expected_tenant_id",
    "workflow_id": "expected_workflow_id",
    "actor_id": "expected_actor_id",
    "cost_center": "expected_trace_cost_center",
}
# A 61-day window holds the seeds' cost-center moves (2026-05-15, -06-01) and a price change (2026-06-16).
BASE = ["--calls", "150", "--days", "61", "--start", "2026-05-01", "--seed", "3", "--layout", "flat"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def ms(text: str) -> int:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)


@dataclass
class Output:
    """Everything a run wrote, parsed."""

    root: Path
    files: dict[str, bytes]
    lines: list[tuple[str, dict]]  # (file, span) in file order, duplicates kept
    ledger: list[dict[str, str]]

    @property
    def spans(self) -> dict[tuple[str, str], dict]:
        return {(s["trace_id"], s["span_id"]): s for _, s in self.lines}

    def traces(self) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = defaultdict(list)
        for span in self.spans.values():
            grouped[span["trace_id"]].append(span)
        return grouped


def generate(out: Path, *args: str) -> Output:
    assert gen.main([*args, "--out", str(out)]) == 0
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    lines = [
        (name, json.loads(line))
        for name, data in files.items()
        if name.endswith(".jsonl")
        for line in data.decode().splitlines()
    ]
    return Output(out, files, lines, read_csv(out / "ledger.csv"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Output:
    return generate(tmp_path_factory.mktemp("clean"), *BASE)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Output:
    args = [*BASE, "--all-faults", "--worked-example", "--layout", "partitioned", "--calls", "400"]
    return generate(tmp_path_factory.mktemp("faulty"), *args)


# --------------------------------------------------------------------------
# Seeds, read independently of the generator
# --------------------------------------------------------------------------

POLICY = read_csv(oracle.seed_csv(SEEDS, "cost_center_policy"))
REGISTRY = {r["workflow_id"] for r in read_csv(oracle.seed_csv(SEEDS, "workflow_registry"))}
PRICES = read_csv(oracle.seed_csv(SEEDS, "llm_prices"))
TAXONOMY = {r["cost_center"] for r in POLICY}
ALIASES = {
    name: [r["alias_key"] for r in sorted(
        (r for r in read_csv(SEEDS / "mappings" / "attribute_aliases.csv") if r["field"] == name),
        key=lambda r: int(r["priority"]))]
    for name in ("tenant_id", "cost_center", "workflow_id", "actor_id", "actor_type")
}
CHANGE_INSTANTS = {
    ms(t)
    for r in PRICES
    for t in (r["effective_from"], r["effective_to"])
    if t
} | {ms(t) for r in POLICY for t in (r["valid_from"], r["valid_to"]) if t}  # fmt: skip


def policy_cc(tenant: str | None, at: int) -> str | None:
    for r in POLICY:
        if r["tenant_id"] == tenant and ms(r["valid_from"]) <= at and (not r["valid_to"] or at < ms(r["valid_to"])):
            return r["cost_center"]
    return None


PROVIDER_IDS = {r["alias_provider"]: r["provider"] for r in read_csv(oracle.seed_csv(SEEDS, "llm_provider_aliases"))}


def genai_list_cost(provider: str, model: str, at: str, tokens: dict[str, int]) -> Decimal | None:
    """calc_price of genai-prices itself, without the oracle's code; None when it cannot price."""
    usage = Usage(input_tokens=tokens["input"], cache_read_tokens=tokens["cache_read"],
                  cache_write_tokens=tokens["cache_write"], output_tokens=tokens["output"],
                  output_reasoning_tokens=tokens["reasoning"])  # fmt: skip
    when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    try:
        return calc_price(usage, model, provider_id=PROVIDER_IDS.get(provider, provider),
                          genai_request_timestamp=when).total_price  # fmt: skip
    except LookupError:
        return None


def canonical(span: dict, field_name: str) -> str | None:
    return next((span[k] for k in ALIASES[field_name] if str(span.get(k) or "").strip()), None)


def ancestry(spans: dict[tuple[str, str], dict], span: dict) -> list[dict]:
    """The span, its parent, grandparent, ... as delivered."""
    chain = [span]
    while chain[-1].get("parent_span_id"):
        chain.append(spans[(span["trace_id"], chain[-1]["parent_span_id"])])
    return chain


def identity_keys(span: dict) -> set[str]:
    return {k for keys in ALIASES.values() for k in keys if k in span} | (DRIFT_KEYS & span.keys())


# --------------------------------------------------------------------------
# Fault effects, detected from the output alone
# --------------------------------------------------------------------------


def detect_faults(out: Output) -> set[str]:
    """Names of the FAULTS whose effect is visible in the files and ledger."""
    found: set[str] = set()
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, span in out.lines:
        key = (span["trace_id"], span["span_id"])
        if key in seen:
            found.add("duplicate_rate")
        seen[key].add(name)
        file_day = re.search(r"(\d{4}-\d{2}-\d{2})", name).group(1)
        if file_day != span["end_time"][:10]:
            found.add("late_rate")
        if DRIFT_KEYS & span.keys():
            found.add("schema_drift_rate")
        cc = canonical(span, "cost_center")
        if cc is not None and cc not in TAXONOMY:
            found.add("unknown_cost_center_rate")
    for spans in out.traces().values():
        by_service = {s["service.name"]: s for s in spans}
        edge, gateway, router = by_service["edge"], by_service["gateway"], by_service["router"]
        if identity_keys(edge) and not identity_keys(gateway):
            found.add("identity_loss_rate")
        if not any(identity_keys(s) for s in spans):
            found.add("anonymous_rate")
        claimed = edge.get("http.request.header.x-tenant") or edge.get("tenant")
        below = canonical(gateway, "tenant_id")
        if claimed and below and claimed != below:
            found.add("tenant_claim_conflict_rate")
        agent = by_service.get("agent")
        if agent and canonical(router, "actor_id") and not canonical(agent, "actor_id"):
            found.add("agent_actor_missing_rate")
    for row in out.ledger:
        at = ms(row["call_at"])
        if row["true_tenant_id"] not in {r["tenant_id"] for r in POLICY}:
            found.add("unknown_tenant_rate")
        if row["true_workflow_id"] not in REGISTRY:
            found.add("unregistered_workflow_rate")
        carried, owner = row["true_carried_cost_center"], policy_cc(row["true_tenant_id"], at)
        if carried in TAXONOMY and owner and carried != owner:
            found.add("cost_center_conflict_rate")
        snapshot = row["response_model"] != row["request_model"] and SNAPSHOT.search(row["response_model"])
        if snapshot and row["expected_pricing_status"] == "priced":
            found.add("snapshot_model_rate")
        if row["expected_pricing_status"] == "unpriced":
            found.add("unpriced_model_rate")
        if int(row["input_tokens"]) >= 100_000:
            found.add("long_context_rate")
        if any(at - t in gen.BOUNDARY_OFFSETS_MS for t in CHANGE_INSTANTS):
            found.add("boundary_rate")
    return found


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_help_lists_every_option() -> None:
    parser = gen.build_parser()
    text = parser.format_help()
    options = {o for action in parser._actions for o in action.option_strings}
    for option in options:
        assert option in text
    required = {"--calls", "--days", "--start", "--tenants", "--format", "--out", "--seed", "--layout", "--all-faults"}
    required |= {"--" + name.replace("_", "-") for name in gen.FAULTS}
    assert required <= options
    assert "dt=YYYY-MM-DD/hour=HH/spans-000.jsonl" in text and "ledger.csv" in text


def test_same_seed_gives_identical_bytes(faulty: Output, tmp_path: Path) -> None:
    args = [*BASE, "--all-faults", "--worked-example", "--layout", "partitioned", "--calls", "400"]
    again = generate(tmp_path / "again", *args, "--threads", "1")
    assert again.files == faulty.files
    other = generate(tmp_path / "other", *[a if a != "3" else "4" for a in args])
    assert other.files != faulty.files


def test_clean_run_has_no_fault(clean: Output) -> None:
    assert detect_faults(clean) == set()
    assert all(not row["injected_faults"] and not row["expected_reasons"] for row in clean.ledger)
    assert {row["expected_attribution_status"] for row in clean.ledger} == {"attributed"}
    assert len(clean.lines) == len(clean.spans)


@pytest.mark.parametrize("fault", sorted(gen.FAULTS))
def test_each_fault_alone_appears(fault: str, tmp_path: Path) -> None:
    rate = "0.3" if fault != "unknown_cost_center_rate" else "0.5"
    # 21 days still hold the 2026-05-15 move.
    args = [*BASE, "--calls", "100", "--days", "21", "--cost-center-share", "0.5"]
    out = generate(tmp_path, *args, "--" + fault.replace("_", "-"), rate)
    assert detect_faults(out) == {fault}


def test_all_faults_run_shows_every_fault_and_reason(faulty: Output) -> None:
    assert detect_faults(faulty) == set(gen.FAULTS)
    reasons = {r for row in faulty.ledger for r in row["expected_reasons"].split(";") if r}
    assert reasons == REASONS


def test_drift_keeps_or_drops_alias_on_call_span(faulty: Output) -> None:
    chains = {"tenant": "edge", "tenantId": "gateway", "customer_id": "router"}
    kept = dropped = 0
    for spans in faulty.traces().values():
        by_service = {s["service.name"]: s for s in spans}
        if "tenant" not in by_service["edge"]:
            continue
        for key, service in chains.items():
            assert key in by_service[service]
        call = by_service["model-client"]
        kept += "customer_id" in call
        dropped += not identity_keys(call) - {"cost_center"}
    assert kept and dropped


def test_trace_shape_parent_links_and_timing(faulty: Output) -> None:
    chain = ["edge", "gateway", "router", "agent", "model-client"]
    for trace_id, spans in faulty.traces().items():
        assert HEX32.match(trace_id)
        by_id = {s["span_id"]: s for s in spans}
        roots = [s for s in spans if s["parent_span_id"] is None]
        assert len(roots) == 1 and roots[0]["service.name"] == "edge"
        services = []
        span = next(s for s in spans if s["service.name"] == "model-client")
        while span is not None:
            assert HEX16.match(span["span_id"])
            assert ISO_MS.match(span.get("timestamp", "")) and ISO_MS.match(span["end_time"])
            services.append(span["service.name"])
            parent = by_id.get(span["parent_span_id"]) if span["parent_span_id"] else None
            if span["parent_span_id"]:
                assert parent is not None, "dangling parent link"
                assert ms(parent["timestamp"]) < ms(span["timestamp"]) and ms(span["end_time"]) < ms(parent["end_time"])
            span = parent
        assert len(services) == len(spans)
        assert services[::-1] == [s for s in chain if s in services] and len(services) in (4, 5)
        agent = by_id.get(next((s["span_id"] for s in spans if s["service.name"] == "agent"), ""))
        if agent:
            assert agent["name"].startswith("invoke_agent ") and agent["gen_ai.operation.name"] == "invoke_agent"


def test_duplicates_are_identical_lines(faulty: Output) -> None:
    seen: dict[tuple[str, str], dict] = {}
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, span in faulty.lines:
        key = (span["trace_id"], span["span_id"])
        assert seen.setdefault(key, span) == span
        places[key].append(name)
    copies = [p for p in places.values() if len(p) > 1]
    assert any(len(set(p)) == 1 for p in copies), "no duplicate inside one file"
    assert any(len(set(p)) > 1 for p in copies), "no duplicate across files"


def test_ledger_matches_call_spans(faulty: Output) -> None:
    spans = faulty.spans
    assert len({row["call_id"] for row in faulty.ledger}) == len(faulty.ledger)
    calls = [s for s in spans.values() if s["service.name"] == "model-client"]
    assert len(calls) == len(faulty.ledger)
    for row in faulty.ledger:
        span = spans[(row["trace_id"], row["span_id"])]
        assert row["call_id"] == f"{row['trace_id']}:{row['span_id']}" and row["call_at"] == span["timestamp"]
        assert span.get("gen_ai.response.model") == row["response_model"]
        assert int(span["gen_ai.usage.input_tokens"]) == int(row["input_tokens"])
        assert int(span.get("gen_ai.usage.output_tokens", 0)) == int(row["output_tokens"])
        assert int(row["input_tokens"]) >= int(row["cache_read_tokens"]) + int(row["cache_write_tokens"])
        assert int(row["output_tokens"]) >= int(row["reasoning_tokens"])
        # With lineage recovery, a value the call span carries wins unless a more trusted hop disagrees;
        # a field any hop carries is never missing.
        chain = ancestry(spans, span)
        for field_name, column in EXPECTED_IDENTITY.items():
            own = canonical(span, field_name)
            if own is not None and row["expected_identity_conflict"] == "false":
                assert own == row[column], (field_name, row["call_id"])
            assert bool(row[column]) == any(canonical(s, field_name) for s in chain), (field_name, row["call_id"])


def test_ledger_costs_recomputed(faulty: Output) -> None:
    overrides = {(r["provider"], r["model"]) for r in read_csv(oracle.seed_csv(SEEDS, "llm_price_overrides"))}
    contracts = {r["provider"]: Decimal(r["discount_pct"]) for r in read_csv(oracle.seed_csv(SEEDS, "negotiated_prices"))}
    for row in faulty.ledger:
        tokens = {t: int(row[f"{t}_tokens"]) for t in oracle.TOKEN_TYPES}
        model = row["response_model"] or row["request_model"]
        cost = genai_list_cost(row["provider"], model, row["call_at"], tokens)
        if (row["provider"], model) in overrides:
            assert row["expected_pricing_status"] == "priced"
        elif cost is None:
            assert row["expected_cost_usd"] == "" and row["expected_pricing_status"] == "unpriced"
            assert "unpriced_model" in row["expected_reasons"].split(";")
        else:
            assert Decimal(row["expected_list_cost_usd"]) == cost and row["expected_pricing_status"] == "priced"
        if row["expected_contract_id"]:
            discount = contracts[row["expected_pricing_provider"]]
            want = Decimal(row["expected_list_cost_usd"]) * (1 - discount / 100)
            assert abs(Decimal(row["expected_cost_usd"]) - want) < Decimal("1e-14")
        else:
            assert row["expected_cost_usd"] == row["expected_list_cost_usd"]


def test_ledger_outcome_follows_rules(faulty: Output) -> None:
    for row in faulty.ledger:
        at, tenant, trace_cc = ms(row["call_at"]), row["expected_tenant_id"], row["expected_trace_cost_center"]
        owner = policy_cc(tenant, at) if tenant else None
        reasons = row["expected_reasons"].split(";") if row["expected_reasons"] else []
        assert reasons == sorted(set(reasons)) and set(reasons) <= REASONS
        assert ("missing_tenant" in reasons) == (not tenant)
        assert ("unmapped_tenant" in reasons) == bool(tenant and owner is None)
        assert ("unknown_cost_center" in reasons) == bool(trace_cc and trace_cc not in TAXONOMY)
        assert ("missing_workflow" in reasons) == (not row["expected_workflow_id"])
        assert ("unregistered_workflow" in reasons) == bool(row["expected_workflow_id"] not in REGISTRY | {""})
        assert ("missing_actor" in reasons) == (not row["expected_actor_id"])
        resolved = owner or (trace_cc if trace_cc in TAXONOMY else "")
        assert row["expected_cost_center"] == resolved
        status = "unattributed" if not resolved else "partially_attributed" if reasons else "attributed"
        assert row["expected_attribution_status"] == status
        assert (row["expected_cost_center_conflict"] == "true") == bool(owner and trace_cc and owner != trace_cc)


def test_cached_ledger_equals_plain_oracle(faulty: Output) -> None:
    project = oracle.ProjectVars.load(REPO / "dbt_project.yml")
    policy, prices = oracle.Policy.load(SEEDS), oracle.PriceOracle(SEEDS, project)
    resolver = oracle.IdentityResolver(project, oracle.load_virtual_keys(SEEDS))
    spans = faulty.spans
    for row in faulty.ledger:
        span = spans[(row["trace_id"], row["span_id"])]
        at = ms(row["call_at"])
        tokens = oracle.Tokens(*(int(row[f"{t}_tokens"]) for t in oracle.TOKEN_TYPES))
        priced = prices.price(row["provider"], row["request_model"], row["response_model"], at, tokens)
        chain = [oracle.Hop(s["service.name"], s) for s in ancestry(spans, span)]
        resolved, conflict = resolver.resolve(chain, at)
        got = oracle.attribute(resolved, at, policy, priced.pricing_status, conflict)
        assert oracle.format_decimal(priced.cost_usd) == row["expected_cost_usd"]
        assert (got.cost_center or "", got.status, ";".join(got.reasons), got.actor_id or "",
                got.tenant_id or "", str(conflict is not None).lower()) == (
            row["expected_cost_center"], row["expected_attribution_status"], row["expected_reasons"],
            row["expected_actor_id"], row["expected_tenant_id"], row["expected_identity_conflict"],
        )  # fmt: skip


def test_worked_example(faulty: Output) -> None:
    row = next(r for r in faulty.ledger if r["trace_id"].startswith("7c91f3a2"))
    assert (row["request_model"], row["input_tokens"], row["output_tokens"]) == ("gpt-4o-mini", "1284", "412")
    assert row["call_at"] == "2026-05-29T06:14:12.000Z"
    assert row["expected_cost_usd"] == "0.0004398"  # 1284 x 0.15 + 412 x 0.60 per million
    assert row["expected_cost_center"] == "cc_acme_invoice_ops" and row["expected_attribution_status"] == "attributed"
    span = faulty.spans[(row["trace_id"], row["span_id"])]
    assert span["http.request.header.x-tenant"] == "t_acme" and span["gen_ai.system"] == "openai"


def test_boundary_calls_straddle_each_change(tmp_path: Path) -> None:
    out = generate(tmp_path, *BASE, "--boundary-rate", "0.5")
    sides: dict[int, set[bool]] = defaultdict(set)
    for row in out.ledger:
        at = ms(row["call_at"])
        for t in CHANGE_INSTANTS:
            if at - t in gen.BOUNDARY_OFFSETS_MS:
                sides[t].add(at >= t)
    # cost-center moves of t_globex and t_wayne; mistral-medium-latest's price change (genai-prices)
    moves = {ms("2026-05-15 00:00:00"), ms("2026-06-01 00:00:00"), ms("2026-06-16 00:00:00")}
    assert moves <= {t for t, s in sides.items() if s == {False, True}}


def test_bundled_sample_is_reproducible(tmp_path: Path) -> None:
    doc = gen.__doc__ or ""
    command = re.search(r"python scripts/generate_traces\.py(.*?)\n\n", doc, re.S).group(1).replace("\\\n", " ")
    args = shlex.split(command)
    del args[args.index("--out") : args.index("--out") + 2]
    out = generate(tmp_path / "sample", *args)
    sample = REPO / "data" / "sample"
    committed = {p.name: p.read_bytes() for p in sorted(sample.iterdir()) if p.is_file()}
    assert out.files == committed
    assert sum(len(b) for b in committed.values()) < 1_000_000
    assert all("/" not in name for name in committed)  # flat: matches data/sample/*.jsonl
    reasons = {r for row in out.ledger for r in row["expected_reasons"].split(";") if r}
    assert reasons == REASONS
    assert any(row["expected_cost_center_conflict"] == "true" for row in out.ledger)
    assert any(row["expected_cost_usd"] == "0.0004398" for row in out.ledger)


def test_tenants_option_takes_count_or_list(tmp_path: Path) -> None:
    first_two = list(dict.fromkeys(r["tenant_id"] for r in POLICY))[:2]
    out = generate(tmp_path / "count", "--calls", "40", "--tenants", "2", "--layout", "flat")
    assert {row["true_tenant_id"] for row in out.ledger} == set(first_two)
    out = generate(tmp_path / "list", "--calls", "40", "--tenants", "t_acme,t_newco", "--layout", "flat")
    assert {row["true_tenant_id"] for row in out.ledger} == {"t_acme", "t_newco"}
    newco = [row for row in out.ledger if row["true_tenant_id"] == "t_newco"]
    assert all(row["expected_reasons"] == "unmapped_tenant" for row in newco)
