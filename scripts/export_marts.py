"""Publish the marts for BI tools: one release per build, swapped in atomically.

`dbt build` publishes at its very end: the Python model publish_bi_release
(models/publish/) has every model as a parent, so dbt runs it only after every
model and every error-severity test upstream of it passed, and it calls
publish() on the build's own DuckDB connection. This script publishes the
same way from the warehouse file (`make export`: re-publish the last build).

Layout (the exports path is $DBT_EXPORTS_PATH, default `exports`):

    exports -> exports.releases/<release_id>     a symlink, replaced by rename(2)
    exports.releases/<release_id>/
        marts.duckdb      one table per mart (and release_info), schema main;
                          DuckDB storage version v1.4.0, so DuckDB 1.4 LTS
                          and later read it; a large mart published by day
                          is written whole in day order (SORTED_WRITE_MIN_ROWS)
        <mart>.parquet    every mart below partition_min_rows rows (default
        <mart>.csv        100,000; focus_charges: the FOCUS dataset)
        by_billing_month/<mart>/billing_month=YYYY-MM/<YYYY-MM-DD>.parquet, .csv
                          instead, for a mart of at least partition_min_rows
                          rows with a billing month column: one file per UTC
                          day (per month without a day column), Hive layout;
                          FOCUS rows whose charge period is their whole
                          billing period in billing_period.parquet, .csv
        release.json      release id, dbt invocation id, time, row counts, and
                          the fingerprints the next publish compares with (and
                          each period's first and last day, to find its rows)

A release is written under exports.releases/.incoming-<release_id> and
renamed when complete; then a new symlink is renamed over `exports` in one
rename(2). A reader that resolves `exports` once (or opens
exports/marts.duckdb) sees the previous set or the new one, whole; a build
killed at any point leaves the previous set untouched. The newest `keep`
releases stay on disk, so a reader still holding an older one is not cut
off; older releases and incoming folders of killed builds (their writer's
process id, in .writer.pid, no longer runs) are removed.

A publish costs what changed, not the whole history. Each mart (each day of
a mart published by day) has a fingerprint: its columns, row count and the
sum of its row hashes, computed in one scan. What has the same fingerprint
as in the current release (published with the same settings) is reused: its
files are hard-linked (a published release is never written again, so two
releases can share a file), and marts.duckdb is a copy of the current one in
which only changed marts and the rows of changed days are replaced (written
whole again once it has grown MAX_MARTS_DATABASE_GROWTH times its last whole
size). The result is the same as a publish from scratch
(tests/python/test_export_marts.py compares the two).

Text in every published file is made safe for people's tools (the warehouse
keeps the exact value). It is done once per mart, as the mart is copied into
marts.duckdb, and the mart's files are written from that copy; cheap checks
(byte vs character length, JSON escaping, DEL) let the cells that are safe
already through without a regular expression:
- tab, line feed and carriage return become a space; every other C0 control
  (NUL included), DEL, C1 control and bidi override or isolate (U+202A-U+202E,
  U+2066-U+2069) becomes U+FFFD, so nothing is silently dropped;
- a cell holds at most max_cell_chars characters (default 4,096): a longer
  value keeps its start and ends with TRUNCATION_MARKER;
- Parquet: timestamps are TIMESTAMP WITH TIME ZONE (UTC), money stays DECIMAL;
- CSV: timestamps are written `YYYY-MM-DDTHH:MM:SSZ` (FOCUS date/time
  format); text cells starting with `=`, `+`, `-`, `@`, tab or carriage
  return get a leading single quote so spreadsheets do not run them as
  formulas. Numbers are not touched (a negative amount stays a number);
- marts.duckdb keeps the warehouse's column types.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = PROJECT_ROOT / "warehouse" / "llm_spend_attribution.duckdb"
DEFAULT_EXPORTS = Path(os.environ.get("DBT_EXPORTS_PATH", "exports"))
FOCUS_CHARGES = "focus_charges"
MARTS_DATABASE = "marts.duckdb"
RELEASE_FILE = "release.json"
# In an incoming release: the writer's process id (prune keeps a live one's).
WRITER_PID_FILE = ".writer.pid"
# Oldest DuckDB that reads marts.duckdb; BI drivers embed older engines than dbt's.
MARTS_STORAGE_VERSION = "v1.4.0"
DEFAULT_MAX_CELL_CHARS = 4096
DEFAULT_KEEP_RELEASES = 3
# Marts with at least this many rows and a billing month column are written by billing month and
# day only (by_billing_month/<mart>/billing_month=YYYY-MM/<day>.parquet): dbt var publish_partition_min_rows.
DEFAULT_PARTITION_MIN_ROWS = 100_000
# A mart published by period with at least this many rows is stored in period order in
# marts.duckdb and written a period at a time (write_sorted_periods); a smaller one in one
# partitioned COPY per format. Measured with 3 GB and 2 threads, the period files written side by
# side (run_side_by_side): at 10M spans (marts of 4.4-4.6M rows) the whole publish takes 171 s
# against 224 s with the files one after the other; at 1M spans (marts of 226K and 465K rows)
# 19.1-19.3 s against 20.5-20.7 s with the partitioned COPY.
SORTED_WRITE_MIN_ROWS = 200_000
PARTITIONS_FOLDER = "by_billing_month"
BILLING_MONTH_COLUMNS = ("billing_period_start", "BillingPeriodStart")
# Within a billing month a large mart is one file per UTC day, read from the first of these columns
# it has (a mart without one: one file per month), so a night rewrites only the days it changed.
DAY_COLUMNS = ("call_date", "ChargePeriodStart", "call_at")
# A FOCUS row whose charge period is its whole billing period (a month's commitment, shared or
# adjustment rows: focus_charges rebuilds them every night) is published in its month's
# BILLING_PERIOD file, not in its first day's: otherwise every night rewrote the month's first day
# (10M spans: 14 such rows moved 136K rows of 2026-05-01 into each night's publish).
WHOLE_PERIOD_COLUMNS = ("ChargePeriodStart", "BillingPeriodStart", "ChargePeriodEnd", "BillingPeriodEnd")
BILLING_PERIOD = "billing_period"
# What publish writes for the same mart content and settings. Change it whenever that changes (safe
# text, file layout, column expressions): the next publish then writes everything again.
PUBLISH_FORMAT = 3
# marts.duckdb is copied from the previous release and patched (rows of changed days deleted and
# inserted) until it is this many times the size of its last whole write (deleted rows leave free
# space in the file); then it is written whole again.
MAX_MARTS_DATABASE_GROWTH = 1.5
# DuckDB's vacuum tasks while marts.duckdb is written (max_vacuum_tasks; the connection's own value is
# restored after). A patch deletes whole days stored together and appends them again; vacuuming the
# row groups around them at the checkpoint cost more than it saved. 10M spans, focus_charges and
# focus_cost_and_usage patched by a day six times in a row: 2.9-3.8 s per patch and the file grew
# 1418 -> 1436 MB with none, 5.8-10.8 s and 1418 -> 1547 MB with DuckDB's default (100).
MARTS_DATABASE_VACUUM_TASKS = 0
TRUNCATION_MARKER = "…[truncated]"
REPLACEMENT_CHARACTER = "\ufffd"
# Characters a spreadsheet treats as the start of a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Python and RE2 (DuckDB) spellings of the same classes.
WHITESPACE_CONTROLS = re.compile("[\t\n\r]")
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
WHITESPACE_CONTROLS_RE2 = r"[\t\n\r]"
UNSAFE_CHARACTERS_RE2 = r"[\x00-\x1F\x7F-\x9F\x{202A}-\x{202E}\x{2066}-\x{2069}]"
C0_CONTROL_RE2 = r"[\x00-\x1F]"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str


@dataclass
class Release:
    release_id: str
    invocation_id: str
    published_at: str
    path: Path
    exports: Path
    settings: dict[str, object] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    # Per mart: "by_period" (files by billing month and day), "fingerprints" (period key, or "*"
    # for the whole mart, -> digest of its columns and rows), to find what the next release can
    # reuse, and "days" (period key -> first and last UTC day of its rows), to find its rows.
    marts: dict[str, dict[str, object]] = field(default_factory=dict)
    marts_database_whole_bytes: int = 0

    def manifest(self) -> dict[str, object]:
        return {
            "release_id": self.release_id,
            "invocation_id": self.invocation_id,
            "published_at": self.published_at,
            "marts_storage_version": MARTS_STORAGE_VERSION,
            "row_counts": self.row_counts,
            "settings": self.settings,
            "marts": self.marts,
            "marts_database_whole_bytes": self.marts_database_whole_bytes,
        }


@dataclass(frozen=True)
class Previous:
    """The release current when a publish starts, whose unchanged parts the new one reuses."""

    path: Path
    manifest: dict[str, object]

    def mart(self, table: str) -> dict[str, object]:
        marts = self.manifest.get("marts")
        return marts.get(table, {}) if isinstance(marts, dict) else {}


@dataclass(frozen=True)
class Mart:
    """A mart of the warehouse being published."""

    schema: str
    table: str

    @property
    def relation(self) -> str:
        return f"{quote_identifier(self.schema)}.{quote_identifier(self.table)}"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def safe_text(value: str | None, max_chars: int = DEFAULT_MAX_CELL_CHARS) -> str | None:
    """The published form of a text cell (the SQL in safe_text_sql, in Python;
    the alert digest uses it too)."""
    if value is None:
        return None
    value = UNSAFE_CHARACTERS.sub(REPLACEMENT_CHARACTER, WHITESPACE_CONTROLS.sub(" ", value))
    if len(value) > max_chars:
        return value[: max_chars - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    return value


def may_be_unsafe_sql(expression: str) -> str:
    """DuckDB condition true for every text holding an UNSAFE_CHARACTERS character (and for some
    others), at a tenth of a regular expression's cost: C1 controls and bidi characters are
    multi-byte (byte and character lengths differ), JSON escapes every C0 control, and DEL
    is looked for. JSON also escapes `"` and `\\`, so a JSON-valued cell (FOCUS Tags,
    SkuPriceDetails) passes that test on every row: a C0 character class decides those (10M
    spans: the two columns of focus_cost_and_usage 5.7-6.0 -> 2.7-3.0 s, against rewriting each)."""
    return (
        f"(strlen({expression}) != length({expression}) or contains({expression}, chr(127))"
        f" or strlen(to_json({expression})) != strlen({expression}) + 2"
        f" and regexp_matches({expression}, {quote_literal(C0_CONTROL_RE2)}))"
    )


def safe_text_sql(expression: str, max_chars: int = DEFAULT_MAX_CELL_CHARS) -> str:
    """DuckDB expression for safe_text(expression). Almost every cell is safe already: cheap
    checks let those through untouched, and only the others are rewritten."""
    cleaned = (
        f"regexp_replace(regexp_replace({expression}, {quote_literal(WHITESPACE_CONTROLS_RE2)}, ' ', 'g'),"
        f" {quote_literal(UNSAFE_CHARACTERS_RE2)}, {quote_literal(REPLACEMENT_CHARACTER)}, 'g')"
    )
    keep = max_chars - len(TRUNCATION_MARKER)
    rewritten = (
        f"case when length({cleaned}) > {max_chars}"
        f" then left({cleaned}, {keep}) || {quote_literal(TRUNCATION_MARKER)} else {cleaned} end"
    )
    return (
        f"case when length({expression}) > {max_chars} or {may_be_unsafe_sql(expression)}"
        f" then {rewritten} else {expression} end"
    )


def neutralise_formula(value: str | None) -> str | None:
    """The CSV formula rule in Python (used by tests as the reference)."""
    if value is not None and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def is_text(data_type: str) -> bool:
    return data_type.upper() in ("VARCHAR", "TEXT", "STRING") or data_type.upper().startswith("VARCHAR(")


def is_timestamp(data_type: str) -> bool:
    return data_type.upper().startswith("TIMESTAMP")


def duckdb_expression(column: Column, max_chars: int) -> str:
    """A mart's column as copied into marts.duckdb: text made safe."""
    name = quote_identifier(column.name)
    if is_text(column.data_type):
        return f"{safe_text_sql(name, max_chars)} as {name}"
    return name


