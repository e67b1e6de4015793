"""Shared helpers: make scripts/ importable for the Python tests; the sample
build shared by every test file (session fixture); builds on fixture globs."""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from dbt_runner import PROJECT_DIR as PROJECT
from dbt_runner import DbtRun, run_dbt

SCRIPTS = PROJECT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))
DBT = str(Path(sys.executable).with_name("dbt"))
WAREHOUSE = "warehouse.duckdb"


@pytest.fixture(scope="session")
def sample_build() -> DbtRun:
    """`dbt build` of the bundled sample, once per session (read it, never write it)."""
    from _dbt_builds import dbt_build

    build = dbt_build("sample")
    assert build.returncode == 0, build.output[-4000:]
    return build


def dbt_build(tmp: Path, traces_glob: str, extra_vars: dict | None = None) -> DbtRun:
    """Run `dbt build` on traces_glob into tmp/warehouse.duckdb; return the finished run."""
    return run_dbt(tmp, traces_glob=traces_glob, extra_vars=extra_vars, database=tmp / WAREHOUSE, memory_limit="2GB")


def connect(tmp: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the warehouse built in tmp."""
    return duckdb.connect(str(tmp / WAREHOUSE), read_only=True)
