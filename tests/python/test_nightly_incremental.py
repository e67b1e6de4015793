"""Nightly incremental run equals a full refresh (docs/nightly.md).

Generates three days of traces with late and duplicated spans, builds days 1-2,
adds day 3 and runs the nightly (incremental) build, then rebuilds everything
with --full-refresh into another database over the same files: every mart and
the staged spans must hold identical rows. Also checks that the nightly run
re-read only the new day's files and rebuilt only the traces it touched.

A second scenario runs three nights over a project copy: late spans, a
redelivered file (same content under a new name) and a touched file on the
second night; a price change, a cost-center policy move and an added alias
row on the third (every trace rebuilt, no file re-parsed); a fourth night with
nothing new; finance's fixed allocation shares changed on the fifth (a seed
outside the fingerprint: no trace rebuilt) and a month closed on the sixth.
Each night's marts must equal a --full-refresh over the same files and seeds.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Collection
from pathlib import Path

import duckdb

from _dbt_builds import SPAN_RECORDS_GRAIN_TEST
from dbt_runner import MODELS_ONLY, PROJECT_DIR, run_dbt

# Run bookkeeping (which run staged a record, which traces a run rebuilt, the
# completed runs): differs between a nightly history and a full refresh by design.
BOOKKEEPING_TABLES = {"stg_traces__affected_traces", "stg_traces__affected_days", "stg_traces__rebuilt_days",
                      "nightly_runs"}
# When a build froze a closed month's numbers (chargeback_published, focus_published): the night's
# build and the full refresh's differ by design.
BOOKKEEPING_COLUMNS = {"staged_invocation_id", "published_at", "x_PublishedAt"}


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
        # Views too (focus_charges is one): what they show must match as well.
        names = [row[0] for row in connection.sql(
            f"select table_name from information_schema.tables where table_schema = '{schema}' order by 1"
        ).fetchall() if row[0] not in BOOKKEEPING_TABLES]
        result = {}
        for name in names:
            columns = [row[0] for row in connection.sql(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ?"
                " order by column_index", params=[schema, name]
            ).fetchall()]
            # Maps compare as sorted text; rows compare as a sorted multiset.
            select = ", ".join(
                f'cast(list_sort(map_entries("{c}")) as varchar)' if c == "attributes" else f'"{c}"'
                for c in columns if c not in BOOKKEEPING_COLUMNS
            )
            rows = connection.sql(f"select {select} from {schema}.{name}").fetchall()
            result[name] = sorted(rows, key=repr)
        return result


# The daily facts rebuilt by period that no mart copies whole (alias_usage_by_hop and the drift alert
# sum them); the other intermediate tables number hops in run order and differ by design.
INTERMEDIATE_FACTS = ("int_spans__alias_usage", "int_spans__attribute_key_usage")


def _assert_tables_match(nightly_db: Path, full_db: Path, label: str, non_empty: Collection[str] = ()) -> None:
    """Every marts and staging table (but the run's bookkeeping) and the intermediate daily facts of a
    nightly history equal those of a full refresh over the same files and seeds."""
    for schema, only in [("marts", None), ("staging", None), ("intermediate", INTERMEDIATE_FACTS)]:
        nightly_tables = _tables(nightly_db, schema)
        full_tables = _tables(full_db, schema)
        if only is None:
            assert nightly_tables.keys() == full_tables.keys()
        for table in only or full_tables:
            rows = full_tables[table]
            if table in non_empty:
                assert rows, f"{schema}.{table} is empty"
            assert nightly_tables[table] == rows, f"{label}: {schema}.{table} differs from a full refresh"


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
    _assert_rebuilt_only_touched_traces(nightly)
    _assert_usage_rows_not_rebuilt_every_run(nightly)

    # The full refresh reads each file in a statement of its own (every file is over a 1-byte budget;
    # the nightly runs read one batch each): a batch lost or read twice would change the staged files
    # and the marts compared below.
    full = run_dbt(tmp_path / "full", traces_glob=glob, extra_vars={"raw_line_bytes_per_statement": 1},
                   extra_args=MODELS_ONLY + ["--full-refresh"])
    assert full.returncode == 0, full.output[-3000:]

    with duckdb.connect(str(full.database), read_only=True) as connection:
        staged_after = connection.sql(
            "select count(distinct source_file) from staging.stg_traces__parsed_records").fetchall()[0][0]
    assert staged_after == staged_before + new_files

    _assert_tables_match(nightly.database, full.database, "the night", non_empty={
        "fct_llm_calls", "chargeback_by_cost_center", "stg_traces__parsed_records", *INTERMEDIATE_FACTS})


def _assert_rebuilt_only_touched_traces(run) -> None:  # noqa: ANN001
    """The night's run listed (and so rebuilt) every trace of the records it staged, not every trace."""
    assert "every trace is rebuilt" not in run.output
    invocation = json.loads((run.target_dir / "run_results.json").read_text())["metadata"]["invocation_id"]
    with duckdb.connect(str(run.database), read_only=True) as connection:
        rebuilt = connection.sql("select count(distinct trace_id) from staging.stg_traces__affected_traces"
                                 " where reason != 'every_trace'").fetchall()[0][0]
        total = connection.sql("select count(distinct trace_id) from marts.fct_llm_calls").fetchall()[0][0]
        staged_traces, unlisted = connection.execute(
            "select count(distinct records.trace_id), count(*) filter (where records.trace_id not in"
            "   (select trace_id from staging.stg_traces__affected_traces))"
            " from staging.stg_traces__span_records as records"
            " inner join staging.stg_traces__parsed_records as parsed"
            "   on records.source_file = parsed.source_file and records.line_number = parsed.line_number"
            " where parsed.staged_invocation_id = ? and records.trace_id is not null", [invocation]
        ).fetchall()[0]
    assert 0 < staged_traces <= rebuilt < total, (staged_traces, rebuilt, total)
    assert unlisted == 0


def _assert_usage_rows_not_rebuilt_every_run(run) -> None:  # noqa: ANN001
    """focus_charges' rows replaced on every night whatever their day (its meta rebuilt_every_run) are
    exactly the rows of its FOCUS row models other than focus_cost_and_usage, whose changed months nothing
    lists. Usage rows are rebuilt with their day: taking a month's first day of usage too would rebuild one
    more day of usage rows per month of history every night."""
    manifest = json.loads((run.target_dir / "manifest.json").read_text())
    predicate = next(node["config"]["meta"]["rebuilt_every_run"] for node in manifest["nodes"].values()
                     if node["resource_type"] == "model" and node["name"] == "focus_charges")
    with duckdb.connect(str(run.database), read_only=True) as connection:
        rebuilt_every_run = connection.sql(f"select count(*) from marts.focus_charges where {predicate}").fetchall()[0][0]
        billing_period_rows = connection.sql(
            "select (select count(*) from marts.focus_invoice_adjustments)"
            " + (select count(*) from marts.focus_shared_charge_allocations)").fetchall()[0][0]
        first_day_usage = connection.sql("select count(*) from marts.focus_cost_and_usage"
                                         " where ChargePeriodStart = BillingPeriodStart").fetchall()[0][0]
    assert first_day_usage > 0, "the data holds no usage on a month's first day: nothing to tell apart"
    assert rebuilt_every_run == billing_period_rows, (rebuilt_every_run, billing_period_rows, first_day_usage)


def _per_trace_models(run) -> set[str]:  # noqa: ANN001
    """The models rebuilt per trace: incremental, with the meta trace_key trace_rebuild_config sets
    (a view over one, such as stg_traces__spans, has the key for its tests but nothing to rebuild)."""
    manifest = json.loads((run.target_dir / "manifest.json").read_text())
    return {node["name"] for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
            and node["config"]["meta"].get("trace_key")}


def _models_reading_affected_list(run) -> set[str]:  # noqa: ANN001
    """The per-trace models whose SQL, as this run compiled it, filters on the list of affected traces.
    A run that rebuilds every trace must read every row without that semi-join (at 10M spans and
    3 GB, a join on a list of every trace ran out of memory); an ordinary night must filter."""
    compiled = run.target_dir / "compiled"
    return {model for model in _per_trace_models(run)
            if "stg_traces__affected_traces" in next(compiled.rglob(f"{model}.sql")).read_text()}


def _days_written_into_period_models(run) -> dict[str, set[str]]:  # noqa: ANN001
    """The days listed as constants (`in (cast('YYYY-MM-DD' as date), ...)`) in the SQL this run compiled
    for each aggregate rebuilt by period (incremental, meta period_key): in_rebuilt_periods writes the run's
    rebuilt days in."""
    manifest = json.loads((run.target_dir / "manifest.json").read_text())
    compiled = run.target_dir / "compiled"
    day = r"cast\('\d{4}-\d{2}-\d{2}' as date\)"

    def listed(sql: str) -> set[str]:
        return {found for days in re.findall(rf"in \(\s*((?:{day},?\s*)+)\)", sql)
                for found in re.findall(r"\d{4}-\d{2}-\d{2}", days)}
    return {node["name"]: listed(next(compiled.rglob(f"{node['name']}.sql")).read_text())
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
            and node["config"]["meta"].get("period_key")}


def _project_copy(destination: Path) -> Path:
    shutil.copytree(PROJECT_DIR, destination, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "target", "logs", "warehouse", "data", "exports", "reports", "*.duckdb", "__pycache__"))
    return destination


