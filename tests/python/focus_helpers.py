"""Helpers for the FOCUS / invoice tests: build the project into a
temporary DuckDB file with dbt, without touching the working tree's
warehouse, target or profiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROJECT_FILES = ("dbt_project.yml", "models", "macros", "seeds", "tests", "analyses", "data")


def dbt_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DBT_DUCKDB_PATH"] = str(tmp / "build.duckdb")
    env["DBT_DUCKDB_TEMP_DIR"] = str(tmp / "duckdb_tmp")
    (tmp / "duckdb_tmp").mkdir(parents=True, exist_ok=True)
    return env


def write_profiles(tmp: Path, project_root: Path = PROJECT_ROOT) -> Path:
    profiles_dir = tmp / "profiles"
    profiles_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(project_root / "profiles.example.yml", profiles_dir / "profiles.yml")
    return profiles_dir


def dbt(tmp: Path, project_dir: Path, *args: str, vars_: dict[str, object] | None = None) -> subprocess.CompletedProcess[str]:
    """Run one dbt command against the temporary DuckDB file; raise with the
    log tail if it fails."""
    command = [
        str(BIN / "dbt"),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(write_profiles(tmp, project_dir)),
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]
    if vars_:
        command += ["--vars", json.dumps(vars_)]
    completed = subprocess.run(command, cwd=project_dir, env=dbt_env(tmp), capture_output=True, text=True)
    if completed.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{completed.stdout[-4000:]}\n{completed.stderr[-2000:]}")
    return completed


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project (sources only) to change seeds in."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        elif source.exists():
            shutil.copy(source, destination / name)
    shutil.copy(PROJECT_ROOT / "profiles.example.yml", destination / "profiles.example.yml")
    return destination


def run_results(tmp: Path) -> list[dict[str, object]]:
    data = json.loads((tmp / "target" / "run_results.json").read_text())
    return list(data["results"])
