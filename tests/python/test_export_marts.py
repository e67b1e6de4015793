"""Published files: Parquet with UTC instants, CSV with FOCUS datetimes and
text cells neutralised against formula injection; control, NUL and bidi
characters neutralised and long cells capped in every published file, while
the warehouse keeps the exact value."""

from __future__ import annotations

import csv
import json
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import export_marts  # noqa: E402

EVIL = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "plain", "a=b"]
# NUL, bell, escape, DEL, a C1 control, bidi overrides and isolates, line breaks.
UNSAFE = [
    "nul\x00here",
    "bell\x07esc\x1b[31m",
    "del\x7fc1\x85",
    "invoice\u202egpj.exe",
    "iso\u2066late\u2069d",
    "two\nlines\r\nand\ttab",
]
LONG = "x" * 200_000


def make_database(path: Path, values: list[str]) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.focus_cost_and_usage"
        " (ChargeDescription varchar, BilledCost decimal(38, 15), BillingPeriodStart timestamp)"
    )
    con.executemany(
        "insert into marts.focus_cost_and_usage values (?, -0.5, timestamp '2026-05-01 00:00:00')",
        [[v] for v in values],
    )
    con.close()


def publish(tmp_path: Path, values: list[str]) -> tuple[Path, Path]:
    database = tmp_path / "x.duckdb"
    make_database(database, values)
    out = tmp_path / "exports"
    export_marts.main(["--database", str(database), "--out", str(out)])
    return database, out


