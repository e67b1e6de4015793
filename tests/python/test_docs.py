"""`dbt docs generate` works and the public surface is described."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from _dbt_builds import BIN, PROJECT_ROOT, dbt_build

# Marts and the semantic layer: what BI tools, finance and the report read.
PUBLIC_FOLDERS = ("models/marts/", "models/semantic/")


def test_docs_generate_and_public_models_fully_described(tmp_path: pytest.TempPathFactory) -> None:
    sample = dbt_build("sample")
    assert sample.returncode == 0, sample.log[-3000:]
    target = tmp_path / "target"
    shutil.copy(PROJECT_ROOT / "profiles.example.yml", tmp_path / "profiles.yml")
    proc = subprocess.run(
        [str(BIN / "dbt"), "docs", "generate", "--profiles-dir", str(tmp_path), "--target-path", str(target),
         "--log-path", str(tmp_path / "logs")],
        cwd=PROJECT_ROOT, env=sample.env(), capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())

    problems: list[str] = []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or node["package_name"] != "llm_spend_attribution":
            continue
        if not node["description"].strip():
            problems.append(f"{uid}: no description")
        if not node["original_file_path"].startswith(PUBLIC_FOLDERS):
            continue
        described = {name.lower() for name, col in node["columns"].items() if col["description"].strip()}
        for column in catalog["nodes"][uid]["columns"]:
            if column.lower() not in described:
                problems.append(f"{uid}.{column}: no description")
    assert problems == []

    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert "model.llm_spend_attribution.focus_cost_and_usage" in exposures["focus_export"]["depends_on"]["nodes"]
    assert "model.llm_spend_attribution.chargeback_by_cost_center" in exposures["chargeback_report"]["depends_on"]["nodes"]
    assert {"unattributed_share", "billed_cost", "effective_cost"} <= {m["name"] for m in manifest["metrics"].values()}
