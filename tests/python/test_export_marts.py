"""exports: Parquet with UTC instants, CSV with FOCUS datetimes and text
cells neutralised against formula injection."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import export_marts  # noqa: E402

EVIL = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "plain", "a=b"]


def make_database(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.focus_cost_and_usage as select * from (values "
        + ", ".join(
            f"('{v.replace(chr(39), chr(39) * 2)}', cast(-0.5 as decimal(38, 15)), timestamp '2026-05-01 00:00:00')"
            for v in EVIL
        )
        + ") as t(ChargeDescription, BilledCost, BillingPeriodStart)"
    )
    con.close()


def test_csv_cells_are_neutralised_and_parquet_is_typed(tmp_path: Path) -> None:
    database = tmp_path / "x.duckdb"
    make_database(database)
    out = tmp_path / "exports"
    export_marts.main(["--database", str(database), "--out", str(out)])
    with (out / "focus_cost_and_usage.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["ChargeDescription"] for r in rows] == [export_marts.neutralise_formula(v) for v in EVIL]
    assert rows[0]["ChargeDescription"] == "'=HYPERLINK(\"http://x\")"
    assert rows[5]["ChargeDescription"] == "plain" and rows[6]["ChargeDescription"] == "a=b"
    # numbers are numbers, not text: a negative amount is not quoted
    assert rows[0]["BilledCost"].startswith("-0.5")
    assert rows[0]["BillingPeriodStart"] == "2026-05-01T00:00:00Z"
    types = dict(duckdb.sql(f"describe select * from read_parquet('{out / 'focus_charges.parquet'}')").fetchall()[i][:2]
                 for i in range(3))
    assert types["BillingPeriodStart"] == "TIMESTAMP WITH TIME ZONE"
    assert types["BilledCost"] == "DECIMAL(38,15)"
    assert (out / "focus_charges.csv").exists()
