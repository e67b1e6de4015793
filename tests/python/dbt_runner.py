"""The one way the Python tests run dbt: into a throw-away DuckDB file, with their
own profile, target and log folders, never touching the working tree's warehouse."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]
TRACES_PATH_ENV = "LLM_SPEND_TRACES_PATH"


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


# The dbt of the running interpreter's venv (the project's).
VENV_DBT = Path(sys.executable).with_name("dbt")
# Seeds and models only: no data tests, no unit tests.
MODELS_ONLY = ["--exclude", "resource_type:test", "resource_type:unit_test"]


def dbt_executable() -> str:
    """The venv's dbt, else whichever dbt is on PATH."""
    return str(VENV_DBT) if VENV_DBT.exists() else "dbt"


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
    memory_limit: str | None = "2GB",
    kill_when_logged: str | None = None,
    unit_tests: bool = False,
) -> DbtRun:
    """Run `dbt <command>` (e.g. "build", "docs generate") with its own profile
    (a copy of profiles.example.yml under work_dir), logs and temp folder.

    database defaults to work_dir/warehouse.duckdb and target_dir to work_dir/target;
    memory_limit sets DBT_DUCKDB_MEMORY_LIMIT (None: the profile's default; 2GB
    by default, as every test's data is small and two workers share the
    machine; one file name and one limit also let runs share dbt's parse).
    kill_when_logged: SIGKILL dbt (its whole process group) as soon as its log
    holds this text, as a crash would; the run's returncode is then -9.
    unit_tests: run dbt's unit tests in a `build` or `test` too. Off by default: they read
    fixtures only, so their result does not depend on the data a test builds,
    and each build spent ~25 s on them (sqlparse over the compiled SQL of the
    identity walk). `make test` runs them once, in its sample build, and so
    does the session's own sample build (_dbt_builds) when pytest runs alone.
    The same holds for the data tests of the seeds (149 of 322, ~7 s of each
    build on two threads) while the project's seeds are the repository's own:
    without unit_tests, a build or test that selects everything skips them
    (_SEED_TESTS); a project copy with edited seeds runs them.
    """
    work_dir = work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    profiles_dir = work_dir / "profiles"
    profiles_dir.mkdir(exist_ok=True)
    shutil.copy(project_dir / "profiles.example.yml", profiles_dir / "profiles.yml")
    (work_dir / "tmp").mkdir(exist_ok=True)
    database = database if database is not None else work_dir / "warehouse.duckdb"
    target_dir = target_dir if target_dir is not None else work_dir / "target"
    variables = dict(extra_vars or {})
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
        if select is None and not set(extra_args or []) & _SELECTION_FLAGS and _has_repository_seeds(project_dir):
            args += _SEED_TESTS
    env = dict(os.environ)
    env.pop(TRACES_PATH_ENV, None)
    if traces_glob is not None:
        # Not --vars traces_path: a new vars value makes dbt parse everything
        # again (configured_traces_path); tests of the var pass it as a var.
        env[TRACES_PATH_ENV] = traces_glob
    env["DBT_DUCKDB_TEMP_DIR"] = str(work_dir / "tmp")
    # A build publishes the BI set (models/publish): into the work folder, never exports/.
    env["DBT_EXPORTS_PATH"] = str(work_dir / "exports")
    if memory_limit is not None:
        env["DBT_DUCKDB_MEMORY_LIMIT"] = memory_limit
    named_traces = traces_glob if traces_glob is not None else variables.get("traces_path")
    cached_parse = None
    if (isinstance(named_traces, str) and os.path.isabs(named_traces)) or command.split()[0] in ("parse", "seed", "docs"):
        # dbt reuses a parse only for the same profile values, the database
        # path among them: run in the database's folder and name the file
        # alone (nothing else is relative once the traces path is absolute;
        # parse, seed and docs read no traces).
        cwd = database.parent.resolve()
        env["DBT_DUCKDB_PATH"] = database.name
        cached_parse = _parse_cache_entry(project_dir, variables, database.name, memory_limit)
    else:
        cwd = project_dir
        env["DBT_DUCKDB_PATH"] = str(database)
    if cached_parse is not None:
        _reuse_parse(cached_parse, target_dir)
    if kill_when_logged is not None:
        return DbtRun(_run_until_logged(args, cwd, env, work_dir / "logs" / "dbt.log", kill_when_logged),
                      "", database, target_dir)
    returncode, output = _invoke(args, cwd, env, work_dir / "logs")
    if cached_parse is not None and project_dir.resolve() == PROJECT_DIR:
        _cache_parse(target_dir, cached_parse)
    return DbtRun(returncode, output, database, target_dir)


def run_staging(work_dir: Path, traces_glob: str, extra_vars: dict | None = None) -> DbtRun:
    """Stage traces_glob alone, in one dbt invocation (each costs ~10 s before
    its first node): the mapping seeds, which the staging model reads while it
    compiles, then stg_traces__parsed_records; no data tests."""
    return run_dbt(work_dir, "build", traces_glob=traces_glob, extra_vars=extra_vars,
                   select="path:seeds/mappings stg_traces__parsed_records",
                   extra_args=MODELS_ONLY)


