"""The one way the Python tests run dbt: into a throw-away DuckDB file, with their
own profile, target and log folders, never touching the working tree's warehouse."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class DbtRun:
    """Outcome of one dbt invocation."""

    returncode: int
    output: str
    database: Path
    target_dir: Path

    def query(self, sql: str) -> list[tuple]:
        """Run a read-only query against the built database."""
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    def env(self) -> dict[str, str]:
        """Environment pointing the project's profile at this run's database."""
        return {**os.environ, "DBT_DUCKDB_PATH": str(self.database)}


def dbt_executable() -> str:
    """The dbt next to the running interpreter (the project's venv)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    work_dir: Path,
    command: str = "build",
    traces_glob: str | None = None,
    extra_vars: dict | None = None,
    select: str | None = None,
    extra_args: list[str] | None = None,
    project_dir: Path = PROJECT_DIR,
    database: Path | None = None,
    target_dir: Path | None = None,
    memory_limit: str | None = None,
    kill_when_logged: str | None = None,
    unit_tests: bool = False,
) -> DbtRun:
    """Run `dbt <command>` (e.g. "build", "docs generate") with its own profile
    (a copy of profiles.example.yml under work_dir), logs and temp folder.

    database defaults to work_dir/test.duckdb and target_dir to work_dir/target;
    memory_limit sets DBT_DUCKDB_MEMORY_LIMIT (else the profile's default).
    kill_when_logged: SIGKILL dbt (its whole process group) as soon as its log
    holds this text, as a crash would; the run's returncode is then -9.
    unit_tests: run dbt's unit tests in a `build` or `test` too. Off by default: they read
    fixtures only, so their result does not depend on the data a test builds,
    and each build spent ~25 s on them (sqlparse over the compiled SQL of the
    identity walk). `make test` runs them once, in its sample build, and so
    does the session's own sample build (_dbt_builds) when pytest runs alone.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    profiles_dir = work_dir / "profiles"
    profiles_dir.mkdir(exist_ok=True)
    shutil.copy(project_dir / "profiles.example.yml", profiles_dir / "profiles.yml")
    (work_dir / "tmp").mkdir(exist_ok=True)
    database = database if database is not None else work_dir / "test.duckdb"
    target_dir = target_dir if target_dir is not None else work_dir / "target"
    variables = dict(extra_vars or {})
    if traces_glob is not None:
        variables["traces_path"] = traces_glob
    args = [
        dbt_executable(),
        *command.split(),
        "--project-dir", str(project_dir),
        "--profiles-dir", str(profiles_dir),
        "--target-path", str(target_dir),
        "--log-path", str(work_dir / "logs"),
    ]
    if variables:
        args += ["--vars", json.dumps(variables)]
    if select:
        args += ["--select", select]
    args += extra_args or []
    if command.split()[0] in ("build", "test") and not unit_tests and not any("unit_test" in arg for arg in args):
        args += ["--exclude-resource-type", "unit_test"]
    env = dict(os.environ)
    env["DBT_DUCKDB_PATH"] = str(database)
    env["DBT_DUCKDB_TEMP_DIR"] = str(work_dir / "tmp")
    # A build publishes the BI set (models/publish): into the work folder, never exports/.
    env["DBT_EXPORTS_PATH"] = str(work_dir / "exports")
    if memory_limit is not None:
        env["DBT_DUCKDB_MEMORY_LIMIT"] = memory_limit
    if kill_when_logged is not None:
        return DbtRun(_run_until_logged(args, project_dir, env, work_dir / "logs" / "dbt.log", kill_when_logged),
                      "", database, target_dir)
    completed = subprocess.run(
        args, cwd=project_dir, env=env, capture_output=True, text=True, check=False
    )
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, database, target_dir)


def _run_until_logged(args: list[str], cwd: Path, env: dict[str, str], log: Path, marker: str) -> int:
    """Start dbt and SIGKILL its process group when marker appears in its log; the exit code."""
    log.unlink(missing_ok=True)
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 900
    while process.poll() is None and time.monotonic() < deadline:
        if log.exists() and marker in log.read_text(errors="replace"):
            os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    return process.wait(timeout=60)
