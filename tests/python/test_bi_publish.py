"""The BI-facing set (docs/bi.md): `dbt build` publishes it at its end, as
one unit, readable by DuckDB 1.4; readers never see a partial set, a lock
error or a mix of two builds, even when a build is killed mid-publish."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dbt_runner import PROJECT_DIR, DbtRun, dbt_executable

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
import export_marts  # noqa: E402

READER = Path(__file__).with_name("_bi_reader.py")
DUCKDB14_PYTHON = PROJECT_DIR / ".venv-duckdb14" / "bin" / "python"
MARTS_FOLDER = PROJECT_DIR / "models" / "marts"


def published(build: DbtRun) -> Path:
    """The exports symlink of a dbt_runner build (DBT_EXPORTS_PATH)."""
    return build.database.parent / "exports"


def mart_names() -> list[str]:
    names = sorted(path.stem for path in MARTS_FOLDER.rglob("*.sql"))
    assert len(names) >= 18, f"marts not found under {MARTS_FOLDER}: {names}"
    return names


def test_build_publishes_its_own_release(sample_build: DbtRun) -> None:
    exports = published(sample_build)
    assert exports.is_symlink() and exports.resolve().parent.name == "exports.releases"
    invocation_id = json.loads((sample_build.target_dir / "run_results.json").read_text())["metadata"]["invocation_id"]
    release = export_marts.current_release(exports)
    assert release["invocation_id"] == invocation_id
    with duckdb.connect(str(exports / "marts.duckdb"), read_only=True) as con:
        assert con.execute("select invocation_id from release_info").fetchone()[0] == invocation_id
    for mart in mart_names():
        assert (exports / f"{mart}.parquet").is_file() and (exports / f"{mart}.csv").is_file(), mart
        assert release["row_counts"][mart] == sample_build.query(f"select count(*) from marts.{mart}")[0][0], mart
    assert sample_build.query("select status, release_id from publish.publish_bi_release") == [
        ("published", release["release_id"])
    ]


def test_publish_model_has_every_model_as_parent(sample_build: DbtRun) -> None:
    # A model it does not wait for could fail after the set is published.
    manifest = json.loads((sample_build.target_dir / "manifest.json").read_text())
    models = {
        uid for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "llm_spend_attribution"
    }
    publisher = "model.llm_spend_attribution.publish_bi_release"
    parents: set[str] = set()
    frontier = [publisher]
    while frontier:
        for parent in manifest["nodes"].get(frontier.pop(), {}).get("depends_on", {}).get("nodes", []):
            if parent not in parents:
                parents.add(parent)
                frontier.append(parent)
    # alert_run is the one model it must not wait for (see the next test).
    alert_run = "model.llm_spend_attribution.alert_run"
    assert alert_run not in parents
    assert models - {publisher, alert_run} <= parents


def test_every_alert_depends_on_alert_run(sample_build: DbtRun) -> None:
    # So a fired alert never holds the publish back (models/alerts/alert_run.sql).
    manifest = json.loads((sample_build.target_dir / "manifest.json").read_text())
    alerts = [node for node in manifest["nodes"].values()
              if node["resource_type"] == "test" and node["original_file_path"].startswith("tests/alerts/")]
    assert len(alerts) >= 15
    assert [n["name"] for n in alerts if "model.llm_spend_attribution.alert_run" not in n["depends_on"]["nodes"]] == []


def test_marts_duckdb_reads_in_duckdb_14(sample_build: DbtRun) -> None:
    assert DUCKDB14_PYTHON.exists(), "DuckDB 1.4 venv missing: run `make duckdb14-deps` (make test does)"
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "tables = [r[0] for r in con.execute(\"select table_name from information_schema.tables"
        " where table_schema = 'main' order by 1\").fetchall()]\n"
        "counts = {t: len(con.execute(f'select * from \"{t}\"').fetchall()) for t in tables}\n"
        "counts['__version__'] = duckdb.__version__\n"
        "print(json.dumps(counts))\n"
    )
    completed = subprocess.run(
        [str(DUCKDB14_PYTHON), "-c", script, str(published(sample_build) / "marts.duckdb")],
        capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    counts = json.loads(completed.stdout)
    assert counts.pop("__version__").startswith("1.4.")
    assert counts.pop("release_info") == 1
    assert counts == {m: sample_build.query(f"select count(*) from marts.{m}")[0][0] for m in mart_names()}


def start_dbt_build(
    database: Path, exports: Path, work: Path, select: str, extra: list[str], command: str = "build"
) -> subprocess.Popen:
    env = {**os.environ, "DBT_DUCKDB_PATH": str(database), "DBT_EXPORTS_PATH": str(exports),
           "DBT_DUCKDB_TEMP_DIR": str(work / "tmp")}
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    profiles = work / "profiles"
    profiles.mkdir(exist_ok=True)
    shutil.copy(PROJECT_DIR / "profiles.example.yml", profiles / "profiles.yml")
    args = [dbt_executable(), command, "--select", select, "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(profiles), "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
            *extra]
    return subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def file_states(releases: Path) -> dict[Path, tuple[int, int]]:
    """Every finished export file under the releases folder: inode and mtime."""
    states = {}
    for path in releases.rglob("*"):
        if path.suffix in (".parquet", ".csv") and not path.name.startswith("tmp"):
            try:
                states[path] = (path.stat().st_ino, path.stat().st_mtime_ns)
            except FileNotFoundError:  # renamed away meanwhile
                pass
    return states


def kill_when_publishing(build: subprocess.Popen, exports: Path, written: int = 4, timeout: float = 300) -> None:
    """SIGKILL the build half-way through its publish, wherever it writes:
    once it has written `written` export files (in a new release or over
    the live one). Marts are written in name order, Parquet then CSV: 4 files
    are alias_usage_by_hop and chargeback_by_cost_center, before the calls
    and the FOCUS rows."""
    releases = exports.parent / "exports.releases"
    before = file_states(releases)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and build.poll() is None:
        now = file_states(releases)
        if sum(1 for path, state in now.items() if before.get(path) != state) >= written:
            build.send_signal(signal.SIGKILL)
            build.wait()
            return
        time.sleep(0.002)
    raise AssertionError(f"the build never started publishing: {build.communicate()[0][-3000:]}")


@pytest.fixture
def two_builds(sample_build: DbtRun, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """A copy of the sample warehouse whose set A is published, and whose
    marts then hold build B (every cost doubled): a mixed read shows."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_build.database, database)
    exports = tmp_path / "exports"
    with duckdb.connect(str(database)) as con:
        before = export_marts.publish(con, exports, "set-a-0000")
        con.execute("update marts.chargeback_by_cost_center set cost_usd = cost_usd * 2")
        con.execute("update marts.fct_llm_calls set cost_usd = cost_usd * 2")
        con.execute("update marts.focus_cost_and_usage set BilledCost = BilledCost * 2")
    return database, exports, {"a": before.release_id}


