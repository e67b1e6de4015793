"""A nightly build killed mid-run, then rerun plainly, gives exactly the marts
of an uninterrupted nightly run (issue 19, item 6).

Two nights of generated traces are built; then the third night's build is
SIGKILLed once while staging parses the new files and once while the marts are
being written, and a plain `dbt build` follows each kill. Every mart and
staged table must equal the uninterrupted run's (rows as a sorted multiset).
A kill that lands after the work was done would prove nothing, so the test
checks that the process died of the signal and that the marts it left differ
from the uninterrupted run's.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from dbt_runner import run_dbt
from test_nightly_incremental import MODELS_ONLY, _generate, _tables

# The log line dbt writes when a model starts; the kill follows it at once.
KILL_POINTS = {
    "staging": "START sql incremental model staging.stg_traces__parsed_records",
    "marts": "START sql incremental model marts.fct_llm_calls",
}


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """Two nights staged (the history), then the third night's files landed and an
    uninterrupted nightly build of them; built once for both kill points.
    Returns the traces glob, the history database (before the third night) and the
    uninterrupted run's database."""
    root = tmp_path_factory.mktemp("crash_recovery")
    generated = root / "generated"
    _generate(generated)
    day_files = sorted(generated.glob("*.jsonl"))
    last_day = max(f.name[6:16] for f in day_files)
    earlier = [f for f in day_files if last_day not in f.name]
    tonight = [f for f in day_files if last_day in f.name]
    assert earlier and tonight
    landing = root / "landing"
    landing.mkdir()
    glob = str(landing / "*.jsonl")
    for path in earlier:
        shutil.copy(path, landing / path.name)
    history = run_dbt(root / "history", traces_glob=glob, extra_args=MODELS_ONLY)
    assert history.returncode == 0, history.output[-3000:]
    for path in tonight:
        shutil.copy(path, landing / path.name)

    history_db = root / "history_before_tonight.duckdb"
    uninterrupted_db = root / "uninterrupted.duckdb"
    shutil.copy(history.database, history_db)
    shutil.copy(history.database, uninterrupted_db)
    uninterrupted = run_dbt(root / "uninterrupted", traces_glob=glob, extra_args=MODELS_ONLY,
                            database=uninterrupted_db)
    assert uninterrupted.returncode == 0, uninterrupted.output[-3000:]
    return glob, history_db, uninterrupted_db


@pytest.mark.parametrize("kill_point", sorted(KILL_POINTS))
def test_killed_nightly_then_rerun_equals_uninterrupted(tmp_path: Path, kill_point: str,
                                                        nights: tuple[str, Path, Path]) -> None:
    glob, history_db, uninterrupted_db = nights
    crashed_db = tmp_path / "crashed.duckdb"
    shutil.copy(history_db, crashed_db)

    killed = run_dbt(tmp_path / "crashed", traces_glob=glob, extra_args=MODELS_ONLY, database=crashed_db,
                     kill_when_logged=KILL_POINTS[kill_point])
    assert killed.returncode == -signal.SIGKILL, f"the build ended before the kill in {kill_point}"
    # The kill must leave work undone, or the rerun below would prove nothing.
    assert _tables(crashed_db, "marts") != _tables(uninterrupted_db, "marts")
    rerun = run_dbt(tmp_path / "crashed", traces_glob=glob, extra_args=MODELS_ONLY, database=crashed_db)
    assert rerun.returncode == 0, rerun.output[-3000:]

    for schema in ["marts", "staging"]:
        expected = _tables(uninterrupted_db, schema)
        actual = _tables(crashed_db, schema)
        assert actual.keys() == expected.keys()
        for name, rows in expected.items():
            if name == "base_traces__raw_lines":  # the lines of the files its own run read
                continue
            assert actual[name] == rows, f"{schema}.{name} differs after a kill in {kill_point}"
        assert expected["fct_llm_calls" if schema == "marts" else "stg_traces__parsed_records"]
