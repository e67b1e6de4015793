"""Bad and hostile input: every rejected record is quarantined with its reason code, every file
reconciles, good records still come out right, and hostile values are kept verbatim."""
from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT, WAREHOUSE, connect
from dbt_runner import MODELS_ONLY, run_dbt
from focus_helpers import copy_project, edit_attribute_aliases

FIXTURES = PROJECT / "tests" / "fixtures" / "bad_input"
ODD_KEY = "x-\"odd'.tenant"

EXPECTED_REASONS = {
    ("malformed_json.jsonl", 2): "malformed_json",
    ("missing_ids.jsonl", 1): "missing_trace_id",
    ("missing_ids.jsonl", 2): "missing_span_id",
    ("missing_ids.jsonl", 3): "missing_trace_id",
    ("missing_ids.jsonl", 4): "otlp_batch_without_spans",
    ("bad_timestamps.jsonl", 1): "missing_timestamp",
    ("bad_timestamps.jsonl", 2): "unparseable_timestamp",
    ("bad_timestamps.jsonl", 3): "timestamp_in_future",
    ("bad_timestamps.jsonl", 4): "timestamp_before_horizon",
    ("bad_token_counts.jsonl", 1): "token_count_negative",
    ("bad_token_counts.jsonl", 2): "token_count_not_numeric",
    ("bad_token_counts.jsonl", 3): "token_count_fractional",
    ("bad_token_counts.jsonl", 4): "token_count_above_ceiling",
    ("token_parts_exceed_parent.jsonl", 1): "cache_tokens_exceed_input",
    ("token_parts_exceed_parent.jsonl", 2): "reasoning_tokens_exceed_output",
    ("unknown_span_kind.jsonl", 1): "unknown_span_kind",
    ("unknown_span_kind.jsonl", 2): "unknown_span_kind",
    ("duplicates.jsonl", 2): "duplicate_span",
    ("duplicates.jsonl", 3): "duplicate_span_conflicting",
    **{("only_bad_lines.jsonl", line): "malformed_json" for line in range(1, 6)},
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bad_input")
    project = copy_project(tmp / "project")
    edit_attribute_aliases(project, add={"tenant_id": [ODD_KEY]})
    result = run_dbt(tmp, traces_glob=str(FIXTURES / "*.jsonl"),
                     extra_vars={"quarantine_share_error": 1.0, "unattributed_share_error": 2},
                     project_dir=project, database=tmp / WAREHOUSE)
    assert result.returncode == 0, result.output[-4000:]
    return tmp


def test_every_class_gets_its_reason_code(warehouse: Path) -> None:
    with connect(warehouse) as con:
        rows = con.sql(
            "select regexp_extract(source_file, '[^/]+$'), line_number, reason from marts.quarantined_spans"
        ).fetchall()
    assert {(f, n): r for f, n, r in rows} == EXPECTED_REASONS
    assert len(rows) == len(EXPECTED_REASONS)


def test_quarantine_shows_a_rejected_span_as_staged(warehouse: Path) -> None:
    """Staging keeps raw text for malformed lines only; a rejected span is shown as staged
    (docs/bad_input.md): its span fields as written, then its attribute map sorted by key, which
    holds no span-field key (docs/attribution_rules.md)."""
    with connect(warehouse) as con:
        shown = dict(con.sql(
            """
            select regexp_extract(source_file, '[^/]+$') || ':' || line_number, raw_record
            from marts.quarantined_spans
            """
        ).fetchall())
        span_texts = con.sql(
            "select count(raw_record) from staging.stg_traces__parsed_records where record_format in ('flat_json', 'otlp_json')"
        ).fetchall()[0][0]
    assert span_texts == 0
    assert shown["malformed_json.jsonl:2"].startswith('{"trace_id": "aaaa')  # the line as written
    negative = json.loads(shown["bad_token_counts.jsonl:1"])
    assert negative["span_id"] == "4000000000000001" and negative["start_time"] == "2026-05-29T06:14:12Z"
    assert negative["attributes"]["gen_ai.usage.input_tokens"] == "-5"
    assert list(negative["attributes"]) == sorted(negative["attributes"])
    assert not {"trace_id", "span_id", "name", "timestamp"} & set(negative["attributes"])
    otlp = json.loads(shown["unknown_span_kind.jsonl:2"])
    assert (otlp["span_id"], otlp["kind"], otlp["start_time"]) == ("6000000000000002", "9", "1780000000000000000")
    assert otlp["parent_span_id"] is None and "otel.scope.name" in otlp["attributes"]


def test_every_file_reconciles(warehouse: Path) -> None:
    """Records read (one per flat/malformed line, one per OTLP span or empty batch) = staged + quarantined."""
    with connect(warehouse) as con:
        rows = con.sql(
            """
            with read as (
                select source_file, count(*) as n from staging.stg_traces__span_records group by 1
                union all
                select source_file, count(*) from intermediate.int_trace_lines__classified
                where record_format = 'malformed' group by 1
            ),
            read_per_file as (select source_file, sum(n) as n from read group by 1),
            staged as (select source_file, count(*) as n from staging.stg_traces__spans group by 1),
            quarantined as (select source_file, count(*) as n from marts.quarantined_spans group by 1)
            select regexp_extract(r.source_file, '[^/]+$'), r.n, coalesce(s.n, 0), coalesce(q.n, 0)
            from read_per_file as r
            left join staged as s using (source_file)
            left join quarantined as q using (source_file)
            """
        ).fetchall()
        lines = dict(con.sql(
            "select regexp_extract(source_file, '[^/]+$'), count(*) from intermediate.int_trace_lines__classified group by 1"
        ).fetchall())
    per_file = {name: (read, staged, quarantined) for name, read, staged, quarantined in rows}
    for name, (read, staged, quarantined) in per_file.items():
        assert read == staged + quarantined, name
    assert per_file["only_bad_lines.jsonl"] == (5, 0, 5)
    assert per_file["malformed_json.jsonl"] == (2, 1, 1)
    assert lines["very_large_line.jsonl"] == 1
    assert "empty.jsonl" not in lines  # an empty file has no records: nothing to lose


def test_good_records_still_come_out_right(warehouse: Path) -> None:
    with connect(warehouse) as con:
        calls = con.sql(
            """
            select regexp_extract(source_file, '[^/]+$') as fixture, span_id, tenant_id,
                   tenant_id_source_key, input_tokens, output_tokens, cost_usd
            from marts.fct_llm_calls
            """
        ).fetchall()
    by_span = {row[1]: row for row in calls}
    assert len(calls) == 12
    good = by_span["1000000000000001"]
    assert good[0] == "malformed_json.jsonl"
    assert good[2:] == ("t_acme", "tenant_id", 100, 10, Decimal("0.000021"))
    # The first of three copies is the one billed, once.
    assert by_span["7000000000000001"][4] == 100
    assert [row[0] for row in calls].count("duplicates.jsonl") == 1
    assert by_span["b000000000000001"][0] == "very_large_line.jsonl"


def test_hostile_identity_values_kept_verbatim(warehouse: Path) -> None:
    source = [json.loads(line) for line in (FIXTURES / "hostile_identity.jsonl").read_text().splitlines()]
    want = {row["span_id"]: row.get("tenant_id", row.get(ODD_KEY)) for row in source}
    with connect(warehouse) as con:
        got = dict(con.sql(
            "select span_id, tenant_id from marts.fct_llm_calls where span_id like 'c%'"
        ).fetchall())
        odd = con.sql(
            "select tenant_id_source_key from marts.fct_llm_calls where span_id = 'c000000000000007'"
        ).fetchall()
    assert got == want
    assert len(want["c000000000000006"]) == 50_002
    assert odd == [(ODD_KEY,)]


def test_normalized_tenant_ids_are_billed_as_one_tenant(warehouse: Path) -> None:
    """With var normalize_tenant_ids the tenant a call is billed to is trimmed and lowercased
    (identity recovery, not only int_spans__canonicalized), so `  t_acme ` and `T_ACME` are
    charged to t_acme's cost center; values that differ otherwise stay apart."""
    work = warehouse / "normalized"
    result = run_dbt(work, traces_glob=str(FIXTURES / "*.jsonl"),
                     extra_vars={"normalize_tenant_ids": True}, select="+fct_llm_calls",
                     extra_args=["--exclude-resource-type", "test", "unit_test"],
                     project_dir=warehouse / "project", database=work / WAREHOUSE)
    assert result.returncode == 0, result.output[-4000:]
    source = [json.loads(line) for line in (FIXTURES / "hostile_identity.jsonl").read_text().splitlines()]
    sent = {row["span_id"]: row.get("tenant_id", row.get(ODD_KEY)) for row in source}
    with connect(work) as con:
        got = {span: (tenant, cost_center) for span, tenant, cost_center in con.sql(
            "select span_id, tenant_id, cost_center from marts.fct_llm_calls where span_id like 'c%'"
        ).fetchall()}
        acme_cost_center = con.sql(
            "select cost_center from policy.cost_center_policy where tenant_id = 't_acme'"
        ).fetchall()[0][0]
    assert sent["c000000000000004"] == "  t_acme " and sent["c000000000000005"] == "T_ACME"
    assert got["c000000000000004"] == ("t_acme", acme_cost_center)
    assert got["c000000000000005"] == ("t_acme", acme_cost_center)
    # DuckDB's trim() takes spaces only, lower() every letter.
    assert {span: tenant for span, (tenant, _) in got.items()} == {
        span: value.strip(" ").lower() for span, value in sent.items()
    }
    assert got["c000000000000003"][0] != "t_acme"  # Cyrillic a: another tenant


def test_lineage_faults_are_reported_not_fatal(warehouse: Path) -> None:
    with connect(warehouse) as con:
        statuses = dict(con.sql(
            """
            select span_id, lineage_status from intermediate.int_spans__lineage
            join staging.stg_traces__spans using (span_key)
            where span_id in ('9000000000000001', 'a000000000000001', '8000000000000015', '8000000000000005')
            """
        ).fetchall())
        alerts = con.sql("select lineage_status, spans from dbt_test__audit.alert_trace_lineage_faults").fetchall()
    assert statuses == {
        "9000000000000001": "cycle_or_too_deep",
        "a000000000000001": "orphaned",
        "8000000000000015": "cycle_or_too_deep",
        "8000000000000005": "complete",
    }
    assert dict(alerts)["orphaned"] >= 1


def test_tenant_case_alert_names_the_merge(warehouse: Path) -> None:
    with connect(warehouse) as con:
        rows = con.sql(
            "select normalized_tenant_id, spellings from dbt_test__audit.alert_tenant_ids_differ_only_by_case_or_space"
        ).fetchall()
    assert ("t_acme", 3) in rows


def test_quarantine_share_threshold_fails_the_build(warehouse: Path) -> None:
    """Only a share of quarantined records above the var is an error."""
    result = run_dbt(warehouse, "test", traces_glob=str(FIXTURES / "*.jsonl"),
                     extra_vars={"quarantine_share_error": 0.05}, select="alert_quarantined_share_error",
                     database=warehouse / WAREHOUSE, target_dir=warehouse / "target2")
    assert result.returncode != 0
    assert "FAIL 1" in result.output


def test_duplicate_fingerprint_across_the_span_field_change(tmp_path: Path) -> None:
    """A copy staged before flat maps left out span-field keys (its map still holds them) and
    the same span landing later is an identical copy (`duplicate_span`); a later copy that
    differs only in its status (no longer in the map) is `duplicate_span_conflicting`."""
    first = (FIXTURES / "duplicates.jsonl").read_text().splitlines()[0]
    record = json.loads(first)
    assert "status_code" not in record
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "a.jsonl").write_text(first + "\n")
    select = "path:seeds/mappings +stg_traces__span_records"
    work = tmp_path / "work"
    staged = run_dbt(work, traces_glob=str(landing / "*.jsonl"), select=select, extra_args=MODELS_ONLY)
    assert staged.returncode == 0, staged.output[-3000:]
    # The map as the earlier parse wrote it: span-field keys included.
    with duckdb.connect(str(staged.database)) as con:
        con.execute(
            "update staging.stg_traces__parsed_records"
            " set attributes = map_concat(attributes, map(['trace_id', 'span_id', 'name', 'timestamp'],"
            " [raw_trace_id, raw_span_id, span_name, raw_started_at]))"
        )
    (landing / "b.jsonl").write_text(first + "\n")
    (landing / "c.jsonl").write_text(json.dumps({**record, "status_code": "error"}) + "\n")
    # Landing order a, b, c (a keeps its staged modification time, so it is not read again).
    landed = (landing / "a.jsonl").stat().st_mtime
    for offset, name in enumerate(["b.jsonl", "c.jsonl"], start=1):
        os.utime(landing / name, (landed + offset, landed + offset))
    rebuilt = run_dbt(work, traces_glob=str(landing / "*.jsonl"), select=select, extra_args=MODELS_ONLY)
    assert rebuilt.returncode == 0, rebuilt.output[-3000:]
    reasons = dict(rebuilt.query(
        "select regexp_extract(source_file, '[^/]+$'), coalesce(rejection_reason, 'kept')"
        " from staging.stg_traces__span_records"
    ))
    assert reasons == {"a.jsonl": "kept", "b.jsonl": "duplicate_span", "c.jsonl": "duplicate_span_conflicting"}
