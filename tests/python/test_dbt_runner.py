"""The suite's way of running dbt (dbt_runner): a run forked from the fork server
gives what the `dbt` console script gives, exit code and output."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from dbt_runner import _invoke, dbt_executable

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the fork server needs os.fork")


@pytest.mark.parametrize("args", [["--version"], ["no-such-command"], ["parse", "--no-such-flag"]])
def test_forked_run_matches_the_console_script(args: list[str], tmp_path: Path) -> None:
    command = [dbt_executable(), *args]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    forked_code, forked_output = _invoke(command, tmp_path, env, tmp_path / "logs")
    console = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert forked_code == console.returncode
    assert forked_output.strip() == (console.stdout + console.stderr).strip()


def test_environment_and_folder_are_the_run_s_own(tmp_path: Path) -> None:
    """Each run is a fresh fork: a variable set for one run is gone in the next."""
    probe = tmp_path / "probe"
    probe.mkdir()
    env = {**os.environ, "DBT_PROFILES_DIR": str(probe)}
    code, output = _invoke([dbt_executable(), "debug", "--config-dir"], probe, env, tmp_path / "logs")
    assert code == 0 and str(probe) in output, output
    code, output = _invoke([dbt_executable(), "debug", "--config-dir"], tmp_path, dict(os.environ), tmp_path / "logs")
    assert str(probe) not in output, output