def _edit_csv(path: Path, edit) -> None:  # noqa: ANN001
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0].keys())
    rows = edit(rows)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _assert_same_as_full_refresh(tmp_path: Path, name: str, project: Path, glob: str, nightly_db: Path) -> None:
    full = run_dbt(tmp_path / f"full_{name}", traces_glob=glob, project_dir=project,
                   extra_args=MODELS_ONLY + ["--full-refresh"])
    assert full.returncode == 0, full.output[-3000:]
    _assert_tables_match(nightly_db, full.database, f"night {name}")


def test_nights_with_redelivery_and_seed_changes_match_full_refresh(tmp_path: Path) -> None:
    project = _project_copy(tmp_path / "project")
    aliases = project / "seeds" / "mappings" / "attribute_aliases.csv"
    removed_alias = {"field": "tenant_id", "alias_key": "customer_id"}
    # The alias row is missing for the first two nights and added before the third.
    _edit_csv(aliases, lambda rows: [r for r in rows if (r["field"], r["alias_key"]) != tuple(removed_alias.values())])
    # The charge split by finance's fixed shares (seed allocation_shares) falls in the generated month,
    # so the shares changed on night 5 change FOCUS rows.
    _edit_csv(project / "seeds" / "finops" / "shared_charges.csv", lambda rows: [
        dict(r, billing_period_start="2026-05-01 00:00:00", billing_period_end="2026-06-01 00:00:00")
        if r["allocation_method"] == "fixed" else r for r in rows])

    generated = tmp_path / "generated"
    _generate(generated)
    day_files = sorted(generated.glob("*.jsonl"))
    last_day = max(f.name[6:16] for f in day_files)
    landing = tmp_path / "landing"
    landing.mkdir()
    glob = str(landing / "*.jsonl")
    for path in day_files:
        if last_day not in path.name:
            shutil.copy(path, landing / path.name)
    night = tmp_path / "nightly"

    first = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=MODELS_ONLY)
    assert first.returncode == 0, first.output[-3000:]

    # Night 2: the last day lands (with late spans of earlier traces), an earlier file is redelivered
    # under a new name (same content: every span a duplicate) and another one is touched.
    for path in day_files:
        if last_day in path.name:
            shutil.copy(path, landing / path.name)
    earlier = sorted(p for p in landing.glob("*.jsonl") if last_day not in p.name)
    shutil.copy(earlier[0], landing / ("redelivered-" + earlier[0].name))
    later = time.time() + 5
    os.utime(earlier[-1], (later, later))
    second = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=MODELS_ONLY)
    assert second.returncode == 0, second.output[-3000:]
    new_files = sum(1 for path in day_files if last_day in path.name) + 2
    assert f"staging reads {new_files} new or changed span file(s)" in second.output
    _assert_rebuilt_only_touched_traces(second)
    assert _models_reading_affected_list(second) == _per_trace_models(second) != set()
    # The aggregates rebuilt by period read the night's days, written in as constants: the days the table
    # lists (here every day: late spans and the redelivered file reach back; test_row_tests_check_the_traces_
    # rebuilt_this_run has a night that rebuilds one day of two).
    rebuilt_days = {row[0] for row in second.query("select cast(span_day as varchar) from staging.stg_traces__rebuilt_days")}
    assert rebuilt_days != set()
    written = _days_written_into_period_models(second)
    # focus_charges, a view with a period_key for its tests, has nothing to rebuild (not incremental).
    assert set(written) == {"int_spans__alias_usage", "int_spans__attribute_key_usage", "field_survival_by_hop",
                            "focus_cost_and_usage"}, written
    assert all(days == rebuilt_days for days in written.values()), (written, rebuilt_days)
    _assert_same_as_full_refresh(tmp_path, "2", project, glob, second.database)
    before_seeds = _tables(second.database, "marts")

    # Night 3: a price changes, a tenant moves cost center, the alias row is added; no new file.
    prices = project / "seeds" / "pricing" / "llm_prices.csv"
    fct_models = {row[0] for row in duckdb.connect(str(second.database), read_only=True).sql(
        "select distinct priced_model from marts.fct_llm_calls where priced_model is not null").fetchall()}

    def _reprice(rows: list[dict]) -> list[dict]:
        for row in rows:
            if row["model"] in fct_models and row["token_type"] == "input" and row["usd_per_mtok"]:
                row["usd_per_mtok"] = str(float(row["usd_per_mtok"]) * 2)
        return rows

    _edit_csv(prices, _reprice)
    policy = project / "seeds" / "policy" / "cost_center_policy.csv"
    _edit_csv(policy, lambda rows: [dict(r, cost_center="cc_moved") if r["tenant_id"] == "t_acme" else r
                                    for r in rows])
    _edit_csv(aliases, lambda rows: rows + [{**{k: "" for k in rows[0]}, **removed_alias, "priority": "99"}])
    third = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=MODELS_ONLY)
    assert third.returncode == 0, third.output[-3000:]
    assert "staging reads 0 new or changed span file(s)" in third.output
    assert "every trace is rebuilt" in third.output
    assert _models_reading_affected_list(third) == set()
    assert all(days == set() for days in _days_written_into_period_models(third).values())
    after_seeds = _tables(third.database, "marts")
    assert after_seeds["fct_llm_calls"] != before_seeds["fct_llm_calls"]
    assert after_seeds["chargeback_by_cost_center"] != before_seeds["chargeback_by_cost_center"]
    _assert_same_as_full_refresh(tmp_path, "3", project, glob, third.database)

    # Night 4: nothing changed: nothing is rebuilt, and the marts stay the same.
    fourth = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=MODELS_ONLY)
    assert fourth.returncode == 0, fourth.output[-3000:]
    assert "every trace is rebuilt" not in fourth.output
    with duckdb.connect(str(fourth.database), read_only=True) as connection:
        listed = connection.sql("select count(*) from staging.stg_traces__affected_traces"
                                " where reason != 'future_timestamp'").fetchall()[0][0]
    assert listed == 0
    assert _tables(fourth.database, "marts") == after_seeds

    # Night 5: finance changes the fixed shares of a shared charge, a seed outside the nightly
    # fingerprint: no trace is rebuilt, and focus_charges (a view) shows the allocation rows
    # rebuilt this run (focus_shared_charge_allocations is rebuilt on every run).
    shares = project / "seeds" / "finops" / "allocation_shares.csv"
    _edit_csv(shares, lambda rows: [dict(r, share={"0.5": "0.2", "0.2": "0.5"}.get(r["share"], r["share"]))
                                    for r in rows])
    fifth = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=MODELS_ONLY)
    assert fifth.returncode == 0, fifth.output[-3000:]
    assert "every trace is rebuilt" not in fifth.output
    assert _tables(fifth.database, "marts")["focus_charges"] != after_seeds["focus_charges"]
    _assert_same_as_full_refresh(tmp_path, "5", project, glob, fifth.database)

    # Night 6: finance closes May. No model rebuilt per trace or by day reads seed
    # closed_billing_periods (focus_charges, the view that does, has nothing to rebuild): no
    # trace is rebuilt, and May's FOCUS rows come from focus_published, frozen by this run.
    closed = project / "seeds" / "finops" / "closed_billing_periods.csv"
    closed.write_text("billing_period_start,closed_at\n2026-05-01 00:00:00,2026-06-02 00:00:00\n")
    sixth = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=MODELS_ONLY)
    assert sixth.returncode == 0, sixth.output[-3000:]
    assert "every trace is rebuilt" not in sixth.output
    _assert_same_as_full_refresh(tmp_path, "6", project, glob, sixth.database)


