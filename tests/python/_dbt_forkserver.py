"""dbt invocations forked from a process that has imported dbt once.

Each `dbt` command line costs ~2.5 s before its first node in Python imports
and interpreter teardown alone; the test suite runs ~75 of them per worker
pair. This server imports dbt-core and dbt-duckdb once, then serves one
request per line on stdin (JSON: args, cwd, env, output) by forking a child
that runs exactly what the `dbt` console script runs (`dbt.cli.main:cli`) in
that folder and environment, with its stdout and stderr written to output.
The child is a fresh copy of a process that never ran dbt, so no state
carries from one invocation to the next. The exit code is written back as one
line on the protocol stream (the server's original stdout).

Used by dbt_runner.run_dbt (POSIX only); runs with the project's venv python.
"""

from __future__ import annotations

import atexit
import json
import os
import sys

import dbt.adapters.duckdb.impl  # noqa: F401  (imported once, shared by every child)
import dbt.cli.main


def _run_child(request: dict) -> None:
    """In the forked child: run dbt as the console script would, then exit."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    sys.argv = request["args"]
    code = 0
    try:
        dbt.cli.main.cli.main(args=request["args"][1:], prog_name="dbt")
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001  (reported as the console script would)
        import traceback

        traceback.print_exc()
        code = 1
    # Exit handlers (multiprocessing's among them) as at a normal exit, then
    # leave without the interpreter's teardown.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> int:
    protocol = os.fdopen(os.dup(1), "w")
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            try:
                _run_child(request)
            finally:
                os._exit(1)  # only if the child failed before dbt ran
        _, status = os.waitpid(pid, 0)
        protocol.write(f"{os.waitstatus_to_exitcode(status)}\n")
        protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
