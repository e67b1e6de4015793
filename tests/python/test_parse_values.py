"""The one-pass parse (issue #17 item 7) keeps each flat record's attribute values exactly as
JSON gives them (DuckDB's json_keys / json_extract_string: strings unquoted, numbers and
nested values as JSON text), whichever internal path reads the record. Numbers that DuckDB's
own double cast would write in exponent form (1.5e-07, 1e+21) are the case a faster path
could change; a repeated top-level key gives an empty map; a line that only looks blank or
an object led by whitespace keeps its shape. The span-field keys (docs/attribution_rules.md)
are columns, not attributes."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from dbt_runner import MODELS_ONLY, DbtRun, run_dbt, run_staging

LINES = [
    '{"trace_id":"t1","span_id":"s1","gen_ai.usage.cost":1.5e-7,"big":1e21,"small":0.00001,"n":1.0}',
    '{"trace_id":"t1","span_id":"s2","timestamp":1.7e9,"end_time":12345678901234567890.5,"s":"1.5e-07"}',
    '{"trace_id":"t1","span_id":"s3","a":1,"a":2}',
    '\t{"trace_id":"t1","span_id":"s4","x":[1.0,2e5],"y":{"k":1e-9}}',
    "\u3000 ",
    '{"trace_id":"t1","span_id":"s5","\\u0041bc":"escaped key","z":-0.0}',
]
# The envelope keys and their spellings, as docs/attribution_rules.md lists them.
SPAN_FIELD_KEYS = {
    "trace_id", "traceId", "span_id", "spanId", "parent_span_id", "parentSpanId", "parent_id",
    "name", "span", "span_name", "kind", "timestamp", "start_time", "startTime", "startTimeUnixNano",
    "end_time", "endTime", "endTimeUnixNano", "status_code",
}


def _expected(line: str) -> tuple[str, dict[str, str | None] | None]:
    """Record format and attribute map as DuckDB's JSON functions give them."""
    with duckdb.connect() as connection:
        if line.strip(" \u3000") == "":
            return "blank", None
        keys, values = connection.execute("select json_keys(?), json_extract_string(?, '$.*')", [line, line]).fetchone()
    if len(keys) != len(set(keys)):
        return "flat_json", {}
    return "flat_json", {key: value for key, value in zip(keys, values) if key not in SPAN_FIELD_KEYS}


def test_attribute_values_are_json_text(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "values.jsonl").write_text("\n".join(LINES) + "\n")
    work = tmp_path / "work"
    run = run_staging(work, str(landing / "*.jsonl"))
    assert run.returncode == 0, run.output[-3000:]
    rows = run.query(
        "select line_number, record_format, to_json(attributes)::varchar "
        "from staging.stg_traces__parsed_records order by line_number"
    )
    got = {number: (record_format, None if attributes is None else json.loads(attributes))
           for number, record_format, attributes in rows}
    assert got == {number: _expected(line) for number, line in enumerate(LINES, start=1)}
    assert got[1][1]["gen_ai.usage.cost"] == "1.5e-7" and got[1][1]["big"] == "1e21"


def _span_records_of(tmp_path: Path, records: list[dict[str, object]]) -> DbtRun:
    """stg_traces__span_records built (models only) from one JSONL file of the given records."""
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "spans.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    run = run_dbt(tmp_path / "work", "build", traces_glob=str(landing / "*.jsonl"),
                  select="+stg_traces__span_records", extra_args=MODELS_ONLY)
    assert run.returncode == 0, run.output[-3000:]
    return run


# Span timestamps as collectors and SDKs write them, with the UTC instant each stands for (None:
# quarantined as unparseable). ISO 8601 ending in a digit and Z takes a fast path in
# parse_span_timestamp; the texts with a space are where DuckDB's plain timestamp cast ignores the
# rest of the text, so the fast path must not take them.
TIMESTAMPS = {
    "2026-05-01T10:00:00Z": "2026-05-01 10:00:00",
    "2026-05-01T10:00:00.123456789Z": "2026-05-01 10:00:00.123456",
    "2026-05-01T10:00Z": "2026-05-01 10:00:00",
    " 2026-05-01T23:59:59.5Z ": "2026-05-01 23:59:59.500000",
    "2026-05-01T10:00:00+02:00": "2026-05-01 08:00:00",
    "2026-05-01T10:00:00-0830": "2026-05-01 18:30:00",
    "2026-05-01 10:00:00": "2026-05-01 10:00:00",
    "1777629600000000000": "2026-05-01 10:00:00",
    "1777629600": "2026-05-01 10:00:00",
    "2026-05-01T10:00:00 Z": None,
    "2026-05-01T10:00:00 6Z": None,
    "2026-05-01T10: 30:00Z": None,
    "2026-05-01T10:00:00z": None,
    "2026-13-01T10:00:00Z": None,
}


