"""A BI reader of the published set, run as its own process by test_bi_publish.py.

Until the stop file exists, it reads the set over and over the way docs/bi.md
tells tools to: Parquet from the release `exports` resolves to (resolved
once per read), and exports/marts.duckdb opened read-only. Each read prints
one JSON line: the release ids seen and the three totals that must agree
within one build (chargeback, calls, FOCUS billed cost), or the error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

TOTALS = {
    "chargeback": ("chargeback_by_cost_center", "cost_usd"),
    "calls": ("fct_llm_calls", "cost_usd"),
    "focus": ("focus_cost_and_usage", "BilledCost"),
}


def parquet_read(exports: Path) -> dict[str, object]:
    release = exports.resolve()
    release_id = json.loads((release / "release.json").read_text())["release_id"]
    con = duckdb.connect()
    try:
        totals = {
            name: str(con.execute(f"select sum({column}) from read_parquet('{release / (table + '.parquet')}')").fetchone()[0])
            for name, (table, column) in TOTALS.items()
        }
    finally:
        con.close()
    return {"release_id": release_id, "totals": totals}


def duckdb_read(exports: Path) -> dict[str, object]:
    con = duckdb.connect(str(exports / "marts.duckdb"), read_only=True)
    try:
        release_id = con.execute("select release_id from release_info").fetchone()[0]
        totals = {
            name: str(con.execute(f"select sum({column}) from {table}").fetchone()[0])
            for name, (table, column) in TOTALS.items()
        }
    finally:
        con.close()
    return {"release_id": release_id, "totals": totals}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exports", type=Path, required=True)
    parser.add_argument("--stop-file", type=Path, required=True)
    args = parser.parse_args(argv)
    while not args.stop_file.exists():
        for kind, read in (("parquet", parquet_read), ("duckdb", duckdb_read)):
            try:
                record: dict[str, object] = {"kind": kind, **read(args.exports)}
            except Exception as error:  # every failure is a finding, reported to the test
                record = {"kind": kind, "error": f"{type(error).__name__}: {error}"}
            print(json.dumps(record), flush=True)
        time.sleep(0.01)
    return 0


if __name__ == "__main__":
    sys.exit(main())
