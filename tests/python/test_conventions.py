"""Every convention fixture gives exactly the expected billed calls, tokens, models and costs,
and no intermediate or mart table carries prompt/completion content."""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import PROJECT, connect, dbt_build

FIXTURES = PROJECT / "tests" / "fixtures" / "conventions"
SECRET = "SECRET-PROMPT-MARKER-7f3a"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("conventions")
    result = dbt_build(tmp, str(FIXTURES / "*.jsonl"))
    assert result.returncode == 0, result.output[-4000:]
    return tmp


def expected_rows() -> list[dict[str, str]]:
    with open(FIXTURES / "expected_calls.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_fixture_file_has_expected_calls() -> None:
    files = {path.name for path in FIXTURES.glob("*.jsonl")}
    assert files == {row["fixture"] for row in expected_rows()}


def test_billed_calls_match_expected(warehouse: Path) -> None:
    with connect(warehouse) as con:
        rows = con.sql(
            """
            select regexp_extract(source_file, '[^/]+$') as fixture, span_id, provider, operation,
                   request_model, response_model, input_tokens, cache_read_tokens, cache_write_tokens,
                   output_tokens, reasoning_tokens, cost_usd
            from marts.fct_llm_calls
            """
        ).fetchall()
    actual = {(r[0], r[1]): r for r in rows}
    expected = {(r["fixture"], r["span_id"]): r for r in expected_rows()}
    assert sorted(actual) == sorted(expected)
    for key, row in expected.items():
        got = actual[key]
        assert got[2] == (row["provider"] or None), key
        assert got[3] == (row["operation"] or None), key
        assert got[4] == (row["request_model"] or None), key
        assert got[5] == (row["response_model"] or None), key
        tokens = [int(row[c]) for c in ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                                          "output_tokens", "reasoning_tokens")]
        assert list(got[6:11]) == tokens, key
        want_cost = Decimal(row["cost_usd"]) if row["cost_usd"] else None
        assert got[11] == want_cost, key


def test_nothing_quarantined_and_reconciled(warehouse: Path) -> None:
    with connect(warehouse) as con:
        assert con.sql("select count(*) from marts.quarantined_spans").fetchall()[0][0] == 0
        # 37 spans across the eleven files: every span of every batch staged.
        staged = con.sql("select count(*) from staging.stg_traces__spans").fetchall()[0][0]
    assert staged == 37


def test_lineage_of_winning_keys_is_kept(warehouse: Path) -> None:
    with connect(warehouse) as con:
        rows = dict(con.sql(
            """
            select span_id, input_tokens_source_key || '|' || coalesce(provider_source_key, '')
            from intermediate.int_spans__canonicalized
            where span_id in ('b000000000000002', 'f000000000000002', 'd000000000000004')
            """
        ).fetchall())
    assert rows == {
        "b000000000000002": "llm.token_count.prompt|llm.provider",
        "f000000000000002": "langfuse.observation.usage_details.input|model_name",
        "d000000000000004": "ai.usage.promptTokens|ai.model.provider",
    }


def test_expected_costs_are_genai_prices(warehouse: Path) -> None:
    """expected_calls.csv costs are genai-prices' own calc_price (scripts/price_oracle.py) of the
    expected tokens, so the billed costs above are checked against an independent oracle."""
    from price_oracle import price_call

    for row in expected_rows():
        oracle = price_call({**row, "call_id": row["span_id"], "call_at": "2026-05-28T20:26:40Z",
                             "model": row["response_model"] or row["request_model"]})
        want = Decimal(row["cost_usd"]) if row["cost_usd"] else None
        assert oracle.cost_usd == want, (row["fixture"], row["span_id"], oracle)


def test_cached_and_reasoning_tokens_from_usage_text(warehouse: Path) -> None:
    """LiteLLM's Python-repr usage (metadata.usage_object on the call span, llm.openai.usage on its
    raw_gen_ai_request child) and Langfuse's OpenAI-shaped usage_details supply cached and
    reasoning tokens; the key that supplied each is kept as lineage."""
    with connect(warehouse) as con:
        rows = {r[0]: r[1:] for r in con.sql(
            """
            select span_id, cache_read_tokens_source_key, reasoning_tokens_source_key
            from intermediate.int_spans__canonicalized
            where span_id in ('1a00000000000001', '1b00000000000001', '1c00000000000001',
                              '1d00000000000002', '1d00000000000003', '1d00000000000004')
            """
        ).fetchall()}
    assert rows == {
        "1a00000000000001": ("metadata.usage_object[cached_tokens]", "metadata.usage_object[reasoning_tokens]"),
        "1b00000000000001": ("child span llm.openai.usage[cached_tokens]",
                             "child span llm.openai.usage[reasoning_tokens]"),
        "1c00000000000001": ("litellm.metadata.usage_object[cached_tokens]",
                             "litellm.metadata.usage_object[reasoning_tokens]"),
        "1d00000000000002": ("langfuse.observation.usage_details.prompt_tokens_details.cached_tokens",
                             "langfuse.observation.usage_details.completion_tokens_details.reasoning_tokens"),
        "1d00000000000003": ("langfuse.observation.usage_details.prompt_tokens_details.cached_tokens",
                             "langfuse.observation.usage_details.completion_tokens_details.reasoning_tokens"),
        "1d00000000000004": ("langfuse.observation.usage_details.input_cached_tokens",
                             "langfuse.observation.usage_details.output_reasoning_tokens"),
    }


def test_litellm_metadata_identity(warehouse: Path) -> None:
    """LiteLLM's gen_ai_latest_experimental mode prefixes user metadata with litellm.metadata."""
    with connect(warehouse) as con:
        row = con.sql(
            """
            select tenant_id, tenant_id_source_key, workflow_id, workflow_id_source_key,
                   actor_id, actor_id_source_key
            from marts.fct_llm_calls where span_id = '1c00000000000001'
            """
        ).fetchall()
    assert row == [("t_globex", "litellm.metadata.user_api_key_team_id",
                    "wf_support_triage", "litellm.metadata.workflow_id",
                    "u_frank", "litellm.metadata.user_api_key_user_id")]


def test_no_content_in_any_model_table(warehouse: Path) -> None:
    """The marker in content keys never reaches an intermediate or mart column (any type)."""
    with connect(warehouse) as con:
        tables = con.sql(
            """
            select table_schema, table_name from information_schema.tables
            where table_schema in ('intermediate', 'marts', 'staging') and table_type = 'BASE TABLE'
              -- The staged records keep each record's text as read (to
              -- quarantine a rejected one with its text); content is dropped
              -- from every parsed column and model after them.
              and table_name not in ('int_trace_lines__classified', 'stg_traces__parsed_records')
            """
        ).fetchall()
        assert len(tables) > 8
        leaks = []
        for schema, table in tables:
            hits = con.sql(
                f"select count_if(contains(cast(columns(*) as varchar), '{SECRET}')) "
                f'from "{schema}"."{table}"'
            ).fetchall()
            if any(value for row in hits for value in row):
                leaks.append(f"{schema}.{table}")
    assert leaks == []