def test_span_timestamps_are_utc_instants(tmp_path: Path) -> None:
    run = _span_records_of(tmp_path, [
        {"trace_id": "a" * 32, "span_id": f"{n:016x}", "name": "op", "timestamp": text, "end_time": text,
         "service.name": "svc"}
        for n, text in enumerate(TIMESTAMPS, start=1)
    ])
    rows = run.query(
        "select line_number, strftime(started_at, '%Y-%m-%d %H:%M:%S.%f'), strftime(ended_at, '%Y-%m-%d %H:%M:%S.%f'),"
        " rejection_reason from staging.stg_traces__span_records order by line_number"
    )
    expected = {}
    for n, instant in enumerate(TIMESTAMPS.values(), start=1):
        text = None if instant is None else instant if "." in instant else instant + ".000000"
        expected[n] = (text, text, None if instant is not None else "unparseable_timestamp")
    assert {number: (started, ended, reason) for number, started, ended, reason in rows} == expected


# Request and response model as real instrumentations spell them (seed attribute_aliases), with a
# blank higher-priority alias that must not win: (request_model, its key, response_model, its key).
MODEL_ALIASES = {
    "m1": ({"gen_ai.request.model": "  ", "llm.request.model_name": "gpt-4o",
            "model": "gpt-4o-2024-08-06"},
           ("gpt-4o", "llm.request.model_name", "gpt-4o-2024-08-06", "model")),
    "m2": ({"gen_ai.request.model": "claude-sonnet-4", "gen_ai.response.model": "",
            "llm.response.model_name": " claude-sonnet-4-20250514 ", "model": "ignored"},
           ("claude-sonnet-4", "gen_ai.request.model", " claude-sonnet-4-20250514 ", "llm.response.model_name")),
    "m3": ({"model_group": "team-gpt", "langfuse.observation.model.name": "gpt-4.1"},
           ("team-gpt", "model_group", "gpt-4.1", "langfuse.observation.model.name")),
    "m4": ({"gen_ai.operation.name": "invoke_agent"}, (None, None, None, None)),
}


def test_model_aliases_resolve_once_in_staging(tmp_path: Path) -> None:
    """Staging resolves the request and response model (the first non-blank alias, as sent, and
    its key) once; int_spans__canonicalized passes them on instead of reading the aliases again
    (issue #17 item 7)."""
    run = _span_records_of(tmp_path, [
        {"trace_id": "b" * 32, "span_id": span_id, "name": "chat", "timestamp": "2026-05-01T10:00:00Z",
         **attributes}
        for span_id, (attributes, _) in MODEL_ALIASES.items()
    ])
    rows = run.query(
        "select span_id, request_model, request_model_source_key, response_model, response_model_source_key"
        " from staging.stg_traces__span_records"
    )
    assert {span_id: tuple(values) for span_id, *values in rows} == {
        span_id: expected for span_id, (_, expected) in MODEL_ALIASES.items()
    }


# Ids as SDK console exports and hand-written spans carry them (trace, span, parent as written),
# with the ids every model reads (macro normalize_hex_id): an id already in lowercase hex takes
# its fast path, any other is trimmed, lowercased and loses a `0x` prefix; blank is null.
IDS = {
    1: (("0xABCDEF0123456789ABCDEF0123456789", " 00F067AA0BA902B7 ", ""),
        ("abcdef0123456789abcdef0123456789", "00f067aa0ba902b7", None)),
    2: (("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b8", "00F067AA0BA902B7"),
        ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b8", "00f067aa0ba902b7")),
    3: (("0XAB12", "0x00c1", None), ("ab12", "00c1", None)),
    4: (("ab12", "trace-span 1", " 0x00C1"), ("ab12", "trace-span 1", "00c1")),
}


def test_span_ids_are_normalized(tmp_path: Path) -> None:
    """Every id is normalised one way whether or not it takes the fast path, and a quarantined
    record still shows its ids as written (line 3 has no timestamp)."""
    run = _span_records_of(tmp_path, [
        {"trace_id": trace, "span_id": span, **({} if parent is None else {"parent_span_id": parent}),
         "name": "op", **({"timestamp": "2026-05-01T10:00:00Z"} if line != 3 else {})}
        for line, ((trace, span, parent), _) in IDS.items()
    ])
    rows = run.query(
        "select line_number, trace_id, span_id, parent_span_id, rejection_reason, raw_record"
        " from staging.stg_traces__span_records"
    )
    assert {line: tuple(ids) for line, *ids, _, _ in rows} == {line: ids for line, (_, ids) in IDS.items()}
    quarantined = [(line, reason, json.loads(raw)) for line, *_, reason, raw in rows if reason is not None]
    assert [(line, reason) for line, reason, _ in quarantined] == [(3, "missing_timestamp")]
    shown = quarantined[0][2]
    assert (shown["trace_id"], shown["span_id"], shown["parent_span_id"]) == ("0XAB12", "0x00c1", None)