def csv_cells(out: Path) -> list[dict[str, str]]:
    with (out / "focus_cost_and_usage.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def parquet_cells(out: Path) -> list[str]:
    path = out / "focus_cost_and_usage.parquet"
    return [r[0] for r in duckdb.sql(f"select ChargeDescription from read_parquet('{path}')").fetchall()]


def marts_database_cells(out: Path) -> list[str]:
    with duckdb.connect(str(out / "marts.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("select ChargeDescription from focus_cost_and_usage").fetchall()]


def test_csv_cells_are_neutralised_and_parquet_is_typed(tmp_path: Path) -> None:
    _, out = publish(tmp_path, EVIL)
    rows = csv_cells(out)
    assert [r["ChargeDescription"] for r in rows] == [
        export_marts.neutralise_formula(export_marts.safe_text(v)) for v in EVIL
    ]
    assert rows[0]["ChargeDescription"] == "'=HYPERLINK(\"http://x\")"
    assert rows[5]["ChargeDescription"] == "plain" and rows[6]["ChargeDescription"] == "a=b"
    # numbers are numbers, not text: a negative amount is not quoted
    assert rows[0]["BilledCost"].startswith("-0.5")
    assert rows[0]["BillingPeriodStart"] == "2026-05-01T00:00:00Z"
    described = duckdb.sql(f"describe select * from read_parquet('{out / 'focus_cost_and_usage.parquet'}')")
    types = {row[0]: row[1] for row in described.fetchall()}
    assert types["BillingPeriodStart"] == "TIMESTAMP WITH TIME ZONE"
    assert types["BilledCost"] == "DECIMAL(38,15)"


def test_csv_timestamps_are_utc_instants_to_the_second(tmp_path: Path) -> None:
    """A naive (UTC) timestamp, formatted by COPY's timestampformat, and an aware one, converted to UTC
    in the select list, both read YYYY-MM-DDTHH:MM:SSZ (fraction dropped); dates and nulls as they are."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'America/New_York'")
    con.execute("create table t (naive timestamp, aware timestamptz, day date)")
    con.execute("insert into t values (timestamp '2026-05-01 12:34:56.789', timestamptz '2026-05-01 14:34:56.789+02',"
                " date '2026-05-01'), (null, null, null)")
    export_marts.write_files(con, "t", "t", tmp_path, ["csv"])
    with (tmp_path / "t.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [{"naive": "2026-05-01T12:34:56Z", "aware": "2026-05-01T12:34:56Z", "day": "2026-05-01"},
                    {"naive": "", "aware": "", "day": ""}]


def test_control_and_bidi_characters_are_neutralised_in_every_file(tmp_path: Path) -> None:
    database, out = publish(tmp_path, UNSAFE)
    expected = [export_marts.safe_text(v) for v in UNSAFE]
    assert expected[0] == "nul\ufffdhere" and expected[3] == "invoice\ufffdgpj.exe"
    assert expected[5] == "two lines  and tab"
    for published in (parquet_cells(out), marts_database_cells(out), [r["ChargeDescription"] for r in csv_cells(out)]):
        assert published == expected
        assert not any(export_marts.UNSAFE_CHARACTERS.search(cell) for cell in published)
    # the warehouse keeps the exact value
    with duckdb.connect(str(database), read_only=True) as con:
        assert [r[0] for r in con.execute("select ChargeDescription from marts.focus_cost_and_usage").fetchall()] == UNSAFE


def test_sql_safe_text_agrees_with_python_on_every_character() -> None:
    """safe_text_sql lets cells its cheap checks find safe through untouched: the Python rule
    (safe_text) is the oracle for every character up to U+2FFF, alone and inside text, with
    lengths at and past the cap."""
    characters = [chr(c) for c in range(0x3000) if not 0xD800 <= c <= 0xDFFF]
    # JSON-valued cells (quotes, backslashes) with and without a C0 control among them.
    json_like = ['q"uo\\te', '{"k": "v\x01"}', '\\\x1f', '"\t"', '{"k": "v"}']
    values = characters + [f"a{c}b" for c in characters] + json_like + ["😀\x01", "y" * 20, "y" * 21, None]
    with duckdb.connect() as con:
        con.execute("create table t as select generate_subscripts($1, 1) as position, unnest($1) as value", [values])
        published = [r[0] for r in con.execute(f"select {export_marts.safe_text_sql('value', 20)} from t order by position").fetchall()]
    assert published == [export_marts.safe_text(v, 20) for v in values]


def test_long_cells_are_capped_with_a_visible_marker(tmp_path: Path) -> None:
    database, out = publish(tmp_path, [LONG, "short"])
    capped = "x" * (export_marts.DEFAULT_MAX_CELL_CHARS - len(export_marts.TRUNCATION_MARKER)) + "…[truncated]"
    assert len(capped) == 4096
    assert parquet_cells(out) == [capped, "short"]
    assert marts_database_cells(out) == [capped, "short"]
    assert [r["ChargeDescription"] for r in csv_cells(out)] == [capped, "short"]
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select max(length(ChargeDescription)) from marts.focus_cost_and_usage").fetchone()[0] == 200_000


def test_a_view_of_the_marts_schema_is_published_as_a_table(tmp_path: Path) -> None:
    """A mart materialized as a view (focus_charges) is published like a table: a table of
    marts.duckdb (a view there would read tables the file does not hold) and its files."""
    database = tmp_path / "x.duckdb"
    make_database(database, ["usage", "=cell"])
    with duckdb.connect(str(database)) as con:
        con.execute("create view marts.focus_charges as select * from marts.focus_cost_and_usage")
    out = tmp_path / "exports"
    export_marts.main(["--database", str(database), "--out", str(out)])
    with duckdb.connect(str(out / "marts.duckdb"), read_only=True) as con:
        assert con.execute("select table_type from information_schema.tables"
                           " where table_name = 'focus_charges'").fetchall() == [("BASE TABLE",)]
        assert sorted(con.execute("select ChargeDescription from focus_charges").fetchall()) == [("=cell",), ("usage",)]
    assert export_marts.current_release(out)["row_counts"]["focus_charges"] == 2
    assert (out / "focus_charges.parquet").is_file() and "'=cell" in (out / "focus_charges.csv").read_text()


def test_republishing_swaps_the_link_and_prunes_old_releases(tmp_path: Path) -> None:
    _, out = publish(tmp_path, ["one"])
    first = out.resolve()
    for _ in range(4):
        export_marts.main(["--database", str(tmp_path / "x.duckdb"), "--out", str(out), "--keep", "2"])
    releases = sorted(p.name for p in (tmp_path / "exports.releases").iterdir())
    assert len(releases) == 2 and out.resolve().name == releases[-1]
    assert not first.exists()


def test_prune_keeps_an_incoming_release_whose_writer_runs(tmp_path: Path) -> None:
    _, out = publish(tmp_path, ["one"])
    releases = tmp_path / "exports.releases"
    running, killed = releases / ".incoming-running", releases / ".incoming-killed"
    for folder, pid in ((running, os.getpid()), (killed, 2**22 + 12345)):
        folder.mkdir()
        (folder / export_marts.WRITER_PID_FILE).write_text(str(pid))
    export_marts.prune(out, keep=3)
    assert running.exists() and not killed.exists()


def test_failed_publish_leaves_no_release_behind(tmp_path: Path) -> None:
    _, out = publish(tmp_path, ["one"])
    before = out.resolve()
    with duckdb.connect() as con:  # no marts schema: nothing to publish
        with pytest.raises(export_marts.PublishError):
            export_marts.publish(con, out, "empty-000")
    assert out.resolve() == before
    assert [p.name for p in (tmp_path / "exports.releases").iterdir()] == [before.name]


def make_daily_database(path: Path, rows: list[tuple[str, float, str]]) -> None:
    """A large-mart shape (a billing month and a day column) and a small mart without them."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.focus_charges (ChargeDescription varchar, BilledCost decimal(38, 15),"
            " BillingPeriodStart timestamp, ChargePeriodStart timestamp)"
        )
        con.executemany(
            "insert into marts.focus_charges values (?, ?, date_trunc('month', cast(? as timestamp)), ?)",
            [[text, cost, day, day] for text, cost, day in rows],
        )
        con.execute("create or replace table marts.small_lookup as select 'cc-' || range as cost_center from range(2)")


DAILY = [("a", 1.0, "2026-05-01"), ("=b", 2.0, "2026-05-01"), ("c", 3.0, "2026-05-02"),
         ("d", 4.0, "2026-05-03"), ("june", 5.0, "2026-06-01")]


@pytest.mark.parametrize("keys", [
    ["2026-05/2026-05-01"],
    ["2026-04/2026-05-01", "2026-05/2026-05-31", "2026-06/2026-06-01"],
    ["2026-05/2026-05-02", "none/none"],
    ["2026-05/billing_period", "2026-05/2026-05-31"],
    ["2026-06/billing_period"],
    ["2026-05/2026-05", "2026-07/2026-07-01"],
    [],
])
def test_the_rows_of_periods_are_the_rows_whose_key_is_listed(keys: list[str]) -> None:
    """in_periods_sql, with or without its day range, selects exactly the rows whose period key is
    listed: rows at the first and last second of a day, across a month end, without a day, and
    rows whose charge period is their whole billing period (their own period, whatever their day)."""
    con = duckdb.connect()
    con.execute("create table mart (BillingPeriodStart timestamp, BillingPeriodEnd timestamp,"
                " ChargePeriodStart timestamp, ChargePeriodEnd timestamp, n integer)")
    con.execute("""insert into mart
        select b, b + interval 1 month, c, coalesce(e, c + interval 1 day), n from (values
        ('2026-04-01'::timestamp, '2026-05-01 00:00:00'::timestamp, null::timestamp, 1),
        ('2026-05-01', '2026-05-01 23:59:59.999', null, 2),
        ('2026-05-01', '2026-04-30 23:59:59.999', null, 3), ('2026-05-01', '2026-05-02 00:00:00', null, 4),
        ('2026-05-01', '2026-05-31 12:00:00', null, 5), ('2026-06-01', '2026-06-01 00:00:00', null, 6),
        ('2026-06-01', '2026-06-02 00:00:00', null, 7), (null, null, null, 8), ('2026-05-01', null, null, 9),
        ('2026-05-01', '2026-05-01 00:00:00', '2026-06-01 00:00:00', 10),
        ('2026-06-01', '2026-06-01 00:00:00', '2026-07-01 00:00:00', 11)) as t(b, c, e, n)""")
    columns = export_marts.columns_of(con, "mart")
    keys_sql = export_marts.period_keys_sql(columns)
    assert keys_sql is not None
    key_sql = export_marts.period_key_sql(keys_sql)
    _, days = export_marts.fingerprints(con, "mart", key_sql, "ChargePeriodStart")
    assert days["2026-05/billing_period"] == (date(2026, 5, 1), date(2026, 5, 1)) and days["none/none"] is None
    predicate = export_marts.in_periods_sql(keys, keys_sql, columns, days)
    expected = sorted(n for n, key in con.execute(f"select n, {key_sql} from mart").fetchall() if key in keys)
    assert sorted(n for (n,) in con.execute(f"select n from mart where {predicate}").fetchall()) == expected
    assert ('"ChargePeriodStart" >=' in predicate) == (bool(expected) and "none/none" not in keys)
    assert {10, 11} & set(expected) == {n for n, key in [(10, "2026-05/billing_period"),
                                                         (11, "2026-06/billing_period")] if key in keys}


def test_changed_days_are_read_by_runs_of_consecutive_days() -> None:
    """A night that changes a month's first day and its last two reads those days' row groups, not
    the month between: one range per run of consecutive days (spans of days merged)."""
    columns = [export_marts.Column(name, "TIMESTAMP") for name in ("BillingPeriodStart", "ChargePeriodStart")]
    keys_sql = export_marts.period_keys_sql(columns)
    assert keys_sql is not None
    keys = ["2026-05/2026-05-31", "2026-05/2026-05-01", "2026-05/2026-05-30"]
    days = {key: (date.fromisoformat(key[8:]), date.fromisoformat(key[8:])) for key in keys}
    predicate = export_marts.in_periods_sql(keys, keys_sql, columns, days)
    ranges = predicate.rsplit(" and list_contains", 1)[0]
    assert ranges.count('"ChargePeriodStart" >=') == 2, predicate
    day_in_ranges = duckdb.sql(
        f"select day, {ranges} from (select unnest(['2026-04-30 23:59:59', '2026-05-01 00:00:00',"
        " '2026-05-02 00:00:00', '2026-05-15 12:00:00', '2026-05-30 00:00:00', '2026-05-31 23:59:59',"
        " '2026-06-01 00:00:00'])::timestamp"
        ' as "ChargePeriodStart", "ChargePeriodStart"::date::varchar as day) order by day'
    ).fetchall()
    assert [day for day, inside in day_in_ranges if inside] == ["2026-05-01", "2026-05-30", "2026-05-31"]
    assert export_marts.day_runs([]) == []
    may = date(2026, 5, 1)
    assert export_marts.day_runs([(may + timedelta(3), may + timedelta(4)), (may, may + timedelta(2)),
                                  (may + timedelta(1), may + timedelta(1)), (may + timedelta(9), may + timedelta(9))]) == [
        (may, may + timedelta(4)), (may + timedelta(9), may + timedelta(9))]


def test_large_marts_are_written_by_billing_month_and_day_only(tmp_path: Path) -> None:
    database = tmp_path / "x.duckdb"
    make_daily_database(database, DAILY)
    out = tmp_path / "exports"
    export_marts.main(["--database", str(database), "--out", str(out), "--partition-min-rows", "3"])
    months = out / "by_billing_month" / "focus_charges"
    assert sorted(str(p.relative_to(months)) for p in months.rglob("*")) == [
        "billing_month=2026-05", "billing_month=2026-05/2026-05-01.csv", "billing_month=2026-05/2026-05-01.parquet",
        "billing_month=2026-05/2026-05-02.csv", "billing_month=2026-05/2026-05-02.parquet",
        "billing_month=2026-05/2026-05-03.csv", "billing_month=2026-05/2026-05-03.parquet",
        "billing_month=2026-06", "billing_month=2026-06/2026-06-01.csv", "billing_month=2026-06/2026-06-01.parquet",
    ]
    partitioned = duckdb.sql(
        f"select billing_month, count(*), sum(BilledCost) from read_parquet('{months}/*/*.parquet',"
        " hive_partitioning = true) group by 1 order by 1"
    ).fetchall()
    assert [(str(m), n, float(c)) for m, n, c in partitioned] == [("2026-05", 4, 10.0), ("2026-06", 1, 5.0)]
    with (months / "billing_month=2026-05" / "2026-05-01.csv").open(newline="", encoding="utf-8") as handle:
        assert sorted(r["ChargeDescription"] for r in csv.DictReader(handle)) == ["'=b", "a"]
    # No single file for the large mart; a small mart (or one without a billing month) has one.
    assert not (out / "focus_charges.parquet").exists() and not (out / "focus_charges.csv").exists()
    assert (out / "small_lookup.parquet").is_file() and not (out / "by_billing_month" / "small_lookup").exists()
    export_marts.main(["--database", str(database), "--out", str(out)])
    assert not (out / "by_billing_month").exists() and (out / "focus_charges.parquet").is_file()


def release_content(release: Path) -> dict[str, list[tuple]]:
    """Every table of marts.duckdb (but release_info) and every file of a release, as sorted rows."""
    content: dict[str, list[tuple]] = {}
    with duckdb.connect(str(release / "marts.duckdb"), read_only=True) as con:
        for (table,) in con.execute("select table_name from duckdb_tables()").fetchall():
            if table != "release_info":
                content[f"marts.duckdb:{table}"] = sorted(con.execute(f"select * from {table}").fetchall(), key=repr)
    for path in release.rglob("*"):
        if path.suffix == ".parquet":
            content[str(path.relative_to(release))] = sorted(
                duckdb.sql(f"select * from read_parquet('{path}')").fetchall(), key=repr)
        elif path.suffix == ".csv":
            content[str(path.relative_to(release))] = sorted(path.read_text(encoding="utf-8").splitlines()[1:])
    return content


def inodes(release: Path) -> dict[str, int]:
    return {str(p.relative_to(release)): p.stat().st_ino for p in release.rglob("*") if p.suffix in (".parquet", ".csv")}


def test_a_large_mart_written_in_period_order_gives_the_same_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From SORTED_WRITE_MIN_ROWS rows a mart published by period is stored in period order and
    written a day at a time (write_sorted_periods); the release equals the partitioned COPY's,
    the same files with the same rows, and a later night's publish patches it the same way."""
    database = tmp_path / "x.duckdb"
    make_daily_database(database, DAILY)
    args = ["--database", str(database), "--partition-min-rows", "3"]
    export_marts.main([*args, "--out", str(tmp_path / "partitioned")])
    monkeypatch.setattr(export_marts, "SORTED_WRITE_MIN_ROWS", 3)
    export_marts.main([*args, "--out", str(tmp_path / "ordered")])
    ordered = (tmp_path / "ordered").resolve()
    assert release_content(ordered) == release_content((tmp_path / "partitioned").resolve())
    with duckdb.connect(str(ordered / "marts.duckdb"), read_only=True) as con:
        days = [str(d) for (d,) in con.execute("select ChargePeriodStart::date from focus_charges").fetchall()]
    assert days == sorted(days)  # stored in period order
    night = [*DAILY[:2], ("c", 3.5, "2026-05-02"), ("new", 6.0, "2026-06-02")]
    make_daily_database(database, night)
    export_marts.main([*args, "--out", str(tmp_path / "ordered")])
    monkeypatch.setattr(export_marts, "SORTED_WRITE_MIN_ROWS", export_marts.SORTED_WRITE_MIN_ROWS * 10**9)
    export_marts.main([*args, "--out", str(tmp_path / "fresh")])
    assert release_content((tmp_path / "ordered").resolve()) == release_content((tmp_path / "fresh").resolve())


@pytest.mark.parametrize("threads", [1, 2])
def test_statements_side_by_side_all_run_and_an_error_is_raised(tmp_path: Path, threads: int) -> None:
    """run_side_by_side (the period files of a large mart) runs every statement, on one cursor per
    DuckDB thread, and raises a failing statement's error."""
    with duckdb.connect(str(tmp_path / "x.duckdb"), config={"threads": threads}) as con:
        export_marts.run_side_by_side(con, [f"create table t{n} as select {n} as n" for n in range(9)])
        made = con.execute("select sum(n), count(*) from (" + " union all ".join(
            f"select n from t{n}" for n in range(9)) + ")").fetchall()
        assert made == [(36, 9)]
        with pytest.raises(duckdb.CatalogException, match="no_such_table"):
            export_marts.run_side_by_side(con, ["select 1", "copy (select * from no_such_table) to 'x.csv'"])


@pytest.mark.parametrize("growth", [export_marts.MAX_MARTS_DATABASE_GROWTH, 0.0])
def test_a_publish_writes_only_what_changed_and_equals_a_publish_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, growth: float
) -> None:
    """The night's publish: a day restated, a day added, a day gone, a small mart changed, a mart
    dropped. Unchanged days are the previous release's files (hard links); the release equals a
    publish of the same marts into an empty exports path. With growth 0 marts.duckdb is written
    whole instead of copied and patched: the same result."""
    monkeypatch.setattr(export_marts, "MAX_MARTS_DATABASE_GROWTH", growth)
    database, out, fresh = tmp_path / "x.duckdb", tmp_path / "exports", tmp_path / "fresh"
    args = ["--database", str(database), "--partition-min-rows", "3"]
    make_daily_database(database, DAILY)
    with duckdb.connect(str(database)) as con:
        con.execute("create table marts.retired as select 1 as n")
    export_marts.main([*args, "--out", str(out)])
    before = out.resolve()
    night = [("a", 1.0, "2026-05-01"), ("=b", 2.0, "2026-05-01"), ("c", 3.5, "2026-05-02"),
             ("june", 5.0, "2026-06-01"), ("new", 6.0, "2026-06-02")]
    make_daily_database(database, night)
    with duckdb.connect(str(database)) as con:
        con.execute("insert into marts.small_lookup values ('cc-new')")
        con.execute("drop table marts.retired")
    export_marts.main([*args, "--out", str(out)])
    after = out.resolve()
    export_marts.main([*args, "--out", str(fresh)])

    assert release_content(after) == release_content(fresh.resolve())
    old, new = inodes(before), inodes(after)
    reused = sorted(name for name, inode in new.items() if old.get(name) == inode)
    days = "by_billing_month/focus_charges/billing_month="
    assert reused == [f"{days}2026-05/2026-05-01.csv", f"{days}2026-05/2026-05-01.parquet",
                      f"{days}2026-06/2026-06-01.csv", f"{days}2026-06/2026-06-01.parquet"]
    assert f"{days}2026-05/2026-05-03.parquet" in old and f"{days}2026-05/2026-05-03.parquet" not in new
    assert "retired.parquet" in old and "retired.parquet" not in new
    manifest = json.loads((after / "release.json").read_text())
    assert manifest["row_counts"] == {"focus_charges": 5, "small_lookup": 3}
    # The previous release is untouched by the links: still its own content.
    assert release_content(before)["marts.duckdb:focus_charges"][3][0] == "d"


def make_focus_database(path: Path, billing_period_cost: float) -> None:
    """focus_charges with FOCUS's period columns: a usage row per day of May 2026 and two rows whose
    charge period is the whole month (a commitment fee and an adjustment, rebuilt every night)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(f"""create or replace table marts.focus_charges as
            select 'usage ' || day::date as ChargeDescription, 1.0::decimal(38, 15) as BilledCost,
                   timestamp '2026-05-01' as BillingPeriodStart, timestamp '2026-06-01' as BillingPeriodEnd,
                   day as ChargePeriodStart, day + interval 1 day as ChargePeriodEnd
            from range(timestamp '2026-05-01', timestamp '2026-06-01', interval 1 day) as days(day)
            union all
            select description, {billing_period_cost}::decimal(38, 15), timestamp '2026-05-01',
                   timestamp '2026-06-01', timestamp '2026-05-01', timestamp '2026-06-01'
            from (values ('commitment fee'), ('adjustment')) as fees(description)""")


def test_whole_billing_period_rows_are_their_own_period(tmp_path: Path) -> None:
    """A FOCUS row whose charge period is its whole billing period is in its month's
    billing_period files, not in its first day's; a night that changes only such rows rewrites
    those files alone and links every day (its first included); the release equals a publish from
    scratch."""
    database, out, fresh = tmp_path / "x.duckdb", tmp_path / "exports", tmp_path / "fresh"
    args = ["--database", str(database), "--partition-min-rows", "3"]
    make_focus_database(database, 5.0)
    export_marts.main([*args, "--out", str(out)])
    before = out.resolve()
    month = before / "by_billing_month" / "focus_charges" / "billing_month=2026-05"
    assert sorted(p.name for p in month.glob("*.parquet")) == [
        *(f"2026-05-{day:02d}.parquet" for day in range(1, 32)), "billing_period.parquet"]
    first_day = duckdb.sql(f"select ChargeDescription from read_parquet('{month}/2026-05-01.parquet')").fetchall()
    assert first_day == [("usage 2026-05-01",)]
    fees = duckdb.sql(f"select ChargeDescription from read_parquet('{month}/billing_period.parquet') order by 1")
    assert fees.fetchall() == [("adjustment",), ("commitment fee",)]
    make_focus_database(database, 7.5)
    export_marts.main([*args, "--out", str(out)])
    after = out.resolve()
    export_marts.main([*args, "--out", str(fresh)])
    assert release_content(after) == release_content(fresh.resolve())
    old, new = inodes(before), inodes(after)
    rewritten = sorted(name.rsplit("/", 1)[1] for name, inode in new.items() if old.get(name) != inode)
    assert rewritten == ["billing_period.csv", "billing_period.parquet"]


def test_nothing_is_reused_across_other_settings(tmp_path: Path) -> None:
    database, out = tmp_path / "x.duckdb", tmp_path / "exports"
    make_daily_database(database, DAILY)
    export_marts.main(["--database", str(database), "--out", str(out), "--partition-min-rows", "3"])
    before = inodes(out.resolve())
    export_marts.main(["--database", str(database), "--out", str(out), "--partition-min-rows", "3",
                       "--max-cell-chars", "100"])
    second = inodes(out.resolve())
    assert not set(before.items()) & set(second.items())
    export_marts.main(["--database", str(database), "--out", str(out), "--partition-min-rows", "3",
                       "--max-cell-chars", "100"])
    assert inodes(out.resolve()) == second and len(second) == len(before)


def test_the_focus_validator_reads_a_dataset_published_by_day(tmp_path: Path) -> None:
    import validate_focus

    database, out = tmp_path / "x.duckdb", tmp_path / "exports"
    make_daily_database(database, DAILY)
    export_marts.main(["--database", str(database), "--out", str(out), "--partition-min-rows", "3"])
    combined = validate_focus.published_focus_file(out)
    rows = duckdb.sql(f"select ChargeDescription, BilledCost from read_parquet('{combined}') order by 2").fetchall()
    assert [(text, float(cost)) for text, cost in rows] == [(text, cost) for text, cost, _ in DAILY]
    export_marts.main(["--database", str(database), "--out", str(out)])
    assert validate_focus.published_focus_file(out) == (out / "focus_charges.parquet").resolve()


@pytest.mark.parametrize("damage", ["{not json", "[]", '{"settings": "other"}'])
def test_a_damaged_release_json_means_a_whole_write_not_a_failure(tmp_path: Path, damage: str) -> None:
    database, out = tmp_path / "x.duckdb", tmp_path / "exports"
    make_daily_database(database, DAILY)
    args = ["--database", str(database), "--out", str(out), "--partition-min-rows", "3"]
    export_marts.main(args)
    before = out.resolve()
    (before / "release.json").write_text(damage)
    export_marts.main(args)
    assert not set(inodes(before).items()) & set(inodes(out.resolve()).items())
    assert release_content(out.resolve()) == release_content(before)


def test_marts_database_is_written_without_vacuum_and_the_setting_is_given_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB settings are shared by the whole database instance (in a build, dbt's own): the
    publish turns vacuum off while it writes marts.duckdb only, and leaves the caller's value."""
    database = tmp_path / "x.duckdb"
    make_database(database, ["one"])
    seen: list[int] = []
    write_release_info = export_marts.write_release_info

    def recording(con: duckdb.DuckDBPyConnection, alias: str, release: export_marts.Release) -> None:
        seen.append(con.execute("select current_setting('max_vacuum_tasks')").fetchall()[0][0])
        write_release_info(con, alias, release)

    monkeypatch.setattr(export_marts, "write_release_info", recording)
    with duckdb.connect(str(database)) as con:
        con.execute("set max_vacuum_tasks = 7")
        export_marts.publish(con, tmp_path / "exports", "vacuum-000")
        assert seen == [export_marts.MARTS_DATABASE_VACUUM_TASKS]
        assert con.execute("select current_setting('max_vacuum_tasks')").fetchall()[0][0] == 7