def parquet_expression(column: Column) -> str:
    """A column of a published table (text already safe) as written to Parquet."""
    name = quote_identifier(column.name)
    if is_timestamp(column.data_type) and "TIME ZONE" not in column.data_type.upper():
        # dbt writes naive UTC timestamps; mark them as UTC instants.
        return f"timezone('UTC', {name}) as {name}"
    return name


# The FORMULA_PREFIXES that safe text can start with (tab and carriage return became spaces).
SAFE_FORMULA_PREFIXES = tuple(p for p in FORMULA_PREFIXES if not WHITESPACE_CONTROLS.match(p))


# How a CSV cell shows a timestamp: a UTC instant to the second.
CSV_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def csv_expression(column: Column) -> str:
    """A column of a published table (text already safe) as written to CSV. A naive (UTC) timestamp
    is written as it is: COPY's timestampformat (FILE_FORMATS) formats it as CSV_TIMESTAMP_FORMAT, the
    same text as strftime in the select list, at less cost (10M spans, fct_llm_calls' CSV with three
    timestamp columns: 18.3 s against 20.3-21.1 s)."""
    name = quote_identifier(column.name)
    if is_timestamp(column.data_type) and "TIME ZONE" in column.data_type.upper():
        return f"strftime(timezone('UTC', {name}), {quote_literal(CSV_TIMESTAMP_FORMAT)}) as {name}"
    if is_text(column.data_type):
        prefixes = ", ".join(quote_literal(p) for p in SAFE_FORMULA_PREFIXES)
        return f"case when left({name}, 1) in ({prefixes}) then '''' || {name} else {name} end as {name}"
    return name


