"""Shared helpers: build the dbt project on a fixture glob into a temporary DuckDB;
make scripts/ importable for the Python tests."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[2]
SCRIPTS = PROJECT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))
DBT = str(Path(sys.executable).with_name("dbt"))


def dbt_build(tmp: Path, traces_glob: str, extra_vars: dict | None = None) -> subprocess.CompletedProcess:
    """Run `dbt build` on traces_glob into tmp/warehouse.duckdb; return the finished process."""
    variables = {"traces_path": traces_glob, **(extra_vars or {})}
    (tmp / "tmp").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DBT_DUCKDB_PATH": str(tmp / "warehouse.duckdb"),
        "DBT_DUCKDB_TEMP_DIR": str(tmp / "tmp"),
        "DBT_DUCKDB_MEMORY_LIMIT": "2GB",
    }
    profiles = PROJECT / "profiles.yml"
    profiles_dir = PROJECT if profiles.exists() else tmp
    if not profiles.exists():
        (tmp / "profiles.yml").write_text((PROJECT / "profiles.example.yml").read_text())
    return subprocess.run(
        [DBT, "build", "--vars", json.dumps(variables), "--target-path", str(tmp / "target"),
         "--log-path", str(tmp / "logs"), "--profiles-dir", str(profiles_dir)],
        cwd=PROJECT, env=env, capture_output=True, text=True, check=False,
    )


def connect(tmp: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the warehouse built in tmp."""
    return duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
