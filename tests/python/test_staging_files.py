"""The staging layer's file handling (issue #17 items 1-4): a line appended while a file is
read is staged by the next run, never lost; traces_path names a glob or a directory of
JSONL / JSON array / Parquet files, plain or compressed, and matching nothing fails; the
marts describe the current traces_path only; conflicting duplicates are resolved by landing
order."""
from __future__ import annotations

from pathlib import Path

from _dbt_builds import SPAN_RECORDS_GRAIN_TEST, clean_spans
from dbt_runner import DbtRun, run_dbt, run_staging

NO_UNIT_TESTS = ["--exclude", "resource_type:unit_test", "--indirect-selection", "cautious"]
RECONCILE = "+assert_records_reconcile_per_file"


def _staged_lines(run: DbtRun) -> dict[str, int]:
    return dict(run.query(
        "select regexp_extract(source_file, '[^/]+$'), count(*) from staging.stg_traces__parsed_records group by 1"
    ))


def test_line_appended_while_the_file_is_read_is_staged_by_the_next_run(tmp_path: Path) -> None:
    """The race, made deterministic: the file is staged (size and mtime captured first), then
    lines are appended before the rest of the build runs (cautious: the reconciliation test,
    which also reads the staged records, is still selected). The reconciliation test must
    report the unstaged bytes, and the next run must stage every line exactly once."""
    lines = clean_spans()
    landing = tmp_path / "landing"
    landing.mkdir()
    span_file = landing / "spans.jsonl"
    span_file.write_text("\n".join(lines[:6]) + "\n")
    glob = str(landing / "*.jsonl")
    work = tmp_path / "work"

    read = run_staging(work, glob)
    assert read.returncode == 0, read.output[-3000:]
    with span_file.open("a") as handle:
        handle.write("\n".join(lines[6:]) + "\n")
    rest = run_dbt(work, "build", traces_glob=glob, select=RECONCILE,
                   extra_args=["--exclude", "stg_traces__parsed_records", "resource_type:unit_test",
                               "--indirect-selection", "cautious"])
    assert "FAIL 1 assert_records_reconcile_per_file" in rest.output, rest.output[-3000:]
    problems = rest.query("select problem from dbt_test__audit.assert_records_reconcile_per_file")
    assert len(problems) == 1 and "on disk" in problems[0][0], problems

    nightly = run_dbt(work, "build", traces_glob=glob, select=RECONCILE, extra_args=NO_UNIT_TESTS)
    assert nightly.returncode == 0, nightly.output[-3000:]
    assert "staging reads 1 new or changed span file(s)" in nightly.output
    assert _staged_lines(nightly) == {"spans.jsonl": len(lines)}
    spans = nightly.query("select count(*), count(distinct span_key) from staging.stg_traces__spans")
    assert spans == [(len(lines), len(lines))]


def _landing_area_of_every_format(landing: Path) -> dict[str, str]:
    """The clean fixture's five traces, one per format, in nested folders (CRLF lines, a JSON
    array of spans, gzip, zstd, Parquet) plus a file that is no span file. Returns span_id ->
    file name of each model call."""
    import gzip

    import duckdb

    lines = clean_spans()
    folders = {name: landing / name for name in ["crlf", "arrays/nested", "gz", "zst", "parquet"]}
    for folder in folders.values():
        folder.mkdir(parents=True)
    (folders["crlf"] / "flat.jsonl").write_bytes(f"{lines[0]}\r\n\r\n{lines[1]}\r\n".encode())
    (folders["arrays/nested"] / "array.json").write_text(f"[{lines[2]}, {lines[3]}]\n")
    with gzip.open(folders["gz"] / "spans.jsonl.gz", "wt") as handle:
        handle.write(f"{lines[4]}\n{lines[5]}\n")
    plain = landing / "plain.jsonl.tmp"
    plain.write_text(f"{lines[6]}\n{lines[7]}\n")
    with duckdb.connect() as con:
        con.execute(f"copy (select * from read_json('{plain}', format = 'newline_delimited')) "
                    f"to '{folders['zst'] / 'spans.jsonl.zst'}' (format json, compression zstd)")
        plain.write_text(f"{lines[8]}\n{lines[9]}\n")
        con.execute(f"copy (select * from read_json('{plain}', format = 'newline_delimited')) "
                    f"to '{folders['parquet'] / 'spans.parquet'}' (format parquet)")
    plain.unlink()
    (landing / "notes.txt").write_text("not a span file\n")
    return {
        f"{2 * n + 1:016x}": name
        for n, name in enumerate(["flat.jsonl", "array.json", "spans.jsonl.gz", "spans.jsonl.zst", "spans.parquet"], 1)
    }


