"""scripts/bench.py: the measuring and reporting parts (the full benchmark runs for hours)."""
from __future__ import annotations

import sys
import json
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import bench  # noqa: E402

RESULT = {
    "load_1min": 1.5, "millions": 1.0, "spans": 1_000_000, "gb": 0.45, "calls": 225_000,
    "floor_s": 2.0, "floor_mb": 300.0, "staging_s": 3.0, "full_s": 200.0, "full_mb": 2900.0,
    "nightly_s": 150.0, "nightly_mb": 2500.0, "baseline_cps": 6500.0, "ours_cps": 1125.0,
    "pricing_cps": 900000.0,
}


def test_run_measured_reports_time_and_peak_memory_of_the_process_tree() -> None:
    measured = bench.run_measured([sys.executable, "-c", "x = bytearray(200 * 1024 * 1024); import time; time.sleep(1)"])
    assert measured.seconds >= 1.0
    assert measured.peak_rss_mb > 150


def test_run_measured_fails_loudly() -> None:
    with pytest.raises(SystemExit):
        bench.run_measured([sys.executable, "-c", "raise SystemExit(3)"])


def test_render_prints_every_ratio() -> None:
    text = bench.render([RESULT], "python scripts/bench.py --sizes 1", "3GB", 30)
    row = next(line for line in text.splitlines() if line.startswith("| 1,000,000"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[4] == "3.0"  # staging s
    assert cells[5] == "1.50x"  # staging / floor
    assert cells[8] == "100.0x"  # full / floor
    assert cells[9] == "75%"  # nightly / full
    assert cells[10] == "300 / 2900 / 2500"
    assert cells[14] == "0.173x"  # end to end / baseline
    assert cells[15] == "138x"  # pricing / baseline
    assert "python scripts/bench.py --sizes 1" in text
    assert "1.5 on" in text


def write_run_results(work: Path, seconds_by_node: dict[str, float]) -> None:
    """A run_results.json under work/target with these execution times."""
    (work / "target").mkdir(parents=True, exist_ok=True)
    (work / "target" / "run_results.json").write_text(bench.json.dumps({"results": [
        {"unique_id": unique_id, "execution_time": seconds} for unique_id, seconds in seconds_by_node.items()]}))


def test_staging_seconds_sums_every_base_and_stg_model(tmp_path: Path) -> None:
    write_run_results(tmp_path, {
        "model.llm_spend_attribution.base_traces__raw_lines": 5.0,
        "model.llm_spend_attribution.stg_traces__parsed_records": 70.0,
        "model.llm_spend_attribution.stg_traces__span_records": 20.0,
        "model.llm_spend_attribution.int_spans__canonicalized": 9.0,
        "test.llm_spend_attribution.not_null_stg_traces__spans_span_key.abc": 2.0,
        "unit_test.llm_spend_attribution.stg_traces__span_records.t": 1.0,
    })
    assert bench.staging_seconds(tmp_path) == 95.0


def generated(out: Path, span_format: str) -> Path:
    """A small clean generated dataset (seed 8) in span_format; returns its glob's directory."""
    bench.subprocess.run([sys.executable, str(bench.PROJECT / "scripts" / "generate_traces.py"), "--calls", "40",
                          "--days", "2", "--seed", "8", "--format", span_format, "--out", str(out)],
                         check=True, capture_output=True)
    return out


def test_floor_stores_every_span_of_flat_and_otlp_files_as_a_table(tmp_path: Path) -> None:
    """The same seed gives the same spans as flat JSONL and as OTLP batches: the floor must read both
    into the same envelope and attribute values, one row per span, stored as a table."""
    tables = {}
    for span_format in ("jsonl", "otlp"):
        data = generated(tmp_path / span_format, span_format)
        database = tmp_path / f"floor_{span_format}.duckdb"
        started = bench.time.perf_counter()
        measured = bench.floor(str(data / "*" / "*" / "*.jsonl"), "1GB", database)
        # The statement's own time: less than the process's wall time around it.
        assert 0 < measured.seconds < bench.time.perf_counter() - started
        assert measured.peak_rss_mb > 0
        with bench.duckdb.connect(str(database), read_only=True) as connection:
            assert connection.sql("select table_type from information_schema.tables"
                                  " where table_name = 'floor_spans'").fetchall() == [("BASE TABLE",)]
            tables[span_format] = connection.sql(
                "select trace_id, span_id, parent_span_id, span_name, attributes['service.name'],"
                " attributes['gen_ai.usage.input_tokens'], attributes['tenant_id'] from floor_spans"
            ).fetchall()
        assert bench.floor_span_count(database) == len(tables[span_format])
    flat_lines = sum(len(path.read_text().splitlines()) for path in (tmp_path / "jsonl").rglob("*.jsonl"))
    assert len(tables["jsonl"]) == flat_lines > 100
    assert sorted(tables["jsonl"], key=str) == sorted(tables["otlp"], key=str)
    assert any(row[5] is not None for row in tables["otlp"])


def test_pricing_seconds_sums_the_two_pricing_models(tmp_path: Path) -> None:
    write_run_results(tmp_path, {
        "model.llm_spend_attribution.int_llm_calls__model_resolved": 2.5,
        "model.llm_spend_attribution.int_llm_calls__priced": 4.0,
        "model.llm_spend_attribution.fct_llm_calls": 9.0,
    })
    assert bench.pricing_seconds(tmp_path) == 6.5


def test_baseline_prices_built_calls_one_by_one(sample_build) -> None:  # noqa: ANN001
    calls_per_second, priced = bench.baseline_calls_per_second(sample_build.database, 50)
    assert calls_per_second > 0
    assert 0 < priced <= 50


def test_landing_area_links_the_day_folders_and_duckdb_reads_through_them(tmp_path: Path) -> None:
    days = []
    for n, day in enumerate(["dt=2026-05-30", "dt=2026-05-31"]):
        hour = tmp_path / "data" / day / "hour=00"
        hour.mkdir(parents=True)
        (hour / "spans-000.jsonl").write_text(f'{{"n": {n}}}\n')
        days.append(tmp_path / "data" / day)
    landing = tmp_path / "landing"
    bench.landing_area(landing, days[:1])
    first = (landing / "dt=2026-05-30").resolve()
    glob = str(landing / "*" / "*" / "*.jsonl")
    assert bench.duckdb.sql(f"select n from read_json_auto('{glob}')").fetchall() == [(0,)]
    bench.landing_area(landing, days)
    assert (landing / "dt=2026-05-30").resolve() == first
    assert sorted(bench.duckdb.sql(f"select n from read_json_auto('{glob}')").fetchall()) == [(0,), (1,)]


def test_generate_reuses_data_generated_with_the_same_arguments(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    out = tmp_path / "data"
    out.mkdir()
    (out / "generated.json").write_text(bench.json.dumps(
        ["--calls", "10", "--days", "2", "--start", "2026-05-01", "--all-faults", "--seed", "8",
         "--format", "jsonl"]))
    calls: list[list[str]] = []
    monkeypatch.setattr(bench.subprocess, "run", lambda args, **_: calls.append(args))
    bench.generate(out, 10, 2)
    assert calls == []
    bench.generate(out, 11, 2)
    assert len(calls) == 1 and "11" in calls[0]
    bench.generate(out, 10, 2, "otlp")
    assert len(calls) == 2 and calls[1][calls[1].index("--format") + 1] == "otlp"


def test_seconds_by_phase_splits_parsing_models_and_tests(tmp_path: Path) -> None:
    write_run_results(tmp_path, {
        "model.llm_spend_attribution.base_traces__raw_lines": 5.0,
        "model.llm_spend_attribution.stg_traces__parsed_records": 75.0,
        "model.llm_spend_attribution.fct_llm_calls": 9.0,
        "model.llm_spend_attribution.publish_bi_release": 4.0,
        "seed.llm_spend_attribution.llm_prices": 1.0,
        "test.llm_spend_attribution.not_null_x.abc": 2.5,
        "unit_test.llm_spend_attribution.int_llm_calls__priced.t": 1.5,
    })
    assert bench.seconds_by_phase(tmp_path) == {"parse": 80.0, "models": 10.0, "publish": 4.0, "data_tests": 2.5,
                                                  "unit_tests": 1.5}


def test_render_prints_the_phase_table_when_measured() -> None:
    result = RESULT | {"full_parse_s": 80.0, "full_models_s": 120.0, "full_publish_s": 30.0, "full_data_tests_s": 60.0,
                       "full_unit_tests_s": 20.0, "nightly_parse_s": 3.0, "nightly_models_s": 110.0,
                       "nightly_publish_s": 4.0, "nightly_data_tests_s": 55.0, "nightly_unit_tests_s": 20.0}
    text = bench.render([result], "python scripts/bench.py --sizes 1", "3GB", 30)
    assert "| 1,000,000 | 80 / 120 / 30 / 60 / 20 | 3 / 110 / 4 / 55 / 20 |" in text


def test_dbt_build_runs_the_given_number_of_models_at_a_time(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[list[str], dict[str, str] | None]] = []
    monkeypatch.setattr(bench, "run_measured", lambda args, env=None: seen.append((args, env)))
    bench.dbt_build(tmp_path, tmp_path / "x.duckdb", "/data/*.jsonl", "3GB", 1)
    [(args, env)] = seen
    assert args[args.index("--threads") + 1] == "1"
    assert env is not None and env["DBT_DUCKDB_MEMORY_LIMIT"] == "3GB"
    assert "dbt threads 1" in bench.render([RESULT], "x", "3GB", 30, 1)


def test_staging_pairs_alternate_the_floor_and_staging_alone(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[str] = []

    def floor(glob: str, memory_limit: str, database: Path) -> bench.Measured:
        steps.append("floor")
        return bench.Measured(10.0 + len(steps), 0.0)

    def dbt_build(work: Path, database: Path, glob: str, memory_limit: str, threads: int,
                  extra_args: list[str] | None = None) -> bench.Measured:
        steps.append("staging " + " ".join(extra_args or []))
        database.write_text("warehouse")
        database.with_name(database.name + ".tmp").mkdir(exist_ok=True)  # DuckDB's spill folder
        write_run_results(work, {"model.llm_spend_attribution.stg_traces__parsed_records": 12.0,
                                 "model.llm_spend_attribution.stg_traces__span_records": float(len(steps))})
        return bench.Measured(30.0, 0.0)

    monkeypatch.setattr(bench, "floor", floor)
    monkeypatch.setattr(bench, "dbt_build", dbt_build)
    pairs = bench.staging_pairs(2, "/data/*.jsonl", tmp_path, 1.0, "3GB", 1)
    staging_alone = "staging " + " ".join(bench.STAGING_ARGS)
    assert steps == ["floor", staging_alone, "floor", staging_alone]
    assert pairs == [(11.0, 14.0), (13.0, 16.0)]
    assert not list(tmp_path.glob("staging_1.0m.duckdb*"))  # each pair's warehouse and spill folder removed
    text = bench.render([RESULT | {"staging_pairs": [(2.0, 3.0), *pairs]}], "x", "3GB", 30)
    assert "- 1,000,000 spans: 3.0 / 2.0 s = 1.50x, 14.0 / 11.0 s = 1.27x, 16.0 / 13.0 s = 1.23x; median 1.27x" in text
    assert "alternated pairs" not in bench.render([RESULT | {"staging_pairs": [(2.0, 3.0)]}], "x", "3GB", 30)


def test_night_pairs_replay_each_night_from_the_state_it_started_from(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    start = bench.date.fromisoformat(bench.GENERATED_START)
    for name, days in (("data_1.0m_jsonl", 31), ("data_0.258m_jsonl", 8)):
        for day in range(days):
            (tmp_path / name / f"dt={start + bench.timedelta(days=day):%Y-%m-%d}").mkdir(parents=True)
    generated: list[tuple[int, int]] = []
    monkeypatch.setattr(bench, "generate", lambda out, calls, days, span_format="jsonl": generated.append((calls, days)))
    builds: list[tuple[str, str, int, str]] = []  # (warehouse, and before it: its rows, releases, the link's release)

    def dbt_build(work: Path, database: Path, glob: str, memory_limit: str, threads: int,
                  extra_args: list[str] | None = None) -> bench.Measured:
        """A nightly build: the warehouse says how many days it holds; each build publishes a release."""
        assert extra_args == bench.NIGHTLY_ARGS
        landed = len(list(Path(glob).parents[2].iterdir()))
        exports = database.with_suffix(".exports")
        releases = exports.parent / f"{exports.name}.releases"
        releases.mkdir(exist_ok=True)
        builds.append((database.name, database.read_text() if database.exists() else "", len(list(releases.iterdir())),
                       exports.resolve().name if exports.exists() else ""))
        database.write_text(f"{landed} days")
        (releases / f"release_{len(builds)}").mkdir()
        link = exports.with_name("link.tmp")
        link.symlink_to(f"{releases.name}/release_{len(builds)}")
        bench.os.replace(link, exports)
        return bench.Measured(float(landed) + len(builds) / 100, 0.0)

    monkeypatch.setattr(bench, "dbt_build", dbt_build)
    night, long_start = bench.history_and_night(tmp_path, tmp_path / "work_nightly", tmp_path / "data_1.0m_jsonl",
                                                1.0, 30, "3GB", 1, "jsonl", keep_start=True)
    assert night.seconds == 31.02 and long_start is not None
    pairs = bench.night_pairs_measured(2, long_start, tmp_path, 1.0, 30, 7, "3GB", 1, "jsonl")
    assert generated == [(int(258_000 / bench.SPANS_PER_CALL), 8)]  # the short history at the same spans per day
    assert builds == [
        ("nightly_1.0m.duckdb", "", 0, ""), ("nightly_1.0m.duckdb", "30 days", 1, "release_1"),  # history, night
        ("nightly_0.258m.duckdb", "", 0, ""), ("nightly_0.258m.duckdb", "7 days", 1, "release_3"),
        # each replay starts from its history's warehouse, with only the history's release published
        ("nightly_0.258m.duckdb", "7 days", 1, "release_3"), ("nightly_1.0m.duckdb", "30 days", 1, "release_1"),
        ("nightly_0.258m.duckdb", "7 days", 1, "release_3"), ("nightly_1.0m.duckdb", "30 days", 1, "release_1"),
    ]
    assert pairs == [(8.05, 31.06), (8.07, 31.08)]
    assert (tmp_path / "nightly_1.0m.exports").resolve().name == "release_8"
    assert not list(tmp_path.glob("night_start_*"))  # the snapshots removed

    def failing_build(*args: object, **kwargs: object) -> bench.Measured:
        raise SystemExit("command failed")

    _, long_start = bench.history_and_night(tmp_path, tmp_path / "work_nightly", tmp_path / "data_1.0m_jsonl",
                                            1.0, 30, "3GB", 1, "jsonl", keep_start=True)
    assert long_start is not None and long_start.snapshot.exists()
    monkeypatch.setattr(bench, "dbt_build", failing_build)
    with pytest.raises(SystemExit):
        bench.night_pairs_measured(1, long_start, tmp_path, 1.0, 30, 7, "3GB", 1, "jsonl")
    assert not list(tmp_path.glob("night_start_*"))  # a failed replay leaves no snapshot either
    (tmp_path / "night_start_nightly_1.0m.duckdb").write_text("left by a killed run")
    monkeypatch.setattr(bench, "dbt_build", dbt_build)
    bench.history_and_night(tmp_path, tmp_path / "work_nightly", tmp_path / "data_1.0m_jsonl", 1.0, 30, "3GB", 1,
                            "jsonl")
    assert not list(tmp_path.glob("night_start_*"))  # the next run removes it
    measured = [(60.0, 75.0), (50.0, 55.0), (40.0, 60.0)]
    text = bench.render([RESULT | {"night_pairs": measured, "days": 30, "short_days": 7}], "x", "3GB", 30)
    assert ("- 1,000,000 spans, 30 / 7 days of history: 75.0 / 60.0 s = 1.25x, 55.0 / 50.0 s = 1.10x, "
            "60.0 / 40.0 s = 1.50x; median 1.25x") in text
    assert "the full history" not in bench.render([RESULT], "x", "3GB", 30)