# The data tests defined on seeds (seeds/*/_*__seeds.yml): they read the seed
# files alone. Cautious indirect selection keeps the singular tests that read a
# seed and a model (eager would drop them with the seeds' tests); it changes
# nothing else when every model is selected.
_SEED_TESTS = ["--exclude", "resource_type:test,path:seeds", "--indirect-selection", "cautious"]
_SELECTION_FLAGS = {"--select", "-s", "--exclude", "--selector", "--indirect-selection", "--resource-type"}


def _seed_digest(project_dir: Path) -> str:
    """Digest of every file under the project's seeds/ (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted((project_dir / "seeds").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def _repository_seed_digest() -> str:
    return _seed_digest(PROJECT_DIR)


def _has_repository_seeds(project_dir: Path) -> bool:
    """Whether project_dir's seeds are this repository's, byte for byte."""
    return project_dir.resolve() == PROJECT_DIR or _seed_digest(project_dir) == _repository_seed_digest()


# Set by conftest to a folder shared by the session's xdist workers: dbt's
# partial parse (target/partial_parse.msgpack) of one run is the starting
# point of the next run with the same dbt_project.yml and --vars, in this
# project folder or a copy of it (the nightly, seed and FinOps tests build
# copies), which saves it about 12 of its 18 s of parsing. dbt itself still
# checks every file's checksum, dbt_project.yml, the profile's keys and the
# vars against the saved parse, and reparses whatever changed or was added
# or deleted. Only runs in this project folder write the cache: a seed file
# that a copy left unchanged keeps the folder that parsed it (root_path), and
# dbt loads the same bytes from this repository's seeds, which no test edits.
PARSE_CACHE_ENV = "LLM_SPEND_PARSE_CACHE"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def _parse_cache_entry(project_dir: Path, variables: dict, database_name: str, memory_limit: str | None) -> Path | None:
    """The cached partial parse for this dbt_project.yml, vars and profile values
    (None: no cache folder set)."""
    cache = os.environ.get(PARSE_CACHE_ENV)
    if not cache:
        return None
    project_file = hashlib.sha256((project_dir / "dbt_project.yml").read_bytes()).hexdigest()
    parts = [project_file, variables, database_name, memory_limit]
    key = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return Path(cache) / key[:16] / PARTIAL_PARSE_FILE


def _reuse_parse(cached: Path, target_dir: Path) -> None:
    """Start from the cached parse unless this target folder has one of its own."""
    own = target_dir / PARTIAL_PARSE_FILE
    if cached.is_file() and not own.exists():
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, own)


def _cache_parse(target_dir: Path, cached: Path) -> None:
    """Cache the parse a run wrote (first writer wins; written whole or not at all)."""
    written = target_dir / PARTIAL_PARSE_FILE
    if cached.exists() or not written.is_file():
        return
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{cached.name}.{os.getpid()}")
    shutil.copyfile(written, partial)
    os.replace(partial, cached)


class _ForkServer:
    """This process's dbt fork server (_dbt_forkserver.py), started on first use."""

    process: subprocess.Popen | None = None
    lock = threading.Lock()

    @classmethod
    def run(cls, args: list[str], cwd: Path, env: dict[str, str], output: Path) -> int:
        """Run the dbt command line args (args[0] is the executable); its exit code."""
        with cls.lock:
            if cls.process is None or cls.process.poll() is not None:
                cls.process = subprocess.Popen(
                    [sys.executable, str(Path(__file__).with_name("_dbt_forkserver.py"))],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT_DIR)
            request = {"args": args, "cwd": str(cwd), "env": env, "output": str(output)}
            assert cls.process.stdin is not None and cls.process.stdout is not None
            cls.process.stdin.write(json.dumps(request) + "\n")
            cls.process.stdin.flush()
            answer = cls.process.stdout.readline()
            if not answer:
                raise RuntimeError(f"the dbt fork server stopped (exit {cls.process.wait()})")
            return int(answer)


def _invoke(args: list[str], cwd: Path, env: dict[str, str], log_dir: Path) -> tuple[int, str]:
    """Run dbt: forked from this process's fork server when it runs the venv's
    dbt on a POSIX system (~2.5 s faster per invocation), else as a subprocess;
    the exit code and the output (stdout, then stderr, for a subprocess)."""
    if hasattr(os, "fork") and args[0] == str(VENV_DBT) and VENV_DBT.exists():
        log_dir.mkdir(parents=True, exist_ok=True)
        output = log_dir / f"dbt-output-{os.getpid()}.txt"
        output.unlink(missing_ok=True)  # never an earlier run's output
        returncode = _ForkServer.run(args, cwd, env, output)
        return returncode, output.read_text(errors="replace") if output.exists() else ""
    completed = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return completed.returncode, completed.stdout + completed.stderr


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
