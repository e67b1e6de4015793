"""Identity recovery along the trace, conflicts and field survival, end to end.

Builds the project on a small generated scenario (flat JSONL, docs/attribution_rules.md)
whose truth is known: which hop drops each identity field, which calls only an
ancestor can attribute, a spoofed tenant header under another tenant's virtual key,
an orphan call, a parent cycle, and spans of one trace split across two files.
Also runs analyses/defend_request.sql against a build of the bundled sample.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dbt_runner import DbtRun, run_dbt


EDGE, GATEWAY, ROUTER, MODEL = "edge", "gateway", "router", "model-client"
EDGE_HOP = "edge / POST /v1/chat"
GATEWAY_HOP = "gateway / gateway.route"
ROUTER_HOP = "router / router.dispatch"


@dataclass
class Truth:
    """What the ledger of the scenario says each call must get."""

    tenant: dict[str, str | None] = field(default_factory=dict)
    cost_center: dict[str, str] = field(default_factory=dict)
    spoofed_call: str = ""
    orphan_call: str = ""
    cycle_call: str = ""
    normal_calls: list[str] = field(default_factory=list)


def _span(trace: str, span: str, parent: str | None, name: str, ts: str, service: str,
          **attributes: Any) -> dict[str, Any]:
    return {"trace_id": trace, "span_id": span, "parent_span_id": parent, "name": name,
            "timestamp": ts, "service.name": service, **attributes}


def _model_attributes(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {"gen_ai.operation.name": "chat", "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": input_tokens, "gen_ai.usage.output_tokens": output_tokens}


def write_scenario(directory: Path) -> Truth:
    """Write two JSONL files; return the expected attribution.

    Every normal trace is edge -> gateway -> router -> model-client, with
    tenant_id, workflow_id and actor_id at the edge; the gateway consumes the
    tenant (auth) and renames the workflow to workflowId; the router renames it
    to job_id and drops the actor (and in three traces re-injects the tenant as
    customer_id); the model-call span carries no identity.
    So the first loss hop is gateway (depth 1) for tenant_id, router (depth 2)
    for actor_id and model-client (depth 3) for workflow_id.
    """
    truth = Truth()
    first: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    tenants = [("t_acme", "cc_acme_invoice_ops", "wf_invoice_extract", "svc_ingest"),
               ("t_initech", "cc_research", "wf_code_review", "u_bob"),
               ("t_globex", "cc_platform", "wf_summarize", "svc_mailer")]
    for number in range(9):
        tenant, cost_center, workflow, actor = tenants[number % 3]
        trace = f"{number + 1:032x}"
        ts = f"2026-05-2{number % 3}T10:00:0{number}Z"
        edge = _span(trace, f"{number:02d}00000000000001", None, "POST /v1/chat", ts, EDGE,
                     tenant_id=tenant, workflow_id=workflow, actor_id=actor)
        gateway = _span(trace, f"{number:02d}00000000000002", edge["span_id"], "gateway.route", ts,
                        GATEWAY, workflowId=workflow, actor_id=actor)
        # Some routers re-inject the tenant (as customer_id); the model-call
        # span then loses it a second time, deeper than the first loss.
        reinjected = {"customer_id": tenant} if number >= 6 else {}
        router = _span(trace, f"{number:02d}00000000000003", gateway["span_id"], "router.dispatch", ts,
                       ROUTER, job_id=workflow, **reinjected)
        call = _span(trace, f"{number:02d}00000000000004", router["span_id"], "chat gpt-4o-mini", ts,
                     MODEL, **_model_attributes(1000 * (number + 1), 100 * (number + 1)))
        # The edge and gateway spans of the first traces arrive in a later file.
        (later if number < 3 else first).extend([edge, gateway])
        first.extend([router, call])
        call_id = f"{trace}:{call['span_id']}"
        truth.normal_calls.append(call_id)
        truth.tenant[call_id] = tenant
        truth.cost_center[call_id] = cost_center

    # Spoof: the client claims t_globex in a header, the gateway authenticated
    # Acme's virtual key (seed virtual_keys).
    trace, ts = "a" * 32, "2026-05-21T11:00:00Z"
    spoof = [
        _span(trace, "aa00000000000001", None, "POST /v1/chat", ts, EDGE,
              **{"http.request.header.x-tenant": "t_globex", "workflow_id": "wf_invoice_extract",
                 "actor_id": "svc_ingest"}),
        _span(trace, "aa00000000000002", "aa00000000000001", "gateway.route", ts, GATEWAY,
              **{"gen_ai.openai.api_key_id": "vk-acme-prod-01", "workflowId": "wf_invoice_extract",
                 "actor_id": "svc_ingest"}),
        _span(trace, "aa00000000000003", "aa00000000000002", "router.dispatch", ts, ROUTER,
              job_id="wf_invoice_extract"),
        _span(trace, "aa00000000000004", "aa00000000000003", "chat gpt-4o-mini", ts, MODEL,
              **{"http.request.header.x-tenant": "t_globex", **_model_attributes(50000, 5000)}),
    ]
    first.extend(spoof)
    truth.spoofed_call = f"{trace}:aa00000000000004"
    truth.tenant[truth.spoofed_call] = "t_acme"
    truth.cost_center[truth.spoofed_call] = "cc_acme_invoice_ops"

    # Orphan: the parent never arrives; nothing to recover.
    trace, ts = "b" * 32, "2026-05-23T09:00:00Z"
    first.append(_span(trace, "bb00000000000004", "bb0000000000dead", "chat gpt-4o-mini", ts, MODEL,
                       **_model_attributes(700, 70)))
    truth.orphan_call = f"{trace}:bb00000000000004"
    truth.tenant[truth.orphan_call] = None

    # Cycle: two spans are each other's parent; the identity is on them.
    trace, ts = "c" * 32, "2026-05-24T09:00:00Z"
    identity = {"tenant_id": "t_initech", "workflow_id": "wf_code_review", "actor_id": "u_bob"}
    first.extend([
        _span(trace, "cc00000000000001", "cc00000000000002", "loop.a", ts, "loop", **identity),
        _span(trace, "cc00000000000002", "cc00000000000001", "loop.b", ts, "loop", **identity),
        _span(trace, "cc00000000000004", "cc00000000000001", "chat gpt-4o-mini", ts, MODEL,
              **_model_attributes(900, 90)),
    ])
    truth.cycle_call = f"{trace}:cc00000000000004"
    truth.tenant[truth.cycle_call] = "t_initech"
    truth.cost_center[truth.cycle_call] = "cc_research"

    directory.mkdir(parents=True, exist_ok=True)
    for name, spans in (("spans-a.jsonl", first), ("spans-b.jsonl", later)):
        (directory / name).write_text("".join(json.dumps(span) + "\n" for span in spans))
    return truth


@dataclass
class Build:
    """A database and target folder that several dbt commands work on."""

    root: Path
    database: Path
    target: Path


def _dbt(build: Build, *args: str, traces: str | None = None,
         extra_vars: dict[str, Any] | None = None) -> DbtRun:
    command, *rest = args
    return run_dbt(build.root, command, traces_glob=traces, extra_vars=extra_vars, extra_args=rest,
                   database=build.database, target_dir=build.target)


def _new_build(root: Path, name: str) -> Build:
    return Build(root, root / f"{name}.duckdb", root / f"target-{name}")


def _results(build: Build) -> dict[str, dict[str, Any]]:
    run_results = json.loads((build.target / "run_results.json").read_text())
    return {result["unique_id"].split(".")[-1]: result for result in run_results["results"]}


def _query(build: Build, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(build.database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, Truth, str]:
    root = tmp_path_factory.mktemp("identity_lineage")
    truth = write_scenario(root / "traces")
    build = _new_build(root, "scenario")
    traces = str(root / "traces" / "*.jsonl")
    # Warn severity so the whole build completes and the marts can be read; the
    # error default is checked by test_conflict_alert_fails_with_default_severity.
    done = _dbt(build, "build", "--exclude-resource-type", "unit_test", traces=traces,
                extra_vars={"identity_conflict_severity": "warn"})
    assert done.returncode == 0, done.output[-3000:]
    return build, truth, traces


def test_ancestors_attribute_every_call_to_its_true_tenant(scenario: tuple[Build, Truth, str]) -> None:
    build, truth, _ = scenario
    rows = {row[0]: row for row in _query(build, """
        select call_id, tenant_id, chargeback_cost_center, tenant_id_source_hop, tenant_id_source_depth,
               tenant_id_source_key, workflow_id_source_key, workflow_id_source_hop,
               workflow_id_source_depth, actor_id_source_hop, actor_id_source_depth, attribution_status,
               unattributed_reasons
        from marts.fct_llm_calls""")}
    assert set(rows) == set(truth.tenant)
    for call_id in truth.normal_calls:
        row = rows[call_id]
        assert row[1:3] == (truth.tenant[call_id], truth.cost_center[call_id])
        if int(call_id.split(":")[0], 16) > 6:
            assert row[3:6] == (ROUTER_HOP, 1, "customer_id")
        else:
            assert row[3:6] == (EDGE_HOP, 3, "tenant_id")
        assert row[6:9] == ("job_id", ROUTER_HOP, 1)
        assert row[9:11] == (GATEWAY_HOP, 2)
        assert row[11] == "attributed"
    assert rows[truth.cycle_call][1:3] == ("t_initech", "cc_research")
    assert rows[truth.cycle_call][4] == 1
    orphan = rows[truth.orphan_call]
    assert orphan[1:3] == (None, "UNATTRIBUTED")
    assert "missing_tenant" in orphan[12]


def test_spoofed_header_is_charged_to_the_key_tenant(scenario: tuple[Build, Truth, str]) -> None:
    build, truth, _ = scenario
    [row] = _query(build, f"""
        select tenant_id, chargeback_cost_center, tenant_id_source_kind, tenant_id_source_hop,
               api_key_id, is_identity_conflict, identity_conflict_kind, claimed_tenant_id,
               claimed_tenant_id_source_key
        from marts.fct_llm_calls where call_id = '{truth.spoofed_call}'""")
    assert row == ("t_acme", "cc_acme_invoice_ops", "virtual_key", GATEWAY_HOP, "vk-acme-prod-01",
                   True, "virtual_key", "t_globex", "http.request.header.x-tenant")
    # Only the spoofed call is a conflict, and the alert lists it.
    assert _query(build, "select call_id from marts.fct_llm_calls where is_identity_conflict") == [
        (truth.spoofed_call,)]
    result = _results(build)["alert_identity_conflicts"]
    assert (result["status"], result["failures"]) == ("warn", 1)


def test_conflict_alert_fails_with_default_severity(scenario: tuple[Build, Truth, str]) -> None:
    build, truth, traces = scenario
    done = _dbt(build, "test", "--select", "alert_identity_conflicts", traces=traces)
    assert done.returncode == 1, done.output[-3000:]
    result = _results(build)["alert_identity_conflicts"]
    assert (result["status"], result["failures"]) == ("fail", 1)
    listed = _query(build, """
        select call_id, tenant_id, claimed_tenant_id
        from dbt_test__audit.alert_identity_conflicts""")
    assert listed == [(truth.spoofed_call, "t_acme", "t_globex")]


def test_field_survival_names_the_hop_that_drops_each_field(scenario: tuple[Build, Truth, str]) -> None:
    build, _, _ = scenario
    # The normal traces' days; the cycle and orphan traces live on other days.
    first_losses = _query(build, """
        select identity_field, service_name, span_role, depth
        from marts.field_survival_by_hop
        where is_first_loss_hop and span_date between '2026-05-20' and '2026-05-22'
        group by all order by identity_field""")
    assert first_losses == [
        ("actor_id", ROUTER, "intermediate", 2),
        ("tenant_id", GATEWAY, "intermediate", 1),
        ("workflow_id", MODEL, "model_call", 3),
    ]
    drift = _query(build, """
        select service_name, sum(renamed_from_parent), sum(present_alias_only)
        from marts.field_survival_by_hop
        where identity_field = 'workflow_id' and span_date between '2026-05-20' and '2026-05-22'
        group by service_name order by service_name""")
    assert drift == [(EDGE, 0, 0), (GATEWAY, 10, 10), (MODEL, 0, 0), (ROUTER, 10, 10)]
    loss_points = _query(build, """
        select service_name, depth from marts.field_loss_points
        where identity_field = 'tenant_id' and is_first_loss_hop""")
    assert loss_points == [(GATEWAY, 1)]
    # The survival alert names the model-call hop and where the field was lost.
    alerted = _query(build, """
        select distinct model_call_hop, first_loss_hop
        from dbt_test__audit.alert_model_call_field_survival
        where identity_field = 'tenant_id' and span_date = '2026-05-20'""")
    assert alerted == [(MODEL, "gateway (intermediate, depth 1)")]


def test_alias_usage_reports_drifted_keys_by_hop(scenario: tuple[Build, Truth, str]) -> None:
    build, _, _ = scenario
    rows = _query(build, """
        select alias_key, service_name, span_count
        from marts.alias_usage_by_hop where identity_field = 'workflow_id' and not is_canonical_key
        order by alias_key""")
    assert rows == [("job_id", ROUTER, 10), ("workflowId", GATEWAY, 10)]


def test_without_recovery_the_calls_stay_unattributed(scenario: tuple[Build, Truth, str],
                                                      tmp_path: Path) -> None:
    build, truth, traces = scenario
    off = _new_build(tmp_path, "off")
    shutil.copy(build.database, off.database)
    done = _dbt(off, "run", "--select", "int_llm_calls__identity_recovered+", traces=traces,
                extra_vars={"recover_identity_from_ancestors": False})
    assert done.returncode == 0, done.output[-3000:]
    moved = _query(off, "select count(*) from marts.fct_llm_calls where chargeback_cost_center = 'UNATTRIBUTED'")
    # Every call but the spoofed one (its own span carries the header) loses its tenant.
    assert moved == [(len(truth.tenant) - 1,)]
    before = _query(off, "select sum(cost_usd) from marts.fct_llm_calls where chargeback_cost_center = 'UNATTRIBUTED'")
    after = _query(build, "select sum(cost_usd) from marts.fct_llm_calls where chargeback_cost_center = 'UNATTRIBUTED'")
    assert before[0][0] > after[0][0] > Decimal(0)
    reasons = _query(off, f"""
        select unattributed_reasons from marts.fct_llm_calls where call_id = '{truth.normal_calls[0]}'""")
    assert reasons == [("missing_tenant;missing_workflow;missing_actor",)]


def test_defend_request_answers_the_five_questions_on_the_sample(sample_build: DbtRun, tmp_path: Path) -> None:
    # Compile into a target of its own; the session's sample build is only read.
    build = Build(tmp_path, sample_build.database, tmp_path / "target")
    # A sample call whose tenant was consumed before the model-call span.
    (call_id, tenant, key, hop, depth, cost_center, response_model, price_id, workflow, owner, actor_type,
     actor) = _query(build, """
        select call_id, tenant_id, tenant_id_source_key, tenant_id_source_hop, tenant_id_source_depth,
               chargeback_cost_center, response_model, input_price_id, workflow_id, budget_owner,
               actor_type, actor_id
        from marts.fct_llm_calls
        where tenant_id_source_depth > 0 and cost_center_source = 'policy'
          and workflow_id is not null and budget_owner is not null and actor_id is not null
          and pricing_status = 'priced'
        order by call_id
        limit 1
    """)[0]
    done = _dbt(build, "compile", "--select", "defend_request", extra_vars={"call_id": call_id})
    assert done.returncode == 0, done.output[-3000:]
    sql = (build.target / "compiled" / "llm_spend_attribution" / "analyses" / "defend_request.sql").read_text()
    answers = _query(build, sql)
    assert [row[0] for row in answers] == [call_id] * 5
    by_question = {row[3]: (row[5], row[6]) for row in answers}
    assert by_question[1] == (tenant, f"attribute {key} on hop {hop} (depth {depth})")
    assert by_question[2][0] == cost_center
    assert by_question[2][1].startswith(f"cost_center_policy row (tenant {tenant}, valid from ")
    assert by_question[3][0].startswith(f"{response_model} (")
    assert f"[{price_id}, genai-prices" in by_question[3][1]
    assert by_question[4][0] == f"{workflow} (budget owner {owner})"
    assert by_question[5][0] == f"{actor_type} ({actor})"