def test_directory_of_every_supported_format(tmp_path: Path) -> None:
    """traces_path names a directory: every supported file under it, recursively, is read;
    CRLF lines are numbered 1, 2, 3; each element of a JSON array is one record. The
    directory's name holds a space and a quote (paths travel as data, never as SQL)."""
    expected_calls = _landing_area_of_every_format(tmp_path / "landing")
    landing = (tmp_path / "landing").rename(tmp_path / "landing o'neil")
    run = run_dbt(tmp_path / "work", "build", traces_glob=str(landing),
                  select="+fct_llm_calls +assert_records_reconcile_per_file", extra_args=NO_UNIT_TESTS)
    assert run.returncode == 0, run.output[-3000:]
    calls = dict(run.query("select span_id, regexp_extract(source_file, '[^/]+$') from marts.fct_llm_calls"))
    assert calls == expected_calls
    records = run.query(
        "select regexp_extract(source_file, '[^/]+$'), line_number, batch_position, record_format "
        "from staging.stg_traces__parsed_records order by 1, 2, 3"
    )
    assert [r for r in records if r[0] == "flat.jsonl"] == [
        ("flat.jsonl", 1, None, "flat_json"), ("flat.jsonl", 2, None, "blank"), ("flat.jsonl", 3, None, "flat_json"),
    ]
    assert [r for r in records if r[0] == "array.json"] == [
        ("array.json", 1, "[0]", "flat_json"), ("array.json", 1, "[1]", "flat_json"),
    ]
    assert "notes.txt" not in {r[0] for r in records}
    assert run.query("select count(*) from marts.quarantined_spans") == [(0,)]


def test_traces_path_matching_nothing_fails_naming_the_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "no_such_landing" / "*.jsonl")
    failed = run_staging(tmp_path / "work", missing)
    assert failed.returncode != 0
    assert f'traces_path matches no span file: "{missing}"' in failed.output, failed.output[-2000:]
    allowed = run_staging(tmp_path / "work", missing, extra_vars={"allow_empty_traces_path": True})
    assert allowed.returncode == 0, allowed.output[-2000:]


def test_marts_describe_the_current_traces_path_only(tmp_path: Path) -> None:
    """Spans staged from another traces_path (a first dataset) are not billed after
    traces_path moves; a file deleted from the landing area but still under traces_path
    stays staged and billed (landing retention must not delete history)."""
    lines = clean_spans()
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "old.jsonl").write_text("\n".join(lines[:4]) + "\n")
    (second / "kept.jsonl").write_text("\n".join(lines[4:8]) + "\n")
    (second / "expires.jsonl").write_text("\n".join(lines[8:]) + "\n")
    work = tmp_path / "work"
    select = "+fct_llm_calls +quarantined_spans +assert_records_reconcile_per_file"

    def build(landing: Path, selection: str | None = select) -> DbtRun:
        run = run_dbt(work, "build", traces_glob=str(landing / "*.jsonl"), select=selection, extra_args=NO_UNIT_TESTS)
        assert run.returncode == 0, run.output[-3000:]
        return run

    def billed(run: DbtRun) -> dict[str, int]:
        return dict(run.query(
            "select regexp_extract(source_file, '[^/]+$'), count(*) from marts.fct_llm_calls group by 1"))

    assert billed(build(first)) == {"old.jsonl": 2}
    moved = build(second)
    assert billed(moved) == {"kept.jsonl": 2, "expires.jsonl": 1}
    assert moved.query("select count(*) from staging.stg_traces__spans where source_file like '%old.jsonl'") == [(0,)]
    assert _staged_lines(moved)["old.jsonl"] == 4  # still staged: a move back needs no re-read

    (second / "expires.jsonl").unlink()
    after_retention = build(second)
    assert "staging reads 0 new or changed span file(s)" in after_retention.output
    assert billed(after_retention) == {"kept.jsonl": 2, "expires.jsonl": 1}

    # A night that rebuilds a trace of the first dataset (a span of it lands under the current path)
    # still leaves that dataset's records out: a night tests the path on its rebuilt traces' records.
    # Whole builds: a selection does not record a completed run, so every later run would rebuild
    # every trace.
    build(second, selection=None)
    (second / "late.jsonl").write_text(lines[0] + "\n")
    late = build(second, selection=None)
    assert "staging reads 1 new or changed span file(s)" in late.output
    assert "every trace is rebuilt" not in late.output
    assert "old.jsonl" not in billed(late), billed(late)


