"""Write the marts and the FOCUS rows as Parquet and CSV under exports/.

Reads the DuckDB file read-only after `dbt build`, so BI tools and FinOps
platforms can read files without holding the database lock.

- Every table of the marts schema becomes `<table>.parquet` and `<table>.csv`.
- `focus_charges.*` is the FOCUS dataset to hand to a FinOps tool: the usage
  rows (focus_cost_and_usage) plus the invoice adjustment rows
  (focus_invoice_adjustments), same columns, so BilledCost per InvoiceId sums
  to each invoice.
- Parquet: timestamps are TIMESTAMP WITH TIME ZONE (UTC), money stays DECIMAL.
- CSV: timestamps are written `YYYY-MM-DDTHH:MM:SSZ` (FOCUS date/time format);
  text cells starting with `=`, `+`, `-`, `@`, tab or carriage return get a
  leading single quote so spreadsheets do not run them as formulas. Numbers
  are not touched (a negative amount stays a number).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = PROJECT_ROOT / "warehouse" / "llm_spend_attribution.duckdb"
FOCUS_CHARGES = "focus_charges"
FOCUS_SOURCES = ("focus_cost_and_usage", "focus_invoice_adjustments")
# Characters a spreadsheet treats as the start of a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def neutralise_formula(value: str | None) -> str | None:
    """The CSV rule in Python (used by tests as the reference)."""
    if value is not None and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def is_text(data_type: str) -> bool:
    return data_type.upper() in ("VARCHAR", "TEXT", "STRING") or data_type.upper().startswith("VARCHAR(")


def is_timestamp(data_type: str) -> bool:
    return data_type.upper().startswith("TIMESTAMP")


def parquet_expression(column: Column) -> str:
    name = quote_identifier(column.name)
    if is_timestamp(column.data_type) and "TIME ZONE" not in column.data_type.upper():
        # dbt writes naive UTC timestamps; mark them as UTC instants.
        return f"timezone('UTC', {name}) as {name}"
    return name


def csv_expression(column: Column) -> str:
    name = quote_identifier(column.name)
    if is_timestamp(column.data_type):
        instant = name if "TIME ZONE" not in column.data_type.upper() else f"timezone('UTC', {name})"
        return f"strftime({instant}, '%Y-%m-%dT%H:%M:%SZ') as {name}"
    if is_text(column.data_type):
        pattern = "^[=+\\-@\\t\\r]"
        return f"case when regexp_matches({name}, {quote_literal(pattern)}) then '''' || {name} else {name} end as {name}"
    return name


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[Column]:
    rows = con.execute(f"describe select * from {relation}").fetchall()
    return [Column(str(row[0]), str(row[1])) for row in rows]


def write_relation(
    con: duckdb.DuckDBPyConnection, relation: str, name: str, out_dir: Path, formats: list[str]
) -> list[Path]:
    columns = columns_of(con, relation)
    written: list[Path] = []
    if "parquet" in formats:
        target = out_dir / f"{name}.parquet"
        select = ", ".join(parquet_expression(c) for c in columns)
        con.execute(f"copy (select {select} from {relation}) to {quote_literal(str(target))} (format parquet)")
        written.append(target)
    if "csv" in formats:
        target = out_dir / f"{name}.csv"
        select = ", ".join(csv_expression(c) for c in columns)
        con.execute(f"copy (select {select} from {relation}) to {quote_literal(str(target))} (format csv, header true)")
        written.append(target)
    return written


def mart_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name", [schema]
    ).fetchall()
    return [str(row[0]) for row in rows]


def focus_charges_relation(schema: str, tables: list[str]) -> str:
    """Usage rows plus invoice adjustment rows, matched by column name."""
    parts = [f"select * from {quote_identifier(schema)}.{quote_identifier(t)}" for t in FOCUS_SOURCES if t in tables]
    if not parts:
        raise SystemExit(f"no FOCUS tables ({', '.join(FOCUS_SOURCES)}) in schema {schema}")
    return "(" + " union all by name ".join(parts) + ")"


def export(database: Path, out_dir: Path, schema: str, formats: list[str], focus_only: bool = False) -> list[Path]:
    if not database.exists():
        raise SystemExit(f"DuckDB file not found: {database} (run `dbt build` first)")
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        tables = mart_tables(con, schema)
        written: list[Path] = []
        if not focus_only:
            for table in tables:
                relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
                written += write_relation(con, relation, table, out_dir, formats)
        written += write_relation(con, focus_charges_relation(schema, tables), FOCUS_CHARGES, out_dir, formats)
        return written
    finally:
        con.close()


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    """--database: the DuckDB file of the build ($DBT_DUCKDB_PATH, else the warehouse file)."""
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(os.environ.get("DBT_DUCKDB_PATH", DEFAULT_DATABASE)),
        help="DuckDB file written by dbt build (default: $DBT_DUCKDB_PATH or warehouse/llm_spend_attribution.duckdb)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_database_argument(parser)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "exports", help="output folder (default: exports/)")
    parser.add_argument("--schema", default="marts", help="schema of the marts (default: marts)")
    parser.add_argument(
        "--formats", default="parquet,csv", help="comma-separated: parquet, csv (default: parquet,csv)"
    )
    parser.add_argument("--focus-only", action="store_true", help="write only focus_charges")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = set(formats) - {"parquet", "csv"}
    if unknown:
        parser.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    written = export(args.database.resolve(), args.out.resolve(), args.schema, formats, args.focus_only)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
