"""Nightly incremental run equals a full refresh (docs/nightly.md).

Generates three days of traces with late and duplicated spans, builds days 1-2,
adds day 3 and runs the nightly (incremental) build, then rebuilds everything
with --full-refresh into another database over the same files: every mart and
the staged spans must hold identical rows. Also checks that the nightly run
re-read only the new day's files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from dbt_runner import PROJECT_DIR, run_dbt

MODELS_ONLY = ["--exclude", "resource_type:test", "resource_type:unit_test"]


def _generate(out: Path) -> None:
    subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "generate_traces.py"),
         "--calls", "300", "--days", "3", "--start", "2026-05-01", "--all-faults",
         "--late-rate", "0.1", "--duplicate-rate", "0.05", "--seed", "5",
         "--layout", "flat", "--out", str(out)],
        check=True, capture_output=True,
    )


def _tables(database: Path, schema: str) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        names = [row[0] for row in connection.sql(
            f"select table_name from duckdb_tables() where schema_name = '{schema}' order by 1"
        ).fetchall()]
        result = {}
        for name in names:
            columns = [row[0] for row in connection.sql(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ?"
                " order by column_index", params=[schema, name]
            ).fetchall()]
            # Maps compare as sorted text; rows compare as a sorted multiset.
            select = ", ".join(
                f'cast(list_sort(map_entries("{c}")) as varchar)' if c == "attributes" else f'"{c}"'
                for c in columns
            )
            rows = connection.sql(f"select {select} from {schema}.{name}").fetchall()
            result[name] = sorted(rows, key=repr)
        return result


def test_nightly_run_matches_full_refresh(tmp_path: Path) -> None:
    generated = tmp_path / "generated"
    _generate(generated)
    day_files = sorted(generated.glob("*.jsonl"))
    assert len({f.name[6:16] for f in day_files}) >= 3, day_files
    landing = tmp_path / "landing"
    landing.mkdir()
    glob = str(landing / "*.jsonl")
    last_day = max(f.name[6:16] for f in day_files)
    for path in day_files:
        if last_day not in path.name:
            shutil.copy(path, landing / path.name)

    nightly_dir = tmp_path / "nightly"
    first = run_dbt(nightly_dir, traces_glob=glob, extra_args=MODELS_ONLY)
    assert first.returncode == 0, first.output[-3000:]
    with duckdb.connect(str(first.database), read_only=True) as connection:
        staged_before = connection.sql(
            "select count(distinct source_file) from staging.stg_traces__parsed_records").fetchall()[0][0]

    for path in day_files:
        if last_day in path.name:
            shutil.copy(path, landing / path.name)
    nightly = run_dbt(nightly_dir, traces_glob=glob, extra_args=MODELS_ONLY)
    assert nightly.returncode == 0, nightly.output[-3000:]
    new_files = sum(1 for path in day_files if last_day in path.name)
    assert f"staging reads {new_files} new or changed span file(s)" in nightly.output

    # The full refresh reads its files two per statement (the nightly runs read one batch each): a batch
    # lost or read twice would change the staged files and the marts compared below.
    full = run_dbt(tmp_path / "full", traces_glob=glob, extra_vars={"raw_line_files_per_statement": 2},
                   extra_args=MODELS_ONLY + ["--full-refresh"])
    assert full.returncode == 0, full.output[-3000:]

    with duckdb.connect(str(full.database), read_only=True) as connection:
        staged_after = connection.sql(
            "select count(distinct source_file) from staging.stg_traces__parsed_records").fetchall()[0][0]
    assert staged_after == staged_before + new_files

    for schema in ["marts", "staging"]:
        incremental_tables = _tables(nightly.database, schema)
        full_tables = _tables(full.database, schema)
        assert incremental_tables.keys() == full_tables.keys()
        for name, rows in full_tables.items():
            if name in {"fct_llm_calls", "chargeback_by_cost_center", "stg_traces__parsed_records"}:
                assert rows, f"{schema}.{name} is empty"
            assert incremental_tables[name] == rows, f"{schema}.{name} differs"
