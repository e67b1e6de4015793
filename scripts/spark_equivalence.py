"""Build the project on DuckDB and on Spark from the same span files and
compare every mart.

Both builds run `dbt build` (seeds, models, data tests; unit tests are
DuckDB fixtures and excluded on both) into a work directory: DuckDB into
`<work>/duckdb.duckdb` with the main venv's dbt, Spark (dbt-spark, method:
session, local pyspark) into `<work>/spark` with `.venv-spark`'s dbt. Spark
writes its tables as Parquet under its warehouse directory, which DuckDB
reads directly, so the comparison needs no second Spark session.

Every model of the marts folder (from the DuckDB build's manifest) is
compared as a multiset of rows over the same columns:
- column names compared case-insensitively (the Hive metastore lowercases);
- DECIMAL values quantized to 1e-9 (costs agree to 1e-9 USD), DOUBLE values
  rounded to 9 decimals, timestamps read as UTC wall-clock time, other
  values exact; rows sorted after normalisation (ordering is not a
  difference);
- row counts, the mart's key (its first column) set, and for
  unattributed_llm_spend the cost per reason are reported separately.
Anything else that differs is a difference: exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MONEY_QUANTUM = Decimal("1e-9")
FLOAT_DECIMALS = 9
EXCLUDE = ["--exclude", "resource_type:unit_test"]


@dataclass
class MartResult:
    name: str
    duckdb_rows: int
    spark_rows: int
    problems: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.problems


def run_build(dbt: Path, target: str, work: Path, traces_path: str, env_extra: dict[str, str]) -> float:
    """dbt build for one target; returns seconds. Output goes to a log file."""
    env = dict(os.environ, **env_extra)
    log = work / f"build-{target}.log"
    command = [
        str(dbt), "build", "--target", target, "--target-path", str(work / f"target-{target}"),
        "--vars", json.dumps({"traces_path": traces_path}), *EXCLUDE,
    ]
    started = time.monotonic()
    with log.open("w") as out:
        completed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        # dbt's own lines only (Spark's JSON logs repeat each error with a stack trace)
        tail = [
            line for line in log.read_text(errors="replace").splitlines()
            if ("ERROR" in line or "Error" in line) and not line.lstrip().startswith("{")
        ]
        raise SystemExit(f"dbt build --target {target} failed (see {log}):\n" + "\n".join(tail[-20:]))
    return elapsed


def mart_names(manifest_path: Path) -> list[str]:
    manifest = json.loads(manifest_path.read_text())
    return sorted(
        node["alias"] or node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]
    )


def normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(MONEY_QUANTUM)
    if isinstance(value, float):
        return round(value, FLOAT_DECIMALS)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def sort_key(row: Sequence[Any]) -> tuple[tuple[int, str], ...]:
    return tuple((0, "") if v is None else (1, repr(v)) for v in row)


def fetch(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> list[tuple[Any, ...]]:
    select = ", ".join(f'"{c}"' for c in columns)
    rows = con.sql(f"select {select} from {relation}").fetchall()
    return sorted((tuple(normalise(v) for v in row) for row in rows), key=sort_key)


def compare_mart(con: duckdb.DuckDBPyConnection, name: str, spark_dir: Path) -> MartResult:
    duck_relation = f"duck.marts.{name}"
    duck_columns = [r[0] for r in con.sql(f"describe {duck_relation}").fetchall()]
    files = sorted(spark_dir.glob("*.parquet"))
    duck_rows_all = fetch(con, duck_relation, duck_columns)
    if not files:
        result = MartResult(name, len(duck_rows_all), 0)
        if duck_rows_all:
            result.problems.append(f"no Parquet files under {spark_dir}")
        return result
    spark_relation = f"read_parquet({[str(f) for f in files]!r})"
    spark_columns = {r[0].lower(): r[0] for r in con.sql(f"describe select * from {spark_relation}").fetchall()}
    missing = [c for c in duck_columns if c.lower() not in spark_columns]
    extra = sorted(set(spark_columns) - {c.lower() for c in duck_columns})
    result = MartResult(name, len(duck_rows_all), 0)
    if missing or extra:
        result.problems.append(f"columns differ: missing on Spark {missing}, extra on Spark {extra}")
        return result
    spark_rows_all = fetch(con, spark_relation, [spark_columns[c.lower()] for c in duck_columns])
    result.spark_rows = len(spark_rows_all)
    if result.duckdb_rows != result.spark_rows:
        result.problems.append(f"row count {result.duckdb_rows} (DuckDB) != {result.spark_rows} (Spark)")
    duck_keys = Counter(row[0] for row in duck_rows_all)
    spark_keys = Counter(row[0] for row in spark_rows_all)
    if duck_keys != spark_keys:
        result.problems.append(
            f"key column {duck_columns[0]} differs: only DuckDB {list((duck_keys - spark_keys).elements())[:5]}, "
            f"only Spark {list((spark_keys - duck_keys).elements())[:5]}"
        )
    only_duck = Counter(duck_rows_all) - Counter(spark_rows_all)
    only_spark = Counter(spark_rows_all) - Counter(duck_rows_all)
    if only_duck or only_spark:
        result.problems.append(f"{sum(only_duck.values())} rows only on DuckDB, {sum(only_spark.values())} only on Spark")
        spark_by_key = {row[0]: row for row in only_spark}
        for row in list(only_duck)[:5]:
            twin = spark_by_key.get(row[0])
            if twin is None:
                result.problems.append(f"  only DuckDB: {dict(zip(duck_columns, row))}")
                continue
            changed = {c: (d, s) for c, d, s in zip(duck_columns, row, twin) if d != s}
            result.problems.append(f"  {duck_columns[0]}={row[0]!r} differs (DuckDB, Spark): {changed}")
        duck_keys_left = {row[0] for row in only_duck}
        for row in [r for r in only_spark if r[0] not in duck_keys_left][:5]:
            result.problems.append(f"  only Spark: {dict(zip(duck_columns, row))}")
    return result


def unattributed_by_reason(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[Any, ...]]:
    rows = con.sql(
        f"select reason, count(*), sum(cost_usd) from {relation} group by reason order by reason"
    ).fetchall()
    return [tuple(normalise(v) for v in row) for row in rows]


def compare(work: Path) -> list[MartResult]:
    con = duckdb.connect()
    con.sql("set TimeZone = 'UTC'")
    con.sql(f"attach '{work / 'duckdb.duckdb'}' as duck (read_only)")
    results = []
    for name in mart_names(work / "target-dev" / "manifest.json"):
        results.append(compare_mart(con, name, work / "spark" / "marts.db" / name))
    spark_unattributed = sorted((work / "spark" / "marts.db" / "unattributed_llm_spend").glob("*.parquet"))
    if spark_unattributed:
        duck_reasons = unattributed_by_reason(con, "duck.marts.unattributed_llm_spend")
        spark_reasons = unattributed_by_reason(con, f"read_parquet({[str(f) for f in spark_unattributed]!r})")
        print("unattributed reasons (reason, calls, cost_usd):")
        for row in duck_reasons:
            print(f"  {row}")
        if duck_reasons != spark_reasons:
            extra = MartResult("unattributed_llm_spend (by reason)", len(duck_reasons), len(spark_reasons))
            extra.problems.append(f"DuckDB {duck_reasons} != Spark {spark_reasons}")
            results.append(extra)
    return results


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--traces-path", default=str(PROJECT_ROOT / "data" / "sample" / "*.jsonl"),
        help="glob of span files (absolute, so both engines report the same source_file)",
    )
    parser.add_argument("--work-dir", type=Path, help="build directory (default: a new temporary one)")
    parser.add_argument("--duckdb-dbt", type=Path, default=PROJECT_ROOT / ".venv" / "bin" / "dbt")
    parser.add_argument("--spark-dbt", type=Path, default=PROJECT_ROOT / ".venv-spark" / "bin" / "dbt")
    parser.add_argument("--compare-only", action="store_true", help="compare the builds already in --work-dir")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    traces_path = str(Path(args.traces_path).absolute())
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="spark-equivalence-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if not args.compare_only:
            if not args.spark_dbt.exists():
                raise SystemExit(f"{args.spark_dbt} not found: run `make spark-deps` first")
            (work / "duckdb.tmp").mkdir(exist_ok=True)
            duck_seconds = run_build(
                args.duckdb_dbt, "dev", work, traces_path, {"DBT_DUCKDB_PATH": str(work / "duckdb.duckdb"), "DBT_EXPORTS_PATH": str(work / "exports")}
            )
            print(f"DuckDB build: {duck_seconds:.0f} s")
            spark_seconds = run_build(
                args.spark_dbt, "spark", work, traces_path, {"DBT_SPARK_WAREHOUSE": str(work / "spark")}
            )
            print(f"Spark build: {spark_seconds:.0f} s")
        results = compare(work)
    finally:
        if args.work_dir is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for result in results:
        status = "equal" if result.equal else "DIFFERENT"
        print(f"{result.name}: {result.duckdb_rows} rows (DuckDB), {result.spark_rows} rows (Spark): {status}")
        for problem in result.problems:
            print(f"    {problem}")
    different = [r.name for r in results if not r.equal]
    print(f"{len(results) - len(different)} of {len(results)} marts equal" + (f"; different: {different}" if different else ""))
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