# Each published file format: its name, the column expression written, COPY options.
FILE_FORMATS = (
    ("parquet", parquet_expression, "format parquet"),
    ("csv", csv_expression, f"format csv, header true, timestampformat {quote_literal(CSV_TIMESTAMP_FORMAT)}"),
)


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[Column]:
    rows = con.execute(f"describe select * from {relation}").fetchall()
    return [Column(str(row[0]), str(row[1])) for row in rows]


def write_files(
    con: duckdb.DuckDBPyConnection, relation: str, name: str, out_dir: Path, formats: list[str]
) -> list[Path]:
    """<name>.parquet and/or <name>.csv of one published table (text already safe)."""
    columns = columns_of(con, relation)
    written: list[Path] = []
    for fmt, expression, options in FILE_FORMATS:
        if fmt not in formats:
            continue
        target = out_dir / f"{name}.{fmt}"
        select = ", ".join(expression(c) for c in columns)
        con.execute(f"copy (select {select} from {relation}) to {quote_literal(str(target))} ({options})")
        written.append(target)
    return written


def mart_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Tables and views of the marts schema in the connection's default database (a view, such as
    focus_charges, is published as a table)."""
    rows = con.execute(
        "select table_name from information_schema.tables"
        " where table_catalog = current_database() and table_schema = ?"
        " and table_type in ('BASE TABLE', 'VIEW')"
        " order by table_name",
        [schema],
    ).fetchall()
    return [str(row[0]) for row in rows]


def database_alias(release: Release) -> str:
    return "bi_release_" + re.sub(r"[^0-9a-zA-Z]", "_", release.release_id)


def attach_marts_database(con: duckdb.DuckDBPyConnection, target: Path, release: Release) -> str:
    """Attach a new marts.duckdb in the storage format DuckDB 1.4 reads; returns its alias.
    Its tables go in schema main (a schema `marts` would be ambiguous with the file's default
    catalog name, `marts`; this way `marts.fct_llm_calls` still resolves, to marts.main.fct_llm_calls)."""
    alias = database_alias(release)
    con.execute(
        f"attach {quote_literal(str(target))} as {alias} (storage_version {quote_literal(MARTS_STORAGE_VERSION)})"
    )
    return alias


def write_release_info(con: duckdb.DuckDBPyConnection, alias: str, release: Release) -> None:
    """Table release_info of marts.duckdb: which build it is."""
    con.execute(
        f"create table {alias}.main.release_info as select {quote_literal(release.release_id)} as release_id,"
        f" {quote_literal(release.invocation_id)} as invocation_id,"
        f" cast({quote_literal(release.published_at)} as timestamp) as published_at"
    )


def fsync_tree(folder: Path) -> None:
    """Flush every file and the folder itself, so a crash after the swap
    cannot leave a published release with missing bytes."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def releases_folder(exports: Path) -> Path:
    return exports.parent / f"{exports.name}.releases"