def test_call_copy_in_a_later_trace_rebuilds_the_earlier_trace(tmp_path: Path) -> None:
    """Two traces share a provider response id (the same call seen at two hops, reported under two trace ids).
    The copy with the fuller usage, landing a night later, becomes the billed one: the earlier trace must be
    rebuilt too (shared_response_id), or the call is billed twice until a full refresh."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _dbt_builds import ACME, _span, _trace

    def _call(trace: str, span: str, at: str, **usage: int) -> list[str]:
        root = span[:-1] + "0"
        return [
            _span(trace, root, None, "POST /v1/chat", at, "edge", **ACME),
            _span(trace, span, root, "chat gpt-4o-mini", at, "model-client", **{
                "gen_ai.operation.name": "chat", "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini",
                "gen_ai.response.id": "chatcmpl-shared-1", **usage}, **ACME),
        ]

    landing = tmp_path / "landing"
    landing.mkdir()
    glob = str(landing / "*.jsonl")
    first_night = _call(f"{1:032x}", f"{11:016x}", "2026-07-01T10:00:00Z", **{"gen_ai.usage.input_tokens": 100})
    first_night += _trace(5, 1, ACME, "gpt-4o-mini", (1000, 200), "model-client")
    (landing / "spans-2026-07-01.jsonl").write_text("\n".join(first_night) + "\n")
    night = tmp_path / "nightly"
    first = run_dbt(night, traces_glob=glob, extra_args=MODELS_ONLY)
    assert first.returncode == 0, first.output[-3000:]

    second_night = _call(f"{2:032x}", f"{21:016x}", "2026-07-02T10:00:00Z",
                         **{"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 50})
    (landing / "spans-2026-07-02.jsonl").write_text("\n".join(second_night) + "\n")
    second = run_dbt(night, traces_glob=glob, extra_args=MODELS_ONLY)
    assert second.returncode == 0, second.output[-3000:]
    with duckdb.connect(str(second.database), read_only=True) as connection:
        billed = connection.sql("select trace_id from marts.fct_llm_calls where trace_id in ("
                                f"'{1:032x}', '{2:032x}')").fetchall()
        shared = connection.sql("select trace_id from staging.stg_traces__affected_traces"
                                " where reason = 'shared_response_id'").fetchall()
    assert billed == [(f"{2:032x}",)]
    assert (f"{1:032x}",) in shared

    full = run_dbt(tmp_path / "full", traces_glob=glob, extra_args=MODELS_ONLY + ["--full-refresh"])
    assert full.returncode == 0, full.output[-3000:]
    for schema in ["marts", "staging"]:
        assert _tables(second.database, schema) == _tables(full.database, schema), schema


def test_call_moving_to_another_day_rebuilds_the_day_it_left(tmp_path: Path) -> None:
    """A file rewritten in place moves trace 1, the only trace of 2026-07-01, to 2026-07-03. The night
    rebuilds trace 1 and, in the aggregates rebuilt by period, the day its spans held before
    (stg_traces__affected_days) as well as the day they hold now: 2026-07-01 keeps no row, as in a full
    refresh (with only the days after the rebuild, its old rows would stay until a full refresh)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _dbt_builds import ACME, _trace

    landing = tmp_path / "landing"
    landing.mkdir()
    glob = str(landing / "*.jsonl")
    moved = landing / "spans-a.jsonl"
    moved.write_text("\n".join(_trace(1, 1, ACME, "gpt-4o-mini", (1000, 200), "model-client")) + "\n")
    (landing / "spans-b.jsonl").write_text(
        "\n".join(_trace(2, 2, ACME, "gpt-4o-mini", (3000, 400), "model-client")) + "\n")
    night = tmp_path / "nightly"
    first = run_dbt(night, traces_glob=glob, extra_args=MODELS_ONLY)
    assert first.returncode == 0, first.output[-3000:]
    day_rows = ("select count(*) from marts.focus_cost_and_usage where cast(ChargePeriodStart as date) = '2026-07-01'"
                " union all select count(*) from marts.field_survival_by_hop where span_date = '2026-07-01'")
    assert all(count > 0 for (count,) in first.query(day_rows)), first.query(day_rows)

    moved.write_text("\n".join(_trace(1, 3, ACME, "gpt-4o-mini", (1000, 200), "model-client")) + "\n")
    later = time.time() + 5
    os.utime(moved, (later, later))
    second = run_dbt(night, traces_glob=glob, extra_args=MODELS_ONLY)
    assert second.returncode == 0, second.output[-3000:]
    assert "every trace is rebuilt" not in second.output
    assert second.query("select distinct trace_id from staging.stg_traces__affected_traces") == [(f"{1:032x}",)]
    assert second.query(day_rows) == [(0,), (0,)]
    assert second.query("select cast(span_day as varchar) from staging.stg_traces__affected_days") == [("2026-07-01",)]
    assert second.query("select cast(span_day as varchar) from staging.stg_traces__rebuilt_days order by 1") == [
        ("2026-07-01",), ("2026-07-03",)]

    full = run_dbt(tmp_path / "full", traces_glob=glob, extra_args=MODELS_ONLY + ["--full-refresh"])
    assert full.returncode == 0, full.output[-3000:]
    for schema in ["marts", "staging"]:
        assert _tables(second.database, schema) == _tables(full.database, schema), schema


