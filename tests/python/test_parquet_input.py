"""Parquet span files are read beside JSON lines: each row takes the flat-span path.

The flat records of the mixed-format convention fixture are written to Parquet (typed
columns, a STRUCT of attributes, nulls where a record lacks a column, as a fixed-schema
export writes them) next to its OTLP lines; the build must give exactly the calls the
JSON lines give (expected_calls.csv), with Parquet row numbers as line numbers."""
from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT, connect, dbt_build

FIXTURE = PROJECT / "tests" / "fixtures" / "conventions" / "mixed_flat_and_otlp.jsonl"
EXPECTED = PROJECT / "tests" / "fixtures" / "conventions" / "expected_calls.csv"


def split_fixture(out: Path) -> None:
    """Flat lines -> spans.parquet (one schema for all rows), OTLP lines -> batches.jsonl."""
    lines = FIXTURE.read_text().splitlines()
    flat = [line for line in lines if "resourceSpans" not in json.loads(line)]
    otlp = [line for line in lines if "resourceSpans" in json.loads(line)]
    (out / "flat.json").write_text("\n".join(flat) + "\n")
    (out / "batches.jsonl").write_text("\n".join(otlp) + "\n")
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_json('{out / 'flat.json'}', format = 'newline_delimited')) "
            f"to '{out / 'spans.parquet'}' (format parquet)"
        )
    (out / "flat.json").unlink()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("parquet_input")
    traces = tmp / "traces"
    traces.mkdir()
    split_fixture(traces)
    result = dbt_build(tmp, str(traces / "*"))
    assert result.returncode == 0, result.output[-4000:]
    return tmp


def test_parquet_and_jsonl_give_the_expected_calls(warehouse: Path) -> None:
    with open(EXPECTED, newline="") as handle:
        expected = {r["span_id"]: r for r in csv.DictReader(handle) if r["fixture"] == FIXTURE.name}
    with connect(warehouse) as con:
        rows = con.sql(
            """
            select span_id, regexp_extract(source_file, '[^/]+$'), request_model, input_tokens,
                   output_tokens, cost_usd
            from marts.fct_llm_calls
            """
        ).fetchall()
    actual = {row[0]: row for row in rows}
    assert sorted(actual) == sorted(expected)
    files = {span_id: row[1] for span_id, row in actual.items()}
    assert files == {
        "1000000000000001": "spans.parquet",
        "3000000000000001": "spans.parquet",
        "2000000000000001": "batches.jsonl",
    }
    for span_id, row in expected.items():
        got = actual[span_id]
        assert got[2] == row["request_model"]
        assert (got[3], got[4]) == (int(row["input_tokens"]), int(row["output_tokens"]))
        assert got[5] == Decimal(row["cost_usd"])


def test_parquet_rows_are_numbered_and_reconciled(warehouse: Path) -> None:
    with connect(warehouse) as con:
        rows = con.sql(
            """
            select line_number, record_format
            from staging.stg_traces__parsed_records
            where source_file like '%spans.parquet'
            order by line_number
            """
        ).fetchall()
        quarantined = con.sql("select count(*) from marts.quarantined_spans").fetchall()[0][0]
    assert rows == [(1, "flat_json"), (2, "flat_json")]
    assert quarantined == 0


def test_parquet_content_columns_are_dropped(warehouse: Path) -> None:
    with connect(warehouse) as con:
        keys = con.sql(
            """
            select count(*)
            from staging.stg_traces__parsed_records
            where source_file like '%spans.parquet'
              and list_contains(map_keys(attributes), 'gen_ai.input.messages')
            """
        ).fetchall()[0][0]
    assert keys == 0
