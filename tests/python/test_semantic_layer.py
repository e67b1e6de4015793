"""MetricFlow metrics agree with the marts on the sample build."""

from __future__ import annotations

import csv
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from _dbt_builds import BIN, PROJECT_ROOT
from dbt_runner import DbtRun


@pytest.fixture(scope="module")
def sample(sample_build: DbtRun) -> DbtRun:
    return sample_build


@pytest.fixture(scope="module")
def mf_project(sample: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mf reads <project>/target/semantic_manifest.json: point it at the build's."""
    project = tmp_path_factory.mktemp("mf_project")
    (project / "dbt_project.yml").symlink_to(PROJECT_ROOT / "dbt_project.yml")
    shutil.copy(PROJECT_ROOT / "profiles.example.yml", project / "profiles.yml")
    (project / "target").mkdir()
    shutil.copy(sample.target_dir / "semantic_manifest.json", project / "target")
    return project


def mf_query(sample: DbtRun, project: Path, out: Path, *args: str) -> list[dict[str, str]]:
    env = {**sample.env(), "DBT_PROFILES_DIR": str(project), "DBT_PROJECT_DIR": str(project)}
    proc = subprocess.run(
        [str(BIN / "mf"), "query", *args, "--decimals", "15", "--csv", str(out)],
        cwd=project, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with out.open() as handle:
        return list(csv.DictReader(handle))


def chargeback(sample: DbtRun) -> list[tuple[str, str, Decimal]]:
    with duckdb.connect(str(sample.database), read_only=True) as con:
        return con.sql(
            "select strftime(billing_period_start, '%Y-%m'), cost_center, cost_usd"
            " from marts.chargeback_by_cost_center"
        ).fetchall()


def test_unattributed_share_per_month_equals_chargeback(sample: DbtRun, mf_project: Path, tmp_path: Path) -> None:
    rows = mf_query(sample, mf_project, tmp_path / "share.csv",
                    "--metrics", "unattributed_share", "--group-by", "metric_time__month")
    mart: dict[str, list[Decimal]] = {}
    for month, cost_center, cost in chargeback(sample):
        totals = mart.setdefault(month, [Decimal(0), Decimal(0)])
        totals[1] += cost
        if cost_center == "UNATTRIBUTED":
            totals[0] += cost
    got = {row["metric_time__month"][:7]: float(row["unattributed_share"]) for row in rows}
    assert set(got) == set(mart)
    for month, (unattributed, total) in mart.items():
        assert got[month] == pytest.approx(float(unattributed / total), rel=1e-12, abs=1e-15)
    # The sample has unattributed spend in May: the comparison is not 0 == 0.
    assert max(got.values()) > 0


def test_billed_cost_by_cost_center_equals_chargeback(sample: DbtRun, mf_project: Path, tmp_path: Path) -> None:
    rows = mf_query(sample, mf_project, tmp_path / "cost.csv", "--metrics", "billed_cost",
                    "--group-by", "llm_call__cost_center,metric_time__month")
    got = {(r["metric_time__month"][:7], r["llm_call__cost_center"]): Decimal(r["billed_cost"]) for r in rows}
    expected = {(month, cost_center): cost for month, cost_center, cost in chargeback(sample)}
    assert "UNATTRIBUTED" in {cost_center for _, cost_center in got}
    assert got == expected
