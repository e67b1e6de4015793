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
        # 28 spans across the eight files: every span of every batch staged.
        staged = con.sql("select count(*) from staging.stg_traces__spans").fetchall()[0][0]
    assert staged == 28


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


def test_no_content_in_any_model_table(warehouse: Path) -> None:
    """The marker in content keys never reaches an intermediate or mart column (any type)."""
    with connect(warehouse) as con:
        tables = con.sql(
            """
            select table_schema, table_name from information_schema.tables
            where table_schema in ('intermediate', 'marts', 'staging') and table_type = 'BASE TABLE'
              -- The raw landing copies keep each line as read (the lines of
              -- the last run's files, and the records to quarantine a rejected
              -- one with its text); content is dropped from every parsed
              -- column and model after them.
              and table_name not in ('base_traces__raw_lines', 'base_traces__records', 'stg_traces__parsed_records')
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
