"""Truth test for OTLP input (issues 3 and 4): the same generated spans as flat JSONL and as OTLP JSON.

One seed with every fault is generated twice (`--format jsonl` and `--format
otlp`; same spans, same ledger.csv) and the project is built on each into its
own DuckDB. Both builds must agree with the ledger on every per-call check of
tests/python/ledger_truth.py (each billed call exactly once, cost, list cost,
reasons, status, cost center, identity and its source keys, conflicts) and on
chargeback and conservation, and the two fct_llm_calls must be equal row for
row (every column but source_file). No fault is left out: none of them is
about malformed lines, so each has an OTLP form.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dbt_runner import DbtRun, run_dbt
from ledger_truth import compare, read_ledger
from test_ledger_truth import BUILD_ARGS, BUILD_VARS, SCENARIOS

import generate_traces as gen

# The jsonl truth test's all-faults scenario plus the article's call (its flat
# span name uses the `span` alias; in OTLP it is the span's name).
ARGS = [*SCENARIOS["all_faults_seed11"], "--worked-example", "--layout", "flat"]
BATCH_SPANS = "50"  # several batches per daily file, several services per batch


def _build(work: Path, traces: Path) -> DbtRun:
    run = run_dbt(work, traces_glob=str(traces / "*.jsonl"), extra_vars=BUILD_VARS, extra_args=BUILD_ARGS)
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[dict[str, str]], DbtRun]]:
    """format -> (ledger, build)."""
    root = tmp_path_factory.mktemp("otlp_truth")
    got = {}
    for fmt, extra in (("jsonl", []), ("otlp", ["--otlp-batch-spans", BATCH_SPANS])):
        out = root / fmt / "traces"
        assert gen.main([*ARGS, "--format", fmt, "--out", str(out), *extra]) == 0
        got[fmt] = (read_ledger(out / "ledger.csv"), _build(root / fmt / "dbt", out))
    return got


def test_otlp_build_agrees_with_ledger_as_jsonl_does(builds) -> None:
    (flat_ledger, flat_run), (otlp_ledger, otlp_run) = builds["jsonl"], builds["otlp"]
    assert otlp_ledger == flat_ledger
    flat, otlp = compare(flat_ledger, flat_run.database), compare(otlp_ledger, otlp_run.database)
    print(f"\n[otlp] ledger calls {len(otlp_ledger)}; agreement {dict(otlp.counts)}; "
          f"max |cost diff| {otlp.max_cost_diff}")  # fmt: skip
    assert not flat.failed, flat.summary()
    assert not otlp.failed, otlp.summary()
    assert otlp.counts == flat.counts
    billed = [row for row in otlp_ledger if row["expected_billed"] == "true"]
    assert otlp.counts["calls"] == otlp.counts["reasons_agree"] == len(billed) > 2900
    assert otlp.counts["cost_agree"] == sum(bool(row["expected_cost_usd"]) for row in billed)
    faults = {f for row in otlp_ledger for f in row["injected_faults"].split(";") if f}
    assert {"identity_lost", "schema_drift_kept_alias", "tenant_claim_conflict", "duplicate_call_span",
            "late_call_span", "price_change_boundary", "unpriced_model"} <= faults  # fmt: skip


def _rows(run: DbtRun, sql: str) -> list[tuple]:
    with duckdb.connect(str(run.database), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_otlp_and_jsonl_builds_are_equal(builds) -> None:
    """Every fct_llm_calls column (but the file path) and the chargeback mart are the same for both formats."""
    flat_run, otlp_run = builds["jsonl"][1], builds["otlp"][1]
    calls = "select * exclude (source_file) from marts.fct_llm_calls order by call_id"
    flat_calls, otlp_calls = _rows(flat_run, calls), _rows(otlp_run, calls)
    assert len(otlp_calls) == len(flat_calls)
    differing = [(a, b) for a, b in zip(flat_calls, otlp_calls) if a != b]
    assert not differing, differing[:3]
    chargeback = "select * from marts.chargeback_by_cost_center order by all"
    assert _rows(otlp_run, chargeback) == _rows(flat_run, chargeback)


def test_otlp_build_read_otlp_batches(builds) -> None:
    """The OTLP build really parsed OTLP: every record came out of a batch, spans by resource/scope/span index."""
    sql = """
        select record_format, count(*), count(distinct source_file || ':' || line_number),
            count(*) filter (where batch_position like 'resourceSpans[2]%')
        from staging.stg_traces__parsed_records group by all
    """
    flat = dict((r[0], r[1:]) for r in _rows(builds["jsonl"][1], sql))
    otlp = dict((r[0], r[1:]) for r in _rows(builds["otlp"][1], sql))
    assert set(flat) == {"flat_json"} and set(otlp) == {"otlp_json"}
    spans, lines, third_resource = otlp["otlp_json"]
    assert spans == flat["flat_json"][0] and lines < spans / 10 and third_resource > 0
