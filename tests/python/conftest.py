"""Shared helpers: make scripts/ importable for the Python tests; the sample
build shared by every test file (session fixture); builds on fixture globs;
how the tests split over pytest-xdist workers (`make test` runs `-n 2`)."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dbt_runner import PARSE_CACHE_ENV, DbtRun, run_dbt
from dbt_runner import PROJECT_DIR as PROJECT

SCRIPTS = PROJECT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))
WAREHOUSE = "warehouse.duckdb"
# Set by `make test` to the sample build it has just run (a folder holding
# sample.duckdb, exports/, exports.releases/ and target/): pytest copies it
# instead of building the sample again (once per xdist worker).
SAMPLE_BUILD_ENV = "LLM_SPEND_SAMPLE_BUILD"
# dbt's partial parse shared by the runs of this session (dbt_runner): set
# here, before xdist starts its workers, so that they share it.
os.environ.setdefault(PARSE_CACHE_ENV, tempfile.mkdtemp(prefix="llm_spend_parse_"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup`, a test that uses a module-scoped fixture (a dbt
    build of its own fixture data, mostly) runs on the worker that runs the
    module's other such tests, so each module build happens once; every other
    test is scheduled on its own. Runs before xdist reads the marks."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        definitions = getattr(item, "_fixtureinfo", None)
        if definitions is None:
            continue
        if any(defs and defs[-1].scope == "module" for defs in definitions.name2fixturedefs.values()):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Under `--dist loadgroup`, xdist's scheduler groups tests by the `@<group>`
    suffix a worker adds to the node id of every test marked above. pytest 9.2
    drops that suffix without a word (pytest-xdist#1386): each worker then
    builds a module's dbt fixture again and the suite runs far slower, still
    green. Stop the run instead (this suite always has grouped tests)."""
    if node.config.getoption("dist") == "loadgroup" and ids and not any("@" in i for i in ids):
        pytest.exit(
            f"--dist loadgroup groups no test with pytest {pytest.__version__} (pytest-xdist#1386): "
            "install requirements.txt's pins (make deps)",
            returncode=4,
        )


def _copied_sample_build(source: Path, work: Path) -> DbtRun | None:
    """A copy of `make test`'s sample build in work (the tests may write next to
    it, as they may next to a build of their own); None unless it completed."""
    run_results = source / "target" / "run_results.json"
    if not (source / "sample.duckdb").is_file() or not run_results.is_file():
        return None
    results = json.loads(run_results.read_text())
    if results["args"].get("which") != "build" or any(
        r["status"] not in ("success", "pass", "warn", "no-op") for r in results["results"]
    ):
        return None
    shutil.copytree(source, work, symlinks=True)
    return DbtRun(0, f"copied from {source}", work / "sample.duckdb", work / "target")


@pytest.fixture(scope="session")
def sample_build() -> DbtRun:
    """`dbt build` of the bundled sample, once per session (read it, never write it):
    `make test`'s own build when it names one in LLM_SPEND_SAMPLE_BUILD, else built here."""
    from _dbt_builds import SESSION_DIR, dbt_build

    if os.environ.get(SAMPLE_BUILD_ENV):
        copied = _copied_sample_build(Path(os.environ[SAMPLE_BUILD_ENV]).resolve(), SESSION_DIR / "sample")
        assert copied is not None, f"{SAMPLE_BUILD_ENV} names no completed sample build"
        return copied
    build = dbt_build("sample")
    assert build.returncode == 0, build.output[-4000:]
    return build


def dbt_build(tmp: Path, traces_glob: str, extra_vars: dict | None = None) -> DbtRun:
    """Run `dbt build` on traces_glob into tmp/warehouse.duckdb; return the finished run."""
    return run_dbt(tmp, traces_glob=traces_glob, extra_vars=extra_vars, database=tmp / WAREHOUSE)


def connect(tmp: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the warehouse built in tmp."""
    return duckdb.connect(str(tmp / WAREHOUSE), read_only=True)