# The per-trace chain, the aggregates rebuilt by period and their tests only (an alert or other mart test
# has a parent outside it): every model record_completed_run needs, so each run below counts as a night.
PER_TRACE_BUILD = ["--select", "+fct_llm_calls", "+unattributed_llm_spend", "+int_llm_calls__token_lines",
                   "stg_traces__spans", "+focus_cost_and_usage", "+focus_charges", "+field_survival_by_hop",
                   "+int_spans__alias_usage", "+int_spans__attribute_key_usage", "--indirect-selection", "cautious",
                   "--exclude", "resource_type:unit_test"]
RANGE_TEST = "dbt_utils_accepted_range_fct_llm_calls_input_tokens__1000000"
PARSED_GRAIN_TEST = ("dbt_utils_unique_combination_of_columns_stg_traces__parsed_records_source_file__line_number__"
                     "batch_position")
# The same ceiling on the FOCUS rows (rebuilt by day): ConsumedQuantity of a call's input token line.
FOCUS_RANGE_TEST = "focus_consumed_quantity_at_most_1000000"


def _add_input_token_ceiling(project: Path) -> None:
    """A row-level rule on fct_llm_calls: at most 1,000,000 input tokens per call (accepted_range)."""
    import yaml

    path = project / "models" / "marts" / "finance" / "_finance__models.yml"
    properties = yaml.safe_load(path.read_text())
    model = next(m for m in properties["models"] if m["name"] == "fct_llm_calls")
    column = next(c for c in model["columns"] if c["name"] == "input_tokens")
    # warn: an error would skip the aggregates rebuilt by period below fct_llm_calls, and a run that did not
    # rebuild them is not recorded as completed (its traces and days are rebuilt again by the next run).
    # store_failures: the test reads the failing rows each run stored (the project stores them for alerts only).
    ceiling = {"dbt_utils.accepted_range": {"arguments": {"max_value": 1000000},
                                            "config": {"severity": "warn", "store_failures": True}}}
    column["data_tests"] = [ceiling]
    focus = next(m for m in properties["models"] if m["name"] == "focus_cost_and_usage")
    quantity = next(c for c in focus["columns"] if c["name"] == "ConsumedQuantity")
    named = {"dbt_utils.accepted_range": {**ceiling["dbt_utils.accepted_range"], "name": FOCUS_RANGE_TEST}}
    quantity["data_tests"] = quantity.get("data_tests", []) + [named]
    path.write_text(yaml.safe_dump(properties, sort_keys=False))