def swap_link(exports: Path, release_path: Path) -> None:
    """Point `exports` at release_path with one rename(2) of a new symlink."""
    if exports.exists() and not exports.is_symlink():
        # An exports/ folder from before releases: moved aside once (not atomic).
        legacy = releases_folder(exports) / f"legacy-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
        exports.rename(legacy)
    temporary = exports.parent / f".{exports.name}.{release_path.name}.link"
    if temporary.is_symlink():
        temporary.unlink()
    os.symlink(os.path.relpath(release_path, exports.parent), temporary)
    os.replace(temporary, exports)
    directory = os.open(exports.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def writer_alive(incoming: Path) -> bool:
    """Whether the process that is writing an incoming release still runs."""
    try:
        pid = int((incoming / WRITER_PID_FILE).read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def prune(exports: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` releases (never the current one) and
    incoming folders whose writer is gone (killed builds); another build
    publishing at the same time keeps its own."""
    folder = releases_folder(exports)
    current = exports.resolve()
    releases = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
    doomed = [p for p in releases[keep:] if p.resolve() != current]
    doomed += [
        p for p in folder.iterdir() if p.is_dir() and p.name.startswith(".incoming-") and not writer_alive(p)
    ]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return doomed


class PublishError(Exception):
    """Nothing to publish (raised, not SystemExit, so dbt reports it as a model error)."""


def publish_settings(formats: tuple[str, ...], max_chars: int, partition_min_rows: int) -> dict[str, object]:
    """What shapes the published files besides the marts' content: a release made with other settings
    is not reused."""
    return {"publish_format": PUBLISH_FORMAT, "formats": list(formats), "max_chars": max_chars,
            "partition_min_rows": partition_min_rows, "duckdb": duckdb.__version__}


def previous_release(exports: Path, settings: dict[str, object]) -> Previous | None:
    """The current release, when it was published with the same settings (else nothing is reused)."""
    try:
        path = exports.resolve(strict=True)
        manifest = json.loads((path / RELEASE_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("settings") != settings:
        return None
    return Previous(path, manifest)


def open_marts_database(
    con: duckdb.DuckDBPyConnection, target: Path, release: Release, previous: Previous | None
) -> tuple[str, bool]:
    """Attach the release's marts.duckdb: a copy of the previous release's (True), unless it was
    opened for writing since (a WAL file) or has grown too much since its last whole write; else a
    new file (False)."""
    if previous is not None:
        source = previous.path / MARTS_DATABASE
        whole = int(previous.manifest.get("marts_database_whole_bytes") or 0)
        if (source.is_file() and not source.with_name(source.name + ".wal").exists()
                and 0 < source.stat().st_size <= MAX_MARTS_DATABASE_GROWTH * whole):
            shutil.copyfile(source, target)
            alias = database_alias(release)
            con.execute(f"attach {quote_literal(str(target))} as {alias}")
            return alias, True
    return attach_marts_database(con, target, release), False


def period_keys_sql(columns: list[Column]) -> tuple[str, str] | None:
    """SQL of a row's billing month ('YYYY-MM') and period (its UTC day 'YYYY-MM-DD', BILLING_PERIOD
    for a FOCUS row whose charge period is its whole billing period, or the month when the mart has
    no day column), or None for a mart without a billing month column."""
    names = [c.name for c in columns]
    month = next((n for n in BILLING_MONTH_COLUMNS if n in names), None)
    if month is None:
        return None
    day = day_column(columns)
    month_sql = f"coalesce(strftime({quote_identifier(month)}, '%Y-%m'), 'none')"
    if day is None:
        return month_sql, month_sql
    day_sql = f"coalesce(strftime(cast({quote_identifier(day)} as date), '%Y-%m-%d'), 'none')"
    if not all(name in names for name in WHOLE_PERIOD_COLUMNS):
        return month_sql, day_sql
    charge_start, billing_start, charge_end, billing_end = map(quote_identifier, WHOLE_PERIOD_COLUMNS)
    return month_sql, (f"case when {charge_start} = {billing_start} and {charge_end} = {billing_end}"
                       f" then {quote_literal(BILLING_PERIOD)} else {day_sql} end")


def day_column(columns: list[Column]) -> str | None:
    """The column a mart's rows are published by UTC day from (DAY_COLUMNS), if it has one."""
    names = [c.name for c in columns]
    return next((n for n in DAY_COLUMNS if n in names), None)


def period_key_sql(keys_sql: tuple[str, str]) -> str:
    """SQL of a row's period key 'YYYY-MM/period' (the key of release.json's fingerprints)."""
    return f"{keys_sql[0]} || '/' || {keys_sql[1]}"


# Period key -> the first and last UTC day (day column) of its rows; None when a row has no day.
PeriodDays = dict[str, tuple[date, date] | None]


def in_periods_sql(keys: list[str], keys_sql: tuple[str, str], columns: list[Column], days: PeriodDays) -> str:
    """SQL predicate: the row's period key is one of keys. When `days` bounds every key's rows, the
    day column itself is tested first against each run of consecutive days (a night's changed days:
    one or two runs): DuckDB then skips the row groups outside them instead of formatting every
    row's key (10M spans: 3-4 s against 0.3 s per large mart). One range from the first to the last
    day would span a month when a night changes its first day and its last: 10M spans, a night's
    focus_charges rows read in 2.8-2.9 s against 3.8-4.6 s. `days` must describe the rows the
    predicate runs on (fingerprints of the same rows, or the release.json they were published in)."""
    exact = f"list_contains({sql_list(keys)}, {period_key_sql(keys_sql)})"
    day = day_column(columns)
    bounds = [days[key] for key in keys if key in days]  # a key absent from days has no rows
    if day is None or not bounds or None in bounds:
        return exact
    column = quote_identifier(day)
    ranges = " or ".join(
        f"({column} >= date {quote_literal(str(first))} and {column} < date {quote_literal(str(last))} + 1)"
        for first, last in day_runs([bound for bound in bounds if bound is not None])
    )
    return f"({ranges}) and {exact}"


def day_runs(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Spans of days (first, last) merged into runs of consecutive days, sorted."""
    runs: list[tuple[date, date]] = []
    for first, last in sorted(spans):
        if runs and first <= runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], max(last, runs[-1][1]))
        else:
            runs.append((first, last))
    return runs


def columns_digest(columns: list[Column]) -> str:
    return hashlib.sha256(json.dumps([[c.name, c.data_type] for c in columns]).encode()).hexdigest()[:16]


def fingerprints(
    con: duckdb.DuckDBPyConnection, relation: str, key_sql: str, day: str | None
) -> tuple[dict[str, tuple[int, int]], PeriodDays]:
    """Row count and the sum of row hashes of each key's rows (equal for equal content), and the
    first and last UTC day of its rows when the mart has a day column; one scan."""
    day_sql = f"cast(mart_row.{quote_identifier(day)} as date)" if day else "null::date"
    rows = con.execute(
        f"select {key_sql} as period_key, count(*), coalesce(sum(hash(mart_row)::hugeint), 0),"
        f" min({day_sql}), max({day_sql}), count({day_sql}) = count(*)"
        f" from (select * from {relation}) as mart_row group by period_key"
    ).fetchall()
    counted = {str(key): (int(count), int(total)) for key, count, total, *_ in rows}
    days: PeriodDays = {str(key): (first, last) if every_day and first is not None else None
                        for key, _, _, first, last, every_day in rows}
    return counted, days


def period_days_of(mart: dict[str, object]) -> PeriodDays:
    """A release.json mart entry's "days", read back."""
    stored = mart.get("days", {})
    assert isinstance(stored, dict)
    return {str(key): (date.fromisoformat(value[0]), date.fromisoformat(value[1])) if value else None
            for key, value in stored.items()}


def sql_list(values: list[str]) -> str:
    return "[" + ", ".join(quote_literal(v) for v in values) + "]"


def table_in(con: duckdb.DuckDBPyConnection, alias: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = 'main' and table_name = ?",
        [alias, table],
    ).fetchall()[0][0])


def period_file_stem(key: str) -> tuple[str, str]:
    """Folder and file stem of a period key 'YYYY-MM/period'."""
    month, period = key.split("/", 1)
    return f"billing_month={month}", period


def link_previous_files(previous: Previous, relative: list[Path], incoming: Path) -> bool:
    """Hard-link files of the previous release into the new one (a published release never
    changes, so both may share them); False, linking nothing, if one of them is missing."""
    sources = [previous.path / r for r in relative]
    if not all(s.is_file() for s in sources):
        return False
    try:
        for source, r in zip(sources, relative):
            (incoming / r).parent.mkdir(parents=True, exist_ok=True)
            os.link(source, incoming / r)
    except FileNotFoundError:  # pruned meanwhile by another build's publish: written instead
        return False
    return True


def period_files(root: Path, table: str, key: str, formats: tuple[str, ...]) -> list[Path]:
    """Files of one period of a mart in a release, relative to the release; none unless there is
    one in every format."""
    folder, stem = period_file_stem(key)
    base = root / PARTITIONS_FOLDER / table / folder
    if not all((base / f"{stem}.{fmt}").is_file() for fmt in formats):
        return []
    return sorted(p.relative_to(root) for p in base.glob(f"{stem}.*"))


def write_periods(
    con: duckdb.DuckDBPyConnection, published: str, table: str, incoming: Path, keys: list[str],
    keys_sql: tuple[str, str], formats: tuple[str, ...], days: PeriodDays, every_key: bool = False,
) -> None:
    """by_billing_month/<table>/billing_month=YYYY-MM/<period>.<format> of the given periods of a
    published table (Hive layout: engines read only the months asked for), each format in one
    partitioned COPY; days: the periods' days in that table; every_key: the keys are all the table
    holds (no filter)."""
    if not keys:
        return
    columns = columns_of(con, published)
    month_sql, period_sql = keys_sql
    scratch = incoming / f".{table}.periods"
    chosen = "true" if every_key else in_periods_sql(keys, keys_sql, columns, days)
    for fmt, expression, options in FILE_FORMATS:
        if fmt not in formats:
            continue
        select = ", ".join(expression(c) for c in columns)
        con.execute(
            f"copy (select {select}, {month_sql} as publish_month, {period_sql} as publish_period"
            f" from {published} where {chosen}) to {quote_literal(str(scratch))}"
            f" ({options}, partition_by (publish_month, publish_period))"
        )
        for key in keys:
            month, period = key.split("/", 1)
            written = sorted((scratch / f"publish_month={month}" / f"publish_period={period}").glob(f"*.{fmt}"))
            folder, stem = period_file_stem(key)
            target = incoming / PARTITIONS_FOLDER / table / folder
            target.mkdir(parents=True, exist_ok=True)
            for n, path in enumerate(written):
                path.rename(target / (f"{stem}.{fmt}" if n == 0 else f"{stem}.{n}.{fmt}"))
        shutil.rmtree(scratch)


def write_sorted_periods(
    con: duckdb.DuckDBPyConnection, published: str, table: str, incoming: Path, keys: list[str],
    keys_sql: tuple[str, str], formats: tuple[str, ...], days: PeriodDays,
) -> None:
    """The same files as write_periods, from a table stored in period order (publish_mart writes
    it so): one COPY per period and format (several at a time: run_side_by_side), reading only
    the row groups between the period's first and last rowid. DuckDB's partitioned COPY of a
    large mart in random order costs 2-3x a plain COPY (focus_charges at 10M spans: 28 s Parquet
    and 41 s CSV partitioned, 13 and 29 s this way one after the other, the sort included in the
    table's copy: 23 s against 14 s). The period filter stays beside the rowid range, so the rows
    are right in any order; the order makes the range tight. A night's few changed periods go
    through write_periods: its partitioned COPY keeps both cores busy, and its two formats side
    by side were no faster (10M night: 8.2 / 7.9 s against 8.3 / 9.3 s)."""
    if not keys:
        return
    columns = columns_of(con, published)
    key_sql = period_key_sql(keys_sql)
    ranges = con.execute(
        f"select {key_sql} as period_key, min(rowid), max(rowid) from {published}"
        f" where {in_periods_sql(keys, keys_sql, columns, days)} group by period_key"
    ).fetchall()
    copies: list[str] = []
    for fmt, expression, options in FILE_FORMATS:
        if fmt not in formats:
            continue
        select = ", ".join(expression(c) for c in columns)
        for key, first, last in sorted(ranges):
            folder, stem = period_file_stem(str(key))
            target = incoming / PARTITIONS_FOLDER / table / folder
            target.mkdir(parents=True, exist_ok=True)
            copies.append(
                f"copy (select {select} from {published} where rowid between {int(first)} and {int(last)}"
                f" and {key_sql} = {quote_literal(str(key))}) to {quote_literal(str(target / f'{stem}.{fmt}'))}"
                f" ({options})"
            )
    run_side_by_side(con, copies)


def run_side_by_side(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Run independent statements (COPYs of one period each) as many at a time as DuckDB has
    threads, each worker on a cursor of its own (a DuckDB connection serves one thread). One
    period's file is a few row groups, which DuckDB writes on about one core: side by side, the
    period files of a mart at 10M spans take about 35% less time (BENCHMARKS.md, stop 52). The
    first error (or an interrupt) stops the workers and is raised; a cursor sees only committed
    tables (the publish runs in autocommit mode), so the statements read no temporary table."""
    workers = min(len(statements), int(con.execute("select current_setting('threads')").fetchall()[0][0]))
    if workers <= 1:
        for statement in statements:
            con.execute(statement)
        return
    pending = iter(statements)
    lock = threading.Lock()
    failed = threading.Event()

    def drain() -> None:
        cursor = con.cursor()
        try:
            while not failed.is_set():
                with lock:
                    statement = next(pending, None)
                if statement is None:
                    return
                try:
                    cursor.execute(statement)
                except BaseException:
                    failed.set()
                    raise
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(drain) for _ in range(workers)]
        try:
            for future in futures:
                future.result()
        finally:
            # An error or an interrupt (Ctrl-C while waiting) stops the other workers after their
            # current statement instead of letting them write every file left.
            failed.set()


def publish_mart(
    con: duckdb.DuckDBPyConnection, mart: Mart, alias: str, incoming: Path, release: Release,
    previous: Previous | None, carried: bool, formats: tuple[str, ...], max_chars: int, partition_min_rows: int,
) -> None:
    """One mart into marts.duckdb (text made safe, once) and its files, written from that copy.
    A mart of at least partition_min_rows rows with a billing month column is published by period
    (billing month and UTC day) and has no single file. Whatever has the same fingerprint as in the
    previous release is reused: its files hard-linked, its rows kept in the copied marts.duckdb;
    only changed periods (or changed small marts) are written."""
    columns = columns_of(con, mart.relation)
    keys_sql = period_keys_sql(columns)
    key_sql = period_key_sql(keys_sql) if keys_sql else "'*'"
    counted, days = fingerprints(con, mart.relation, key_sql, day_column(columns) if keys_sql else None)
    rows = sum(count for count, _ in counted.values())
    by_period = keys_sql is not None and rows >= partition_min_rows
    digest = columns_digest(columns)
    if by_period:
        prints = {key: f"{digest}:{count}:{total}" for key, (count, total) in counted.items()}
    else:
        prints = {"*": f"{digest}:{rows}:{sum(total for _, total in counted.values())}"}
    before = previous.mart(mart.table) if previous else {}
    before_prints = before.get("fingerprints", {}) if before.get("by_period") == by_period else {}
    assert isinstance(before_prints, dict)
    unchanged = {key for key, value in prints.items() if before_prints.get(key) == value}
    release.row_counts[mart.table] = rows
    release.marts[mart.table] = {"by_period": by_period, "fingerprints": prints}
    if by_period:
        release.marts[mart.table]["days"] = {
            key: [str(bound[0]), str(bound[1])] if bound else None for key, bound in days.items()}

    # Files: link what is unchanged, write the rest.
    relative: dict[str, list[Path]] = {}
    for key in sorted(unchanged):
        if by_period:
            relative[key] = period_files(previous.path, mart.table, key, formats) if previous else []
        else:
            relative[key] = [Path(f"{mart.table}.{fmt}") for fmt in formats]
    linked = {key for key, files in relative.items()
              if previous and files and link_previous_files(previous, files, incoming)}

    # marts.duckdb: keep the previous copy's rows where they are unchanged. Patching reads the
    # changed rows once (into a temporary table) for both the insert and their files.
    published = f"{alias}.main.{quote_identifier(mart.table)}"
    select = ", ".join(duckdb_expression(c, max_chars) for c in columns)
    kept = carried and before_prints and table_in(con, alias, mart.table)
    # The previous copy's rows of changed or gone periods, found by the previous release's days.
    stale = sorted(set(before_prints) - unchanged)
    changed = sorted(set(prints) - unchanged)
    patch = kept and by_period and all(str(v).startswith(digest + ":") for v in before_prints.values())
    stored_in_period_order = False
    if patch:
        con.execute(f"create or replace temp table publish_changed as select {select} from {mart.relation}"
                    f" where {in_periods_sql(changed, keys_sql, columns, days)}")
        if stale:
            con.execute(f"delete from {published}"
                        f" where {in_periods_sql(stale, keys_sql, columns, period_days_of(before))}")
        con.execute(f"insert into {published} select * from publish_changed")
    elif stale or changed or not kept:
        # A large mart published by period is stored in period order: its files are then
        # written a period at a time from a few row groups each (write_sorted_periods).
        stored_in_period_order = by_period and rows >= SORTED_WRITE_MIN_ROWS
        order = f" order by {key_sql}" if stored_in_period_order else ""
        con.execute(f"drop table if exists {published}")
        con.execute(f"create table {published} as select {select} from {mart.relation}{order}")

    if by_period:
        unwritten = sorted(set(prints) - linked)
        if patch and set(unwritten) <= set(changed):
            write_periods(con, "publish_changed", mart.table, incoming, unwritten, keys_sql, formats, days)
        elif stored_in_period_order:
            write_sorted_periods(con, published, mart.table, incoming, unwritten, keys_sql, formats, days)
        else:
            write_periods(con, published, mart.table, incoming, unwritten, keys_sql, formats, days,
                          every_key=unwritten == sorted(prints))
    elif "*" not in linked:
        write_files(con, published, mart.table, incoming, list(formats))
    if patch:
        con.execute("drop table publish_changed")


def drop_other_tables(con: duckdb.DuckDBPyConnection, alias: str, tables: list[str]) -> None:
    """Tables of a copied marts.duckdb that are no longer marts (and the old release_info)."""
    for (name,) in con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = 'main'", [alias]
    ).fetchall():
        if name not in tables:
            con.execute(f"drop table {alias}.main.{quote_identifier(str(name))}")


@contextmanager
def duckdb_setting(con: duckdb.DuckDBPyConnection, name: str, value: object) -> Iterator[None]:
    """A DuckDB setting changed for the duration of a block, then set back to what it was (settings
    are shared by the whole database instance, here dbt's own connection)."""
    before = con.execute("select current_setting(?)", [name]).fetchall()[0][0]
    con.execute(f"set {name} = {quote_literal(str(value))}")
    try:
        yield
    finally:
        con.execute(f"set {name} = {quote_literal(str(before))}")


def write_release(
    con: duckdb.DuckDBPyConnection, incoming: Path, release: Release, schema: str, formats: tuple[str, ...],
    max_chars: int, partition_min_rows: int = DEFAULT_PARTITION_MIN_ROWS, previous: Previous | None = None,
) -> None:
    """Every mart of `schema` in marts.duckdb and as files (large ones by billing month and day),
    and release.json, in incoming. What did not change since `previous` is carried forward."""
    tables = mart_tables(con, schema)
    if not tables:
        raise PublishError(f"no tables in schema {schema}: nothing to publish")
    with duckdb_setting(con, "max_vacuum_tasks", MARTS_DATABASE_VACUUM_TASKS):
        alias, carried = open_marts_database(con, incoming / MARTS_DATABASE, release, previous)
        try:
            for table in tables:
                publish_mart(con, Mart(schema, table), alias, incoming, release, previous, carried, formats,
                             max_chars, partition_min_rows)
            drop_other_tables(con, alias, tables)
            write_release_info(con, alias, release)
        finally:
            con.execute(f"detach {alias}")
    release.marts_database_whole_bytes = (
        int(previous.manifest["marts_database_whole_bytes"]) if carried and previous
        else (incoming / MARTS_DATABASE).stat().st_size
    )
    (incoming / RELEASE_FILE).write_text(json.dumps(release.manifest(), indent=2, sort_keys=True) + "\n")


def publish(
    con: duckdb.DuckDBPyConnection,
    exports: Path,
    invocation_id: str,
    schema: str = "marts",
    formats: tuple[str, ...] = ("parquet", "csv"),
    max_chars: int = DEFAULT_MAX_CELL_CHARS,
    keep: int = DEFAULT_KEEP_RELEASES,
    partition_min_rows: int = DEFAULT_PARTITION_MIN_ROWS,
) -> Release:
    """Write every mart of `schema` as a new release and make it current."""
    exports = exports.absolute()
    now = datetime.now(UTC)
    release_id = f"{now:%Y%m%dT%H%M%S%fZ}-{invocation_id[:8]}"
    folder = releases_folder(exports)
    incoming = folder / f".incoming-{release_id}"
    incoming.mkdir(parents=True)
    (incoming / WRITER_PID_FILE).write_text(str(os.getpid()))
    settings = publish_settings(formats, max_chars, partition_min_rows)
    release = Release(release_id, invocation_id, now.strftime("%Y-%m-%d %H:%M:%S.%f"), folder / release_id, exports,
                      settings)
    try:
        write_release(con, incoming, release, schema, formats, max_chars, partition_min_rows,
                      previous_release(exports, settings))
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)  # a failed publish leaves nothing behind
        raise
    (incoming / WRITER_PID_FILE).unlink()
    fsync_tree(incoming)
    incoming.rename(release.path)
    swap_link(exports, release.path)
    prune(exports, keep)
    return release


def current_release(exports: Path) -> dict[str, object]:
    """release.json of the published set."""
    return json.loads((exports.resolve() / RELEASE_FILE).read_text())


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
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_EXPORTS, help="exports path (default: $DBT_EXPORTS_PATH or exports)"
    )
    parser.add_argument("--schema", default="marts", help="schema of the marts (default: marts)")
    parser.add_argument(
        "--formats", default="parquet,csv", help="comma-separated: parquet, csv (default: parquet,csv)"
    )
    parser.add_argument(
        "--max-cell-chars", type=int, default=DEFAULT_MAX_CELL_CHARS, help="longest text cell (default: 4096)"
    )
    parser.add_argument(
        "--keep", type=int, default=DEFAULT_KEEP_RELEASES, help="releases kept on disk (default: 3)"
    )
    parser.add_argument(
        "--partition-min-rows", type=int, default=DEFAULT_PARTITION_MIN_ROWS,
        help="marts with at least this many rows are written by billing month and day only (default: 100000)",
    )
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    unknown = set(formats) - {"parquet", "csv"}
    if unknown:
        parser.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    if args.max_cell_chars <= len(TRUNCATION_MARKER):
        parser.error(f"--max-cell-chars must exceed {len(TRUNCATION_MARKER)}")
    database = args.database.resolve()
    if not database.exists():
        raise SystemExit(f"DuckDB file not found: {database} (run `dbt build` first)")
    # The warehouse is attached read-only; the release file is attached read-write.
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach {quote_literal(str(database))} as warehouse (read_only)")
        con.execute("use warehouse")
        release = publish(
            con, args.out, f"manual-{uuid.uuid4()}", args.schema, formats, args.max_cell_chars, args.keep,
            args.partition_min_rows,
        )
    except PublishError as error:
        raise SystemExit(str(error)) from error
    finally:
        con.close()
    print(f"published {release.release_id}: {args.out} -> {release.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
