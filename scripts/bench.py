"""Benchmark: DuckDB floor, full dbt build, nightly incremental run, per-row baseline.

For each size (million spans) it generates 31 days of traces (scripts/generate_traces.py,
flat JSONL or OTLP JSON lines: --span-format), then measures in one run:
  (a) the fair floor: DuckDB reading the same files once into the span envelope (ids, name,
      kind, times as text) plus the attribute map (read_json_objects + json_keys /
      json_extract_string; an OTLP line's spans exploded, resource attributes carried down),
      stored as a table (CREATE TABLE AS) in a fresh DuckDB file;
  (b) a full `dbt build` (models and tests) into a fresh DuckDB file, and its staging time:
      the execution time of every base_* and stg_* model (run_results.json), against the floor;
  (c) the nightly run: the production nightly command (docs/nightly.md: `dbt build
      --exclude-resource-type unit_test`) after the 31st day of calls (and the spans after it)
      lands in a landing folder already holding 30 days, which the same command built the night
      before (not timed: it also published the release the night's publish starts from) in the
      same project folder and target path, as a nightly job in one checkout runs: dbt then
      reuses the night before's parse (partial parsing), as it would in production;
  (d) peak RSS of each (the whole process tree, polled from /proc);
  (e) the per-row Python baseline: genai-prices calc_price over a sample of the built
      calls, extrapolated to calls per second;
  (f) with --staging-pairs N, N more (floor, staging) pairs, alternated: the floor again, then
      the staging models alone into a fresh DuckDB file. On a shared machine one pair's ratio
      moves by a tenth or more between runs with no code change; the median of the pairs says
      more than any one of them;
  (g) with --night-pairs N, N (short, full history) pairs of the same night, alternated: a history
      of --short-days days (default 7) at the same spans per day is generated and built, then the
      night on it and the night on the 30 days are each replayed from the warehouse and published
      set they started from (issue #19: a night's cost independent of history length).
Writes BENCHMARKS.md (docs/nightly.md explains the nightly command).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
GENERATED_START = "2026-05-01"
SPANS_PER_CALL = 4.43  # generator average (edge, gateway, router, [agent], model call)
# The data has every fault on, so the identity-conflict alert (an error by default) fires by design;
# the benchmark times the build, so that alert warns instead of failing the run.
# Synthetic traffic at load overspends the seed budgets: report it, do not fail the timed build.
BUILD_VARS = {"identity_conflict_severity": "warn", "budget_actual_alert_severity": "warn"}


@dataclass
class Measured:
    """Wall time and peak RSS of one step, and what it printed."""

    seconds: float
    peak_rss_mb: float
    output: str = ""


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over root and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        rss[int(entry)] = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_measured(args: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run a command, polling the RSS of its process tree; fail loudly on error."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    peak = 0
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []))
    reader.start()
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.2)
    reader.join()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        sys.stderr.write("".join(output[-80:]))
        raise SystemExit(f"command failed: {' '.join(args)}")
    return Measured(seconds, peak / 1024, "".join(output))


def generate(out: Path, calls: int, days: int, span_format: str = "jsonl") -> None:
    """Generated traces, partitioned per day/hour, every fault at its default rate, in span_format (jsonl
    or otlp). Data already generated with the same arguments (out/generated.json) is reused: the generator
    is deterministic per seed."""
    args = ["--calls", str(calls), "--days", str(days), "--start", GENERATED_START, "--all-faults", "--seed", "8",
            "--format", span_format]
    marker = out / "generated.json"
    if marker.exists() and json.loads(marker.read_text()) == args:
        return
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([sys.executable, str(PROJECT / "scripts" / "generate_traces.py"), *args, "--out", str(out)],
                   check=True, capture_output=True)
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(args))


def generated_set(root: Path, millions: float, days: int, span_format: str) -> Path:
    """The folder of about millions spans over days generated under root (generate), named by both."""
    data = root / f"data_{millions}m_{span_format}"
    generate(data, int(millions * 1_000_000 / SPANS_PER_CALL), days, span_format)
    return data


def dbt_env(database: Path, memory_limit: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DBT_DUCKDB_PATH"] = str(database)
    env["DBT_DUCKDB_MEMORY_LIMIT"] = memory_limit
    # The build publishes the BI set (publish_bi_release): beside the database, not over exports/.
    env["DBT_EXPORTS_PATH"] = str(database.with_suffix(".exports"))
    return env


# The production nightly command (docs/nightly.md): dbt's unit tests run on fixtures, not on the night's data.
NIGHTLY_ARGS = ["--exclude-resource-type", "unit_test"]
# Staging alone (the staging models and the seeds they read), for the alternated pairs: no tests.
STAGING_ARGS = ["--select", "+path:models/staging", "--exclude-resource-type", "test", "unit_test"]


def dbt_build(work: Path, database: Path, glob: str, memory_limit: str, threads: int,
              extra_args: list[str] | None = None) -> Measured:
    """`dbt build` of the project over glob into database, threads models at a time."""
    args = [str(Path(sys.executable).with_name("dbt")), "build", "--threads", str(threads),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
            "--vars", json.dumps(BUILD_VARS | {"traces_path": glob}), *(extra_args or [])]
    return run_measured(args, dbt_env(database, memory_limit))


def remove_database(database: Path) -> None:
    """A DuckDB file and what DuckDB writes beside it (its .wal, a .tmp spill folder), if present."""
    for written in database.parent.glob(database.name + "*"):
        shutil.rmtree(written) if written.is_dir() else written.unlink()


def drop_published_set(database: Path) -> None:
    """Remove the BI set a build published beside database (dbt_env's DBT_EXPORTS_PATH and its releases)."""
    exports = database.with_suffix(".exports")
    if exports.is_symlink():
        exports.unlink()
    shutil.rmtree(exports.parent / f"{exports.name}.releases", ignore_errors=True)


def landing_area(landing: Path, day_folders: list[Path]) -> None:
    """Add day_folders to a landing folder as symlinks (what a collector's bucket holds on a given
    night); links already there stay, so their files keep their staged paths."""
    landing.mkdir(parents=True, exist_ok=True)
    for folder in day_folders:
        link = landing / folder.name
        if not link.is_symlink():
            link.symlink_to(folder.resolve(), target_is_directory=True)


# The fair floor (issue #17): what staging has to do at the least, in one DuckDB statement. Every line
# is read once; a flat span is its own record, an OTLP line (ExportTraceServiceRequest) is exploded into
# its spans with the resource attributes carried down. Envelope fields stay text; the attribute map
# holds every top-level key of a flat span, and resource plus span attributes (typed value as text) of
# an OTLP span. Malformed lines are skipped (staging quarantines them: a little more work).
FLOOR_SQL = """
create table floor_spans as
with

lines as (
    select
        filename as source_file,
        json as line,
        json_exists(json, '$.resourceSpans') as is_otlp
    from read_json_objects({glob}, format = 'newline_delimited', filename = true, ignore_errors = true)
),

resource_batches as (
    select
        source_file,
        is_otlp,
        line,
        unnest(case when is_otlp then json_extract(line, '$.resourceSpans[*]') else [null::json] end)
            as resource_spans
    from lines
),

spans as (
    select
        source_file,
        is_otlp,
        json_extract(resource_spans, '$.resource.attributes') as resource_attributes,
        unnest(case when is_otlp then json_extract(resource_spans, '$.scopeSpans[*].spans[*]') else [line] end)
            as span
    from resource_batches
)

select
    source_file,
    case when is_otlp then 'otlp_json' else 'flat_json' end as record_format,
    json_extract_string(span, case when is_otlp then '$.traceId' else '$.trace_id' end) as trace_id,
    json_extract_string(span, case when is_otlp then '$.spanId' else '$.span_id' end) as span_id,
    json_extract_string(span, case when is_otlp then '$.parentSpanId' else '$.parent_span_id' end)
        as parent_span_id,
    json_extract_string(span, '$.name') as span_name,
    json_extract_string(span, '$.kind') as span_kind,
    json_extract_string(span, case when is_otlp then '$.startTimeUnixNano' else '$.timestamp' end) as started_at,
    json_extract_string(span, case when is_otlp then '$.endTimeUnixNano' else '$.end_time' end) as ended_at,
    case
        when is_otlp then map_concat(
            map(json_extract_string(resource_attributes, '$[*].key'),
                json_extract_string(resource_attributes, '$[*].value.*')),
            map(json_extract_string(span, '$.attributes[*].key'), json_extract_string(span, '$.attributes[*].value.*'))
        )
        else map(json_keys(span), json_extract_string(span, '$.*'))
    end as attributes
from spans
"""


def floor_sql(glob: str) -> str:
    """FLOOR_SQL over glob (quoted as a SQL string literal)."""
    return FLOOR_SQL.format(glob="'" + glob.replace("'", "''") + "'")


def floor(glob: str, memory_limit: str, database: Path) -> Measured:
    """The fair floor, in its own process (for its peak RSS), into a fresh database file. Its time is the
    statement's alone, as dbt's execution_time is (no interpreter start-up or connection)."""
    remove_database(database)
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
        "c.execute('set memory_limit = ' + repr(sys.argv[2])); start = time.perf_counter(); "
        "c.execute(sys.argv[3]); print(time.perf_counter() - start)"
    )
    measured = run_measured([sys.executable, "-c", code, str(database), memory_limit, floor_sql(glob)])
    return Measured(float(measured.output.split()[-1]), measured.peak_rss_mb)