def _test_result(run, name: str) -> dict:  # noqa: ANN001
    results = json.loads((run.target_dir / "run_results.json").read_text())["results"]
    return next(r for r in results if r["unique_id"].split(".")[2] == name)


def _range_failures(run) -> list[tuple]:  # noqa: ANN001
    """The failing rows stored by the last run of the range test: (trace_id, input_tokens)."""
    return sorted(run.query(f"select trace_id, input_tokens from dbt_test__audit.{RANGE_TEST}"))


def _focus_range_failures(run) -> list[str]:  # noqa: ANN001
    """The charge days of the failing FOCUS rows stored by the last run of the FOCUS range test."""
    return sorted(str(row[0]) for row in run.query(
        f"select cast(ChargePeriodStart as date) from dbt_test__audit.{FOCUS_RANGE_TEST}"))


def test_row_tests_check_the_traces_rebuilt_this_run(tmp_path: Path) -> None:
    """A nightly run's row-level tests on the per-trace models read only the traces it rebuilt
    (stg_traces__affected_traces); a run that rebuilds every trace reads every row. A call over the
    test's ceiling in an old trace passes unseen on a night that does not rebuild its trace, and is caught
    by the full build before and the full refresh after; one in a trace the night rebuilds is caught.
    The staged records' tests read the files of the runs not recorded as completed."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _dbt_builds import ACME, _trace

    project = _project_copy(tmp_path / "project")
    _add_input_token_ceiling(project)
    landing = tmp_path / "landing"
    landing.mkdir()
    glob = str(landing / "*.jsonl")
    old_bad, night_clean, night_bad = f"{1:032x}", f"{3:032x}", f"{4:032x}"
    day_1 = _trace(1, 1, ACME, "gpt-4o-mini", (5_000_000, 200), "model-client")
    day_1 += _trace(2, 1, ACME, "gpt-4o-mini", (1000, 200), "model-client")
    (landing / "spans-2026-07-01.jsonl").write_text("\n".join(day_1) + "\n")
    night = tmp_path / "nightly"

    full = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=PER_TRACE_BUILD)
    assert "every trace is rebuilt" in full.output
    assert _test_result(full, RANGE_TEST)["failures"] == 1, full.output[-3000:]
    assert _range_failures(full) == [(old_bad, 5_000_000)]
    assert _focus_range_failures(full) == ["2026-07-01"]

    # Night 2: a clean trace lands; the old trace is not rebuilt, its call is not read again.
    (landing / "spans-2026-07-02.jsonl").write_text(
        "\n".join(_trace(3, 2, ACME, "gpt-4o-mini", (1000, 200), "model-client")) + "\n")
    second = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=PER_TRACE_BUILD)
    assert "every trace is rebuilt" not in second.output
    assert second.query("select distinct trace_id from staging.stg_traces__affected_traces") == [(night_clean,)]
    compiled = _test_result(second, RANGE_TEST)["compiled_code"]
    assert "stg_traces__affected_traces" in compiled, compiled
    for name in ("not_null_fct_llm_calls_call_at", "unique_int_spans__lineage_span_key",
                 "not_null_stg_traces__spans_trace_id", "assert_one_price_per_call_and_token_type"):
        assert "stg_traces__affected_traces" in _test_result(second, name)["compiled_code"], name
    # The staged records' tests read the night's file, also on the night after a full build (they run
    # before the night's affected list replaces the full build's, which lists every trace).
    assert "staged_invocation_id" in _test_result(second, PARSED_GRAIN_TEST)["compiled_code"]
    # Whose truth spans traces: every row, every night.
    assert "stg_traces__affected_traces" not in _test_result(second, "unique_int_spans__identity_hops_hop_id")["compiled_code"]
    # Keyed by the staged record: the rebuilt traces' rows and the rows of the files staged this run.
    span_records_grain = _test_result(second, SPAN_RECORDS_GRAIN_TEST)["compiled_code"]
    assert "stg_traces__affected_traces" in span_records_grain and "staged_invocation_id" in span_records_grain
    # The FOCUS rows (rebuilt by day) are checked on the days the night rebuilt: day 2, not the old call's day 1.
    # focus_no_empty_strings and focus_columns_conform read the columns of the filtered model (columns_of_tested).
    for name in (FOCUS_RANGE_TEST, "focus_no_empty_strings_focus_cost_and_usage_",
                 "not_null_focus_cost_and_usage_BilledCost"):
        result = _test_result(second, name)
        assert "cast('2026-07-02' as date)" in result["compiled_code"], name
        assert "2026-07-01" not in result["compiled_code"], name
        assert result["status"] == "pass", (name, result["message"])
    assert "trim(" in _test_result(second, "focus_no_empty_strings_focus_cost_and_usage_")["compiled_code"]
    conform = _test_result(second, "focus_columns_conform_focus_cost_and_usage_")
    assert conform["status"] == "pass" and "missing FOCUS column" not in conform["compiled_code"], conform
    assert _focus_range_failures(second) == []
    assert second.returncode == 0, second.output[-3000:]
    assert second.query(f"select input_tokens from marts.fct_llm_calls where trace_id = '{old_bad}'") == [(5_000_000,)]

    # Night 3: a call over the ceiling in a trace the night rebuilds is caught, the old one still unseen.
    (landing / "spans-2026-07-03.jsonl").write_text(
        "\n".join(_trace(4, 3, ACME, "gpt-4o-mini", (7_000_000, 200), "model-client")) + "\n")
    third = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=PER_TRACE_BUILD)
    assert "every trace is rebuilt" not in third.output
    assert _test_result(third, RANGE_TEST)["failures"] == 1, third.output[-3000:]
    assert _range_failures(third) == [(night_bad, 7_000_000)]
    assert _focus_range_failures(third) == ["2026-07-03"]

    # The staged records (rebuilt by file) are checked in the files of the runs not recorded as completed.
    # A copy of a key planted in day 1's file (staged by a completed run) is not read; one planted in day 3's
    # file, once night 3 is struck from the ledger as if it had been killed, is read by the next build;
    # `dbt test` alone reads every file. The copies are blank-line rows, which no later model reads.
    night_3 = json.loads((third.target_dir / "run_results.json").read_text())["metadata"]["invocation_id"]
    with duckdb.connect(str(third.database)) as connection:
        for day in ("2026-07-01", "2026-07-03"):
            connection.execute("insert into staging.stg_traces__parsed_records select * replace ('blank' as record_format)"
                               f" from staging.stg_traces__parsed_records where source_file like '%{day}%' limit 1")
        connection.execute("delete from staging.nightly_runs where invocation_id = ?", [night_3])
    fourth = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=PER_TRACE_BUILD)
    assert "staged_invocation_id" in _test_result(fourth, PARSED_GRAIN_TEST)["compiled_code"]
    assert _test_result(fourth, PARSED_GRAIN_TEST)["failures"] == 1, fourth.output[-3000:]
    alone = run_dbt(night, "test", traces_glob=glob, project_dir=project, select=PARSED_GRAIN_TEST)
    assert "staged_invocation_id" not in _test_result(alone, PARSED_GRAIN_TEST)["compiled_code"]
    assert _test_result(alone, PARSED_GRAIN_TEST)["failures"] == 2, alone.output[-3000:]

    # Every row: var test_every_row (no rebuild), and a full refresh.
    every_row = run_dbt(night, "test", traces_glob=glob, project_dir=project, select=RANGE_TEST,
                        extra_vars={"test_every_row": True})
    assert _test_result(every_row, RANGE_TEST)["failures"] == 2, every_row.output[-3000:]
    refresh = run_dbt(night, traces_glob=glob, project_dir=project, extra_args=PER_TRACE_BUILD + ["--full-refresh"])
    assert "every trace is rebuilt" in refresh.output
    assert "stg_traces__affected_traces" not in _test_result(refresh, RANGE_TEST)["compiled_code"]
    assert _test_result(refresh, RANGE_TEST)["failures"] == 2, refresh.output[-3000:]
    assert _range_failures(refresh) == [(old_bad, 5_000_000), (night_bad, 7_000_000)]
    assert "cast('2026-" not in _test_result(refresh, FOCUS_RANGE_TEST)["compiled_code"]
    assert _focus_range_failures(refresh) == ["2026-07-01", "2026-07-03"]