def test_conflicting_copies_billed_by_landing_order(tmp_path: Path) -> None:
    """A retry with other token counts lands later in a file whose name sorts first: the
    copy that landed first is billed, on a nightly run and on a full refresh, and the
    conflict alert lists it with the cost at stake."""
    import os

    from _dbt_builds import ACME, _trace

    landing = tmp_path / "landing"
    landing.mkdir()
    first = landing / "b_first.jsonl"
    first.write_text("\n".join(_trace(1, 1, ACME, "gpt-4o-mini", (1000, 200), "model-client")
                               + _trace(2, 2, ACME, "gpt-4o-mini", (2000, 400), "model-client")) + "\n")
    landed_at = 1_780_000_000
    os.utime(first, (landed_at, landed_at))
    glob = str(landing / "*.jsonl")
    select = "+fct_llm_calls +alert_conflicting_duplicate_spans"
    call_span = f"{3:016x}"

    def build(work: Path, *extra: str) -> DbtRun:
        run = run_dbt(work, "build", traces_glob=glob, select=select, extra_args=NO_UNIT_TESTS + list(extra))
        assert run.returncode == 0, run.output[-3000:]
        return run

    def billed_tokens(run: DbtRun) -> list[tuple]:
        return run.query(f"select input_tokens, output_tokens, regexp_extract(source_file, '[^/]+$') "
                         f"from marts.fct_llm_calls where span_id = '{call_span}'")

    build(tmp_path / "nightly")
    retry = landing / "a_retry.jsonl"
    retry.write_text("\n".join(_trace(1, 1, ACME, "gpt-4o-mini", (5000, 900), "model-client")) + "\n")
    os.utime(retry, (landed_at + 3600, landed_at + 3600))
    nightly = build(tmp_path / "nightly")
    full = build(tmp_path / "full", "--full-refresh")
    for run in (nightly, full):
        assert billed_tokens(run) == [(1000, 200, "b_first.jsonl")]
        cost = run.query(f"select cost_usd from marts.fct_llm_calls where span_id = '{call_span}'")[0][0]
        alert = run.query(
            "select span_id, regexp_extract(billed_source_file, '[^/]+$'), regexp_extract(conflicting_source_file, "
            "'[^/]+$'), billed_input_tokens, conflicting_input_tokens, cost_at_stake_usd "
            "from dbt_test__audit.alert_conflicting_duplicate_spans"
        )
        assert alert == [(call_span, "b_first.jsonl", "a_retry.jsonl", 1000, 5000, cost)]
        assert cost > 0


