"""End-to-end checks of the foundation: sample build, other inputs, conservation."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from _dbt_builds import _trace
from attribution_reasons import REASONS
from conftest import connect, dbt_build
from dbt_runner import DbtRun, run_dbt

MARTS = (
    "fct_llm_calls",
    "focus_cost_and_usage",
    "unattributed_llm_spend",
    "chargeback_by_cost_center",
    "field_survival_by_hop",
)


def test_sample_has_every_reason_and_conserves_cost(sample_build: DbtRun) -> None:
    reasons = {row[0] for row in sample_build.query(
        "select distinct reason from marts.unattributed_llm_spend"
    )}
    assert reasons >= REASONS
    (calls_cost,) = sample_build.query(
        "select sum(coalesce(cost_usd, 0)) from marts.fct_llm_calls"
    )[0]
    (chargeback_cost,) = sample_build.query(
        "select sum(cost_usd) from marts.chargeback_by_cost_center"
    )[0]
    assert isinstance(calls_cost, Decimal)
    assert calls_cost == chargeback_cost
    buckets = {row[0] for row in sample_build.query(
        "select cost_center from marts.chargeback_by_cost_center"
    )}
    assert "UNATTRIBUTED" in buckets


@pytest.mark.parametrize("mart", MARTS)
def test_mart_is_built_and_not_empty(sample_build: DbtRun, mart: str) -> None:
    (count,) = sample_build.query(f"select count(*) from marts.{mart}")[0]
    assert count > 0


def _call_span(trace: str, span: str, **attributes: object) -> dict:
    record: dict = {
        "trace_id": trace * 32,
        "span_id": span * 16,
        "parent_span_id": None,
        "name": "chat gpt-4o-mini",
        "timestamp": "2026-05-29T06:14:12Z",
        "service.name": "gateway",
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
    }
    record.update(attributes)
    return record


def test_traces_path_var_reads_other_files(tmp_path: Path) -> None:
    """`--vars traces_path` builds from other files (over the environment's); the article's worked
    example costs exactly (1284 x 0.15 + 412 x 0.60) / 1e6 USD; a call that
    lost its identity lands in UNATTRIBUTED with its cost."""
    spans_dir = tmp_path / "other"
    spans_dir.mkdir()
    article_call = _call_span(
        "a", "1",
        **{
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.usage.input_tokens": 1284,
            "gen_ai.usage.output_tokens": 412,
            "http.request.header.x-tenant": "t_acme",
            "http.request.header.x-workflow": "wf_invoice_extract",
            "http.request.header.x-actor": "svc_ingest",
        },
    )
    lost_identity = _call_span(
        "b", "2",
        **{"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 1000},
    )
    (spans_dir / "spans.jsonl").write_text(
        "\n".join(json.dumps(s) for s in (article_call, lost_identity)) + "\n"
    )
    # The var wins over env LLM_SPEND_TRACES_PATH (which names no file here).
    run = run_dbt(tmp_path / "build", traces_glob=str(tmp_path / "nothing" / "*.jsonl"),
                  extra_vars={"traces_path": str(spans_dir / "*.jsonl")})
    # 63% of this tiny input is unattributed: the error alert must fire.
    assert run.returncode == 1
    assert "FAIL 1 alert_unattributed_share_error" in run.output
    chargeback = dict(run.query(
        "select cost_center, cost_usd from marts.chargeback_by_cost_center"
    ))
    assert chargeback == {
        "cc_acme_invoice_ops": Decimal("0.0004398"),
        "UNATTRIBUTED": Decimal("0.00075"),
    }
    reasons = run.query(
        "select reason from marts.unattributed_llm_spend order by reason"
    )
    assert [r[0] for r in reasons] == ["missing_actor", "missing_tenant", "missing_workflow"]


def test_a_call_priced_at_another_providers_row_keeps_one_sku_per_sku_price(tmp_path: Path) -> None:
    """An Azure deployment alias priced at OpenAI's gpt-4o-mini row (seed
    llm_model_aliases) and a direct OpenAI call of that model: one SkuPriceId,
    one SkuId (focus-validator's SkuPriceId-C-008-M); the provider stays apart."""
    spans = tmp_path / "spans"
    spans.mkdir()
    identity = {"tenant_id": "t_acme", "workflow_id": "wf_invoice_extract", "actor_id": "svc_ingest"}
    lines = _trace(1, 3, identity, "gpt-4o-mini", (1000, 200), "model-client")
    azure = [json.loads(line) for line in _trace(2, 3, identity, "prod-gpt4o-mini-eastus", (1000, 200), "model-client")]
    azure[1]["gen_ai.system"] = "az.ai.openai"
    (spans / "skus.jsonl").write_text("\n".join(lines + [json.dumps(span) for span in azure]) + "\n")
    result = dbt_build(tmp_path, str(spans / "*.jsonl"))
    assert result.returncode == 0, result.output[-4000:]
    with connect(tmp_path) as con:
        rows = con.execute(
            "select SkuPriceId, count(distinct SkuId), count(distinct x_ProviderId)"
            " from marts.focus_cost_and_usage where x_TokenType = 'input' group by 1"
        ).fetchall()
    assert [(n_skus, n_providers) for _, n_skus, n_providers in rows] == [(1, 2)]