def floor_span_count(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as connection:
        return int(connection.sql("select count(*) from floor_spans").fetchall()[0][0])


def baseline_calls_per_second(database: Path, sample: int) -> tuple[float, int]:
    """genai-prices calc_price, one call at a time, over a sample of built calls."""
    from genai_prices import Usage, calc_price

    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.sql(
            "select provider, coalesce(response_model, request_model), input_tokens, output_tokens,"
            " cache_read_tokens, call_at from marts.fct_llm_calls"
            f" where input_tokens is not null using sample {sample} rows (reservoir, 42)"
        ).fetchall()
    start = time.perf_counter()
    priced = 0
    for provider, model, input_tokens, output_tokens, cache_read, started_at in rows:
        try:
            calc_price(Usage(input_tokens=int(input_tokens), output_tokens=int(output_tokens or 0),
                             cache_read_tokens=int(cache_read or 0)),
                       model_ref=str(model), provider_id=str(provider), genai_request_timestamp=started_at)
            priced += 1
        except Exception:  # unknown model: still one attempt  # noqa: BLE001
            pass
    return len(rows) / (time.perf_counter() - start), priced


def run_results(work: Path) -> list[dict]:
    """The node results of the last dbt command run with work/target as its target path."""
    return json.loads((work / "target" / "run_results.json").read_text())["results"]


def staging_seconds(work: Path) -> float:
    """Time dbt spent in the staging layer (every base_* and stg_* model), from run_results.json."""
    return sum(r["execution_time"] for r in run_results(work)
               if r["unique_id"].startswith("model.") and r["unique_id"].split(".")[-1].startswith(("base_", "stg_")))


def staging_pairs(pairs: int, glob: str, root: Path, millions: float, memory_limit: str,
                  threads: int) -> list[tuple[float, float]]:
    """pairs more (floor seconds, staging seconds) measurements, alternated: the floor into a fresh
    database, then the staging models alone (STAGING_ARGS) into another; each database removed after."""
    measured = []
    # A target path left by another checkout holds its partial parse, which dbt reuses with that
    # checkout's absolute seed paths: each run of the bench starts its own.
    shutil.rmtree(root / "work_staging", ignore_errors=True)
    for _ in range(pairs):
        floor_db = root / f"floor_{millions}m.duckdb"
        floor_s = floor(glob, memory_limit, floor_db).seconds
        database = root / f"staging_{millions}m.duckdb"
        remove_database(database)
        dbt_build(root / "work_staging", database, glob, memory_limit, threads, STAGING_ARGS)
        measured.append((floor_s, staging_seconds(root / "work_staging")))
        remove_database(database)
    return measured


def pricing_seconds(work: Path) -> float:
    """Time dbt spent pricing (int_llm_calls__priced: model resolution and prices; before issue #18 also
    int_llm_calls__model_resolved, so older run_results still sum both), from run_results.json."""
    return sum(r["execution_time"] for r in run_results(work)
               if r["unique_id"].endswith((".int_llm_calls__model_resolved", ".int_llm_calls__priced")))


def seconds_by_phase(work: Path) -> dict[str, float]:
    """dbt's execution time (summed over its threads) by phase, from run_results.json: reading and parsing
    raw files (stg_traces__parsed_records; base_traces__raw_lines before it was folded in), the other models,
    the BI publish (publish_bi_release), data tests, unit tests."""
    phases = {"parse": 0.0, "models": 0.0, "publish": 0.0, "data_tests": 0.0, "unit_tests": 0.0}
    for result in run_results(work):
        unique_id = result["unique_id"]
        if unique_id.endswith((".base_traces__raw_lines", ".stg_traces__parsed_records")):
            phase = "parse"
        elif unique_id.endswith(".publish_bi_release"):
            phase = "publish"
        elif unique_id.startswith("unit_test."):
            phase = "unit_tests"
        elif unique_id.startswith("test."):
            phase = "data_tests"
        else:
            phase = "models"
        phases[phase] += result["execution_time"]
    return phases


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    version_text = subprocess.run([str(Path(sys.executable).with_name("dbt")), "--version"],
                                  capture_output=True, text=True).stdout
    dbt_version = "dbt-core " + next((line.split(":", 1)[1].strip() for line in version_text.splitlines()
                                      if "installed:" in line), "unknown")
    return (f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.1f} GB RAM, {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}, DuckDB {duckdb.__version__}, {dbt_version}")


@dataclass
class NightStart:
    """What a night starts from, kept to replay it: the warehouse after the history build (a copy in
    snapshot), the release its published set points to, the releases already written, the landing glob
    and the dbt work folder of the history build (whose parse the night reuses)."""

    database: Path
    snapshot: Path
    exports_link: str | None
    releases: frozenset[str]
    glob: str
    work: Path


def history_and_night(root: Path, work: Path, data: Path, millions: float, days: int, memory_limit: str,
                      threads: int, span_format: str, keep_start: bool = False) -> tuple[Measured, NightStart | None]:
    """The night at one size: a landing folder (symlinks to the generated day folders) holds the days of
    history, built the night before with the nightly command into a fresh database (which also publishes
    the release the night starts from); then the next day of calls and the spans after it land, and the
    same command runs again: that run is the night, returned with (keep_start) what it started from."""
    nightly_db = root / f"nightly_{millions}m.duckdb"
    landing = root / f"landing_{millions}m_{span_format}"
    # A killed run's snapshot (keep_night_start) goes too.
    for stale in [*root.glob(f"nightly_{millions}m.*"), *root.glob(f"night_start_nightly_{millions}m.*"), landing]:
        if stale.is_symlink() or stale.is_file():
            stale.unlink()
        elif stale.exists():
            shutil.rmtree(stale)
    folders = sorted(p for p in data.iterdir() if p.name.startswith("dt="))
    first_night_day = f"dt={date.fromisoformat(GENERATED_START) + timedelta(days=days):%Y-%m-%d}"
    history = [f for f in folders if f.name < first_night_day]
    if not history or len(history) == len(folders):
        raise SystemExit(f"no history or no night in {data}: day folders {folders[0].name}..{folders[-1].name}")
    landing_area(landing, history)
    landing_glob = str(landing / "*" / "*" / "*.jsonl")
    # One target path (work) for both nights, as one checkout's nightly job has: the night reuses the
    # night before's parse (dbt's partial parsing; a full parse is ~10 s of the night at 10M spans).
    shutil.rmtree(work, ignore_errors=True)
    dbt_build(work, nightly_db, landing_glob, memory_limit, threads, NIGHTLY_ARGS)
    start = keep_night_start(nightly_db, landing_glob, work) if keep_start else None
    landing_area(landing, folders)
    return dbt_build(work, nightly_db, landing_glob, memory_limit, threads, NIGHTLY_ARGS), start


def keep_night_start(database: Path, glob: str, work: Path) -> NightStart:
    """A copy of the warehouse a night starts from, and where its published set points."""
    snapshot = database.with_name(f"night_start_{database.name}")
    shutil.copyfile(database, snapshot)
    exports = database.with_suffix(".exports")
    releases = exports.parent / f"{exports.name}.releases"
    return NightStart(database, snapshot, os.readlink(exports) if exports.is_symlink() else None,
                      frozenset(p.name for p in releases.iterdir()) if releases.is_dir() else frozenset(), glob, work)


def restore_night_start(start: NightStart) -> None:
    """Put the warehouse and the published set back as the night found them: the warehouse copied back,
    releases written since removed, the published set's link pointed at the release it started from."""
    remove_database(start.database)
    shutil.copyfile(start.snapshot, start.database)
    exports = start.database.with_suffix(".exports")
    releases = exports.parent / f"{exports.name}.releases"
    for release in releases.iterdir() if releases.is_dir() else []:
        if release.name not in start.releases:
            shutil.rmtree(release)
    if start.exports_link is not None:
        link = exports.with_name(exports.name + ".restoring")
        link.unlink(missing_ok=True)
        link.symlink_to(start.exports_link, target_is_directory=True)
        os.replace(link, exports)


def replay_night(start: NightStart, memory_limit: str, threads: int) -> float:
    """The night again from what it started from: its wall seconds."""
    restore_night_start(start)
    return dbt_build(start.work, start.database, start.glob, memory_limit, threads, NIGHTLY_ARGS).seconds


def night_pairs_measured(pairs: int, long_start: NightStart, root: Path, millions: float, days: int,
                         short_days: int, memory_limit: str, threads: int,
                         span_format: str) -> list[tuple[float, float]]:
    """pairs (short, long) seconds of the same night (one day at millions' spans per day) on short_days
    and on days of history, alternated: the short history is generated at the same spans per day and
    built once, then each night is replayed from the state it started from (#19: a night's cost must not
    grow with history). The snapshots are removed after."""
    short_millions = round(millions * (short_days + 1) / (days + 1), 3)
    short_start = None
    try:
        short_data = generated_set(root, short_millions, short_days + 1, span_format)
        # Its own target path: another traces_path would make dbt parse the project again on each night.
        _, short_start = history_and_night(root, root / "work_nightly_short", short_data, short_millions,
                                           short_days, memory_limit, threads, span_format, keep_start=True)
        if short_start is None:
            raise SystemExit("the short history kept no start to replay its night from")
        return [(replay_night(short_start, memory_limit, threads), replay_night(long_start, memory_limit, threads))
                for _ in range(pairs)]
    finally:  # a snapshot is a copy of the warehouse (6.7 GB at 10M spans): never left behind
        for start in (short_start, long_start):
            if start is not None:
                start.snapshot.unlink(missing_ok=True)


def bench_size(millions: float, root: Path, days: int, memory_limit: str, sample: int,
               threads: int, span_format: str = "jsonl", pairs: int = 0, night_pairs: int = 0,
               short_days: int = 7) -> dict[str, Any]:
    data = generated_set(root, millions, days + 1, span_format)
    glob = str(data / "*" / "*" / "*.jsonl")
    floor_db = root / f"floor_{millions}m.duckdb"
    floor_run = floor(glob, memory_limit, floor_db)
    spans = floor_span_count(floor_db)

    full_db = root / f"full_{millions}m.duckdb"
    remove_database(full_db)
    shutil.rmtree(root / "work_full", ignore_errors=True)  # another checkout's partial parse (staging_pairs)
    full_run = dbt_build(root / "work_full", full_db, glob, memory_limit, threads)
    database_gb = full_db.stat().st_size / 1e9
    # The published set is not read again; at 10M spans each release is ~13 GB, so it goes before the
    # nightly run writes its own.
    drop_published_set(full_db)
    pairs_measured = [(floor_run.seconds, staging_seconds(root / "work_full")),
                      *staging_pairs(pairs, glob, root, millions, memory_limit, threads)]

    nightly_run, night_start = history_and_night(root, root / "work_nightly", data, millions, days, memory_limit,
                                                 threads, span_format, keep_start=night_pairs > 0)
    # Before the replays below write their own run_results.json over the night's.
    phases = {f"nightly_{k}_s": v for k, v in seconds_by_phase(root / "work_nightly").items()}
    nights = night_pairs_measured(night_pairs, night_start, root, millions, days, short_days, memory_limit,
                                  threads, span_format) if night_start else []

    baseline_cps, _ = baseline_calls_per_second(full_db, sample)
    with duckdb.connect(str(full_db), read_only=True) as connection:
        built_calls = connection.sql("select count(*) from marts.fct_llm_calls").fetchall()[0][0]
    ours_cps = built_calls / full_run.seconds
    pricing_cps = built_calls / pricing_seconds(root / "work_full")
    staging_s = staging_seconds(root / "work_full")
    phases |= {f"full_{k}_s": v for k, v in seconds_by_phase(root / "work_full").items()}
    return {
        "load_1min": os.getloadavg()[0],
        "millions": millions, "span_format": span_format, "spans": spans, "gb": sum(p.stat().st_size for p in data.rglob("*.jsonl")) / 1e9,
        "calls": built_calls, "floor_s": floor_run.seconds, "floor_mb": floor_run.peak_rss_mb,
        "staging_s": staging_s, "staging_pairs": pairs_measured,
        "full_s": full_run.seconds, "full_mb": full_run.peak_rss_mb, "database_gb": database_gb,
        "nightly_s": nightly_run.seconds, "nightly_mb": nightly_run.peak_rss_mb,
        "night_pairs": nights, "days": days, "short_days": short_days,
        "baseline_cps": baseline_cps, "ours_cps": ours_cps, "pricing_cps": pricing_cps, **phases,
    }


def ratios_line(label: str, pairs: list[tuple[float, float]]) -> str:
    """A list item: each (numerator, denominator) pair of seconds with its ratio, then their median."""
    return (f"- {label}: " + ", ".join(f"{num:.1f} / {den:.1f} s = {num / den:.2f}x" for num, den in pairs)
            + f"; median {statistics.median(num / den for num, den in pairs):.2f}x")


def render(results: list[dict[str, Any]], command: str, memory_limit: str, days: int, threads: int = 1) -> str:
    formats = sorted({str(r.get("span_format", "jsonl")) for r in results})
    lines = [
        "# Benchmarks", "",
        f"Machine: {machine()}.", "",
        f"Generated by `{command}` (scripts/bench.py). Data: scripts/generate_traces.py, {days + 1} days,",
        f"format {' and '.join(formats)}, "
        "partitioned per day/hour, every fault on at its default rate. DuckDB memory_limit "
        f"{memory_limit} for dbt (env DBT_DUCKDB_MEMORY_LIMIT), dbt threads {threads}. Full build and",
        "nightly run are the real "
        "`dbt build` (seeds, models, unit and data tests); the nightly run is the production nightly command "
        "(`dbt build --exclude-resource-type unit_test`, docs/nightly.md) on "
        f"{days} days already staged, after day {days + 1} lands. Calls/s end to end:",
        "built calls / full build time (parsing, attribution, pricing, FOCUS, tests); calls/s pricing",
        "models: built calls / time dbt spent in int_llm_calls__priced (model resolution and prices);",
        "baseline: genai-prices calc_price one call at a time over a sample of the same calls.",
        "Floor: DuckDB reading the same files once into the span envelope plus the attribute map",
        "(read_json_objects + json_keys / json_extract_string, OTLP batches exploded to spans), stored as a",
        "table; spans = rows of that table. Staging: dbt execution time of every base_* and stg_* model",
        "in the full build (run_results.json).", "",
        "| spans | GB | calls | floor s | staging s | staging / floor | full build s | nightly s | full / floor "
        "| nightly / full | peak RSS floor / full / nightly MB | calls/s end to end | calls/s pricing models "
        "| baseline calls/s | end to end / baseline | pricing / baseline |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['spans']:,} | {r['gb']:.2f} | {r['calls']:,} | {r['floor_s']:.1f} | {r['staging_s']:.1f} "
            f"| {r['staging_s'] / r['floor_s']:.2f}x | {r['full_s']:.1f} "
            f"| {r['nightly_s']:.1f} | {r['full_s'] / r['floor_s']:.1f}x | {r['nightly_s'] / r['full_s']:.0%} "
            f"| {r['floor_mb']:.0f} / {r['full_mb']:.0f} / {r['nightly_mb']:.0f} | {r['ours_cps']:,.0f} "
            f"| {r['pricing_cps']:,.0f} | {r['baseline_cps']:,.0f} | {r['ours_cps'] / r['baseline_cps']:.3g}x "
            f"| {r['pricing_cps'] / r['baseline_cps']:.3g}x |"
        )
    lines += ["", "Where dbt spent its time (execution seconds summed over dbt's threads, from run_results.json):",
              "parse = stg_traces__parsed_records (reads and parses the files); models = every other model and seed",
              "but publish = publish_bi_release (the BI release: marts.duckdb, Parquet, CSV).", "",
              "| spans | full: parse / models / publish / data tests / unit tests s "
              "| nightly: parse / models / publish / data tests / unit tests s | database after the full build GB (/ input) |",
              "|---|---|---|---|"]
    for r in results:
        if "full_parse_s" not in r:
            continue
        phases = ("parse", "models", "publish", "data_tests", "unit_tests")
        full = " / ".join(f"{r.get(f'full_{k}_s', 0.0):.0f}" for k in phases)
        nightly = " / ".join(f"{r.get(f'nightly_{k}_s', 0.0):.0f}" for k in phases)
        size = f"{r['database_gb']:.2f} ({r['database_gb'] / r['gb']:.1f}x)" if "database_gb" in r else "not measured"
        lines.append(f"| {r['spans']:,} | {full} | {nightly} | {size} |")
    paired = [r for r in results if len(r.get("staging_pairs", [])) > 1]
    if paired:
        lines += ["", "Staging / floor over alternated pairs (the table's pair first; then the floor again and the",
                  "staging models alone in a fresh database, one after the other):", ""]
        lines += [ratios_line(f"{r['spans']:,} spans", [(staging, floor_s) for floor_s, staging in r["staging_pairs"]])
                  for r in paired]
    nights = [r for r in results if r.get("night_pairs")]
    if nights:
        lines += ["", "The same night (one day at the size's spans per day) on the full and on a short history, each",
                  "replayed from the warehouse and published set it started from, alternated (#19: within 30%):", ""]
        lines += [ratios_line(f"{r['spans']:,} spans, {r['days']} / {r['short_days']} days of history",
                              [(long_s, short_s) for short_s, long_s in r["night_pairs"]]) for r in nights]
    lines += ["", "Sizes run: " + ", ".join(f"{r['millions']}M spans" for r in results) + ".",
              "Load average (1 min) at the end of each size: "
              + ", ".join(f"{r['load_1min']:.1f}" for r in results)
              + f" on {os.cpu_count()} cores (a load above the core count means other work shared the",
              "machine and absolute times are inflated; the ratios compare steps of the same run).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,3,10", help="million spans, comma-separated (default 1,3,10)")
    parser.add_argument("--days", type=int, default=30, help="days of history before the nightly day")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/llm_spend_bench"))
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit for the builds")
    # One model at a time: DuckDB already runs each statement on every core, and two statements at once
    # share one memory limit (two spilling joins at 10M spans ran out of memory at 3 GB together).
    parser.add_argument("--dbt-threads", type=int, default=1, help="dbt threads for the builds (default 1)")
    parser.add_argument("--baseline-sample", type=int, default=20000, help="calls priced one by one")
    parser.add_argument("--span-format", choices=("jsonl", "otlp"), default="jsonl",
                        help="generated span format: flat JSONL or OTLP JSON lines (default jsonl)")
    parser.add_argument("--staging-pairs", type=int, default=0,
                        help="more (floor, staging alone) pairs per size, alternated (default 0)")
    parser.add_argument("--night-pairs", type=int, default=0,
                        help="(short, full history) replays of the night per size, alternated (default 0)")
    parser.add_argument("--short-days", type=int, default=7,
                        help="days of the short history the night is compared on (default 7)")
    parser.add_argument("--output", type=Path, default=PROJECT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not (PROJECT / "profiles.yml").exists():
        shutil.copy(PROJECT / "profiles.example.yml", PROJECT / "profiles.yml")
    results = []
    for size in [float(s) for s in args.sizes.split(",") if s]:
        result = bench_size(size, args.workdir, args.days, args.memory_limit, args.baseline_sample,
                            args.dbt_threads, args.span_format, args.staging_pairs, args.night_pairs,
                            args.short_days)
        print(json.dumps(result), flush=True)
        results.append(result)
        args.output.write_text(render(results, "python scripts/bench.py " + " ".join(argv or sys.argv[1:]),
                                      args.memory_limit, args.days, args.dbt_threads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