def test_span_records_lost_or_copied_after_staging_fail_the_checks(tmp_path: Path) -> None:
    """A nightly build checks the staged records per line only in the files it staged, and
    every other file by counts (assert_records_reconcile_per_file). Planted in a file staged
    by an earlier, completed run: a span record lost (the per-file count: the spans staged and
    the records read drop together, so only parsed against typed records shows it), then a
    copy of another record in its place (equal counts: the grain test of
    stg_traces__span_records fails). Once the ledger no longer holds that run as completed
    (as after a killed run), its files are checked line by line again."""
    import duckdb

    lines = clean_spans()
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "older.jsonl").write_text("\n".join(lines[:6]) + "\n")
    (landing / "other.jsonl").write_text("\n".join(lines[6:]) + "\n")
    glob = str(landing / "*.jsonl")
    work = tmp_path / "work"
    # Every model: a build is recorded as completed only when every per-trace and period model ran.
    built = run_dbt(work, "build", traces_glob=glob)
    assert built.returncode == 0, built.output[-3000:]
    older = "source_file like '%/older.jsonl'"

    def plant(*statements: str) -> None:
        with duckdb.connect(str(built.database)) as connection:
            for statement in statements:
                connection.execute(statement)

    def reconcile() -> tuple[DbtRun, list[str]]:
        run = run_dbt(work, "build", traces_glob=glob, select="assert_records_reconcile_per_file",
                      extra_args=NO_UNIT_TESTS)
        problems = [row[0] for row in run.query("select problem from dbt_test__audit.assert_records_reconcile_per_file")]
        return run, problems

    plant(f"delete from staging.stg_traces__span_records where {older} and line_number = 2")
    lost, problems = reconcile()
    assert "FAIL 1 assert_records_reconcile_per_file" in lost.output, lost.output[-3000:]
    assert problems == ["parsed 6 span records, typed 5; read 5, staged 5, quarantined 0"], problems

    plant(f"insert into staging.stg_traces__span_records select * from staging.stg_traces__span_records "
          f"where {older} and line_number = 3")
    copied, problems = reconcile()
    assert copied.returncode == 0 and problems == [], (problems, copied.output[-3000:])
    grain = run_dbt(work, "test", traces_glob=glob, select="stg_traces__span_records", extra_args=NO_UNIT_TESTS)
    assert f"FAIL 1 {SPAN_RECORDS_GRAIN_TEST}" in grain.output, grain.output[-3000:]

    plant("delete from staging.nightly_runs")
    per_line, problems = reconcile()
    assert "FAIL 2 assert_records_reconcile_per_file" in per_line.output, per_line.output[-3000:]
    assert sorted(problems) == ["line 2 (flat_json) gave 0 records", "line 3 (flat_json) gave 2 records"], problems


def test_copy_of_a_staged_record_under_another_trace_fails_the_nightly_grain_test(tmp_path: Path) -> None:
    """On a nightly build the grain test of stg_traces__span_records reads the rows of the
    rebuilt traces and of the files staged this run. A copy of a record of the night's file left
    under a trace the night does not rebuild (planted after the per-trace models ran, as a
    stale row of a file staged again would be) is in the second set only, and fails the test."""
    import duckdb

    lines = clean_spans()
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "first.jsonl").write_text("\n".join(lines[:6]) + "\n")
    glob = str(landing / "*.jsonl")
    work = tmp_path / "work"
    built = run_dbt(work, "build", traces_glob=glob)
    assert built.returncode == 0, built.output[-3000:]

    (landing / "second.jsonl").write_text("\n".join(lines[6:]) + "\n")
    staged = run_staging(work, glob)
    assert staged.returncode == 0, staged.output[-3000:]
    rebuilt = run_dbt(work, "run", traces_glob=glob,
                      select="stg_traces__affected_traces stg_traces__affected_days stg_traces__span_records")
    assert rebuilt.returncode == 0, rebuilt.output[-3000:]
    with duckdb.connect(str(built.database)) as connection:
        connection.execute(
            "insert into staging.stg_traces__span_records select * replace ('" + "f" * 32 + "' as trace_id) "
            "from staging.stg_traces__span_records where source_file like '%/second.jsonl' and line_number = 1")
        foreign_rebuilt = connection.execute(
            "select count(*) from staging.stg_traces__affected_traces where trace_id = '" + "f" * 32 + "'").fetchone()
    assert foreign_rebuilt == (0,)
    tested = run_dbt(work, "build", traces_glob=glob, select=SPAN_RECORDS_GRAIN_TEST, extra_args=NO_UNIT_TESTS)
    assert f"FAIL 1 {SPAN_RECORDS_GRAIN_TEST}" in tested.output, tested.output[-3000:]
