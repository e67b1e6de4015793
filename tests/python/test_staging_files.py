"""The staging layer's file handling (issue #17 items 1-4): a line appended while a file is
read is staged by the next run, never lost; traces_path names a glob or a directory of
JSONL / JSON array / Parquet files, plain or compressed, and matching nothing fails; the
marts describe the current traces_path only; conflicting duplicates are resolved by landing
order."""
from __future__ import annotations

from pathlib import Path

from _dbt_builds import clean_spans
from dbt_runner import DbtRun, run_dbt

NO_UNIT_TESTS = ["--exclude", "resource_type:unit_test"]
RECONCILE = "+assert_records_reconcile_per_file"


def _staged_lines(run: DbtRun) -> dict[str, int]:
    return dict(run.query(
        "select regexp_extract(source_file, '[^/]+$'), count(*) from staging.stg_traces__parsed_records group by 1"
    ))


def test_line_appended_while_the_file_is_read_is_staged_by_the_next_run(tmp_path: Path) -> None:
    """The race, made deterministic: the raw lines are read (size and mtime captured first),
    then lines are appended before the rest of staging runs. The reconciliation test must
    report the unstaged bytes, and the next run must stage every line exactly once."""
    lines = clean_spans()
    landing = tmp_path / "landing"
    landing.mkdir()
    span_file = landing / "spans.jsonl"
    span_file.write_text("\n".join(lines[:6]) + "\n")
    glob = str(landing / "*.jsonl")
    work = tmp_path / "work"

    read = run_dbt(work, "run", traces_glob=glob, select="base_traces__raw_lines")
    assert read.returncode == 0, read.output[-3000:]
    with span_file.open("a") as handle:
        handle.write("\n".join(lines[6:]) + "\n")
    rest = run_dbt(work, "build", traces_glob=glob, select=RECONCILE,
                   extra_args=["--exclude", "base_traces__raw_lines", "resource_type:unit_test"])
    assert "FAIL 1 assert_records_reconcile_per_file" in rest.output, rest.output[-3000:]
    problems = rest.query("select problem from dbt_test__audit.assert_records_reconcile_per_file")
    assert len(problems) == 1 and "on disk" in problems[0][0], problems

    nightly = run_dbt(work, "build", traces_glob=glob, select=RECONCILE, extra_args=NO_UNIT_TESTS)
    assert nightly.returncode == 0, nightly.output[-3000:]
    assert "staging reads 1 new or changed span file(s)" in nightly.output
    assert _staged_lines(nightly) == {"spans.jsonl": len(lines)}
    spans = nightly.query("select count(*), count(distinct span_key) from staging.stg_traces__spans")
    assert spans == [(len(lines), len(lines))]
