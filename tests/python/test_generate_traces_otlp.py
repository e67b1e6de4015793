"""Tests for `generate_traces.py --format otlp`: the OTLP files hold exactly the flat format's spans.

The OTLP lines are decoded here with plain `json` (no generator code) back to
flat span dicts, then compared per file with the flat run of the same seed,
so every fault of the flat format (drift, loss, claims, duplicates, late
spans, ...) is shown to be in the OTLP files too.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from test_generate_traces import BASE, Output, detect_faults, generate

KINDS = {1: "internal", 2: "server", 3: "client"}
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
NANOS = re.compile(r"^[1-9][0-9]{18}$")
TOKEN_KEY = re.compile(r"^gen_ai\.usage\.")
ARGS = [*BASE, "--all-faults", "--worked-example", "--calls", "400"]
BATCH = 7  # small, so files hold several batches and batches several services


def _iso(nanos: str) -> str:
    """Flat-format timestamp (ms, Z) of an OTLP decimal nanosecond string."""
    assert NANOS.match(nanos) and nanos.endswith("000000"), nanos
    at = datetime.fromtimestamp(int(nanos) // 10**9, tz=timezone.utc)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{int(nanos) // 10**6 % 1000:03d}Z"


def _value(key: str, any_value: dict) -> object:
    """Plain value of an OTLP AnyValue, checking it has the type the attribute should have."""
    (kind, value), = any_value.items()
    if kind == "arrayValue":
        assert key.startswith("http.request.header."), key
        (item,) = value["values"]
        return item["stringValue"]
    if kind == "intValue":
        assert isinstance(value, str) and value.isdigit(), (key, value)
        return int(value)
    assert kind == "stringValue" and isinstance(value, str), (key, any_value)
    assert not key.startswith("http.request.header.") and not TOKEN_KEY.match(key), key
    return value


def _attributes(key_values: list[dict]) -> dict[str, object]:
    keys = [kv["key"] for kv in key_values]
    assert len(keys) == len(set(keys)), keys
    return {kv["key"]: _value(kv["key"], kv["value"]) for kv in key_values}


def decode_batch(line: str, batch_spans: int) -> list[dict]:
    """Flat span dicts of one OTLP line, checking the batch's shape."""
    batch = json.loads(line)
    assert list(batch) == ["resourceSpans"]
    spans: list[dict] = []
    services = []
    for resource_spans in batch["resourceSpans"]:
        resource = _attributes(resource_spans["resource"]["attributes"])
        assert list(resource) == ["service.name"]
        services.append(resource["service.name"])
        (scope_spans,) = resource_spans["scopeSpans"]
        scope_name = "llm_gateway." + str(resource["service.name"]).replace("-", "_")
        assert scope_spans["scope"] == {"name": scope_name, "version": "1.0.0"}
        for span in scope_spans["spans"]:
            assert HEX32.match(span["traceId"]) and HEX16.match(span["spanId"]), span
            assert span["status"] == {} and isinstance(span["kind"], int)
            parent = span.get("parentSpanId")
            assert parent is None or HEX16.match(parent)
            spans.append({
                "trace_id": span["traceId"], "span_id": span["spanId"], "parent_span_id": parent,
                "name": span["name"], "kind": KINDS[span["kind"]], "timestamp": _iso(span["startTimeUnixNano"]),
                "end_time": _iso(span["endTimeUnixNano"]), **resource, **_attributes(span["attributes"]),
            })  # fmt: skip
    assert len(services) == len(set(services)), "one resourceSpans entry per service"
    assert 1 <= len(spans) <= batch_spans
    return spans


def _flat_span(span: dict) -> dict:
    # The article's row spells the name `span`; OTLP has only `name`.
    return {("name" if k == "span" else k): v for k, v in span.items()}


def _per_file(out: Output) -> dict[str, Counter]:
    got: dict[str, Counter] = {}
    for name, span in out.lines:
        got.setdefault(name, Counter())[json.dumps(_flat_span(span), sort_keys=True)] += 1
    return got


def decode(out: Output, batch_spans: int) -> Output:
    """The OTLP run as flat span lines, in file order."""
    lines = [
        (name, span)
        for name, data in out.files.items()
        if name.endswith(".jsonl")
        for line in data.decode().splitlines()
        for span in decode_batch(line, batch_spans)
    ]
    return Output(out.root, out.files, lines, out.ledger)


@pytest.fixture(scope="module", params=["flat", "partitioned"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Output, Output]:
    """(jsonl run, otlp run) of the same seed and options."""
    root = tmp_path_factory.mktemp(f"otlp_{request.param}")
    args = [*ARGS, "--layout", request.param]
    flat = generate(root / "jsonl", *args)
    otlp = generate(root / "otlp", *args, "--format", "otlp", "--otlp-batch-spans", str(BATCH))
    return flat, otlp


def test_otlp_holds_the_same_spans_per_file(pair) -> None:
    flat, otlp = pair
    decoded = decode(otlp, BATCH)
    assert sorted(otlp.files) == sorted(flat.files)
    assert _per_file(decoded) == _per_file(flat)
    assert len(decoded.lines) == len(flat.lines) > len(flat.spans)  # duplicates kept
    assert otlp.files["ledger.csv"] == flat.files["ledger.csv"]


def test_otlp_run_shows_every_fault(pair) -> None:
    flat, otlp = pair
    decoded = decode(otlp, BATCH)
    found = detect_faults(decoded)
    assert found == detect_faults(flat) and {"duplicate_rate", "late_rate", "schema_drift_rate"} <= found


def test_otlp_batches_follow_the_batch_size(pair) -> None:
    _, otlp = pair
    for name, data in otlp.files.items():
        if not name.endswith(".jsonl"):
            continue
        sizes = [len(decode_batch(line, BATCH)) for line in data.decode().splitlines()]
        # Every batch of a file is full but its last one.
        assert all(size == BATCH for size in sizes[:-1]), (name, sizes)
    services = [
        len(json.loads(line)["resourceSpans"])
        for name, data in otlp.files.items() if name.endswith(".jsonl")
        for line in data.decode().splitlines()
    ]  # fmt: skip
    assert max(services) >= 3, "batches should mix services"


def test_otlp_is_deterministic(tmp_path: Path) -> None:
    args = [*ARGS, "--layout", "flat", "--format", "otlp"]
    first = generate(tmp_path / "a", *args)
    again = generate(tmp_path / "b", *args, "--threads", "1")
    assert first.files == again.files
    # Default batch size: fewer, larger lines, same spans.
    assert _per_file(decode(first, 100)) == _per_file(decode(generate(tmp_path / "c", *args, "--otlp-batch-spans",
                                                                       str(BATCH)), BATCH))  # fmt: skip


def test_otlp_batch_spans_must_be_positive() -> None:
    with pytest.raises(SystemExit):
        generate(Path("/nonexistent"), *ARGS, "--format", "otlp", "--otlp-batch-spans", "0")