def test_readers_see_whole_sets_while_builds_are_killed_and_finish(
    two_builds: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    database, exports, releases_seen = two_builds
    releases = exports.parent / "exports.releases"
    stop = tmp_path / "stop"
    # The reads go to a file: a pipe nobody drains would block the reader.
    log = tmp_path / "reads.jsonl"
    with log.open("w") as out, (tmp_path / "reader.err").open("w") as err:
        reader = subprocess.Popen(
            [sys.executable, str(READER), "--exports", str(exports), "--stop-file", str(stop)],
            stdout=out, stderr=err, text=True,
        )
    try:
        killed = start_dbt_build(database, exports, tmp_path / "killed", "publish_bi_release", [])
        kill_when_publishing(killed, exports)
        assert export_marts.current_release(exports)["release_id"] == releases_seen["a"]
        assert [p.name for p in releases.glob(".incoming-*")], "the kill landed after the publish"
        reads_after_kill = len(log.read_text().splitlines())

        finished = start_dbt_build(database, exports, tmp_path / "finished", "publish_bi_release", [])
        output = finished.communicate(timeout=600)[0]
        assert finished.returncode == 0, output[-3000:]
        time.sleep(0.5)  # let the reader read the new set too
    finally:
        stop.touch()
        assert reader.wait(timeout=120) == 0, (tmp_path / "reader.err").read_text()[-3000:]
    reads = [json.loads(line) for line in log.read_text().splitlines()]

    invocation_id = json.loads((tmp_path / "finished" / "target" / "run_results.json").read_text())["metadata"][
        "invocation_id"
    ]
    release_b = export_marts.current_release(exports)
    assert release_b["invocation_id"] == invocation_id
    assert not list(releases.glob(".incoming-*")), "the killed build's folder is pruned"

    errors = [r for r in reads if "error" in r]
    assert errors == []
    mixed = [r for r in reads if len(set(r["totals"].values())) != 1]
    assert mixed == []
    assert len(reads) > reads_after_kill + 10, "the reader kept reading while the next build ran"
    seen = {r["release_id"] for r in reads}
    assert seen == {releases_seen["a"], release_b["release_id"]}, "the reader saw both sets"
    totals = {r["release_id"]: r["totals"]["calls"] for r in reads}
    assert float(totals[release_b["release_id"]]) == pytest.approx(2 * float(totals[releases_seen["a"]]))
    print(f"{len(reads)} reads, releases {sorted(seen)}")


def test_failed_build_publishes_nothing(two_builds: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    database, exports, releases_seen = two_builds
    # A model fails at run time (a tolerance that is no number): nothing is published.
    build = start_dbt_build(
        database, exports, tmp_path / "failing", "invoice_reconciliation publish_bi_release",
        ["--vars", json.dumps({"invoice_tolerance_pct": "not_a_number"})],
    )
    output = build.communicate(timeout=600)[0]
    assert build.returncode == 1, output[-3000:]
    assert "not_a_number" in output
    assert export_marts.current_release(exports)["release_id"] == releases_seen["a"]
    results = json.loads((tmp_path / "failing" / "target" / "run_results.json").read_text())["results"]
    assert {r["status"] for r in results if r["unique_id"].endswith("publish_bi_release")} == {"skipped"}


def test_a_fired_alert_still_publishes(sample_build: DbtRun, tmp_path: Path) -> None:
    database, exports = tmp_path / "warehouse.duckdb", tmp_path / "exports"
    shutil.copy(sample_build.database, database)
    # An error-severity alert fails (any unattributed spend is over a zero
    # threshold): the build exits 1, and the set showing that spend is published.
    build = start_dbt_build(
        database, exports, tmp_path / "alerting", "chargeback_by_cost_center publish_bi_release",
        ["--vars", json.dumps({"unattributed_share_error": 0})],
    )
    output = build.communicate(timeout=600)[0]
    assert build.returncode == 1, output[-3000:]
    assert "alert_unattributed_share_error" in output
    invocation_id = json.loads((tmp_path / "alerting" / "target" / "run_results.json").read_text())["metadata"][
        "invocation_id"
    ]
    assert export_marts.current_release(exports)["invocation_id"] == invocation_id


def test_dbt_run_publishes_nothing(two_builds: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    # `dbt run` runs no tests: its marts are unchecked.
    database, exports, releases_seen = two_builds
    run = start_dbt_build(database, exports, tmp_path / "run", "publish_bi_release", [], command="run")
    output = run.communicate(timeout=600)[0]
    assert run.returncode == 0, output[-3000:]
    assert export_marts.current_release(exports)["release_id"] == releases_seen["a"]
    with duckdb.connect(str(database), read_only=True) as con:
        status = con.execute("select status, release_id from publish.publish_bi_release").fetchall()
    assert status == [("not published: dbt run runs no tests", None)]
