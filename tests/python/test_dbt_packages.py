"""dbt-utils is a declared, pinned package; `make deps` installs it even where
the dbt package hub cannot be reached; every model has a grain test."""

from __future__ import annotations

import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
import yaml

import install_dbt_packages as installer
from dbt_runner import PROJECT_DIR, run_dbt

FAILING_DBT = "#!/bin/sh\necho 'External connection exception occurred: hub unreachable'\nexit 2\n"
PASSING_DBT = "#!/bin/sh\nexit 0\n"


def fake_dbt(tmp: Path, script: str) -> str:
    path = tmp / "dbt"
    path.write_text(script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def tarball(path: Path, top: str, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def project_with_lock(tmp: Path, version: str = "1.4.1") -> Path:
    project = tmp / "project"
    project.mkdir()
    (project / "package-lock.yml").write_text(
        f"packages:\n  - name: dbt_utils\n    package: dbt-labs/dbt_utils\n    version: {version}\nsha1_hash: x\n")
    return project


def test_lock_pins_what_packages_yml_declares() -> None:
    declared = yaml.safe_load((PROJECT_DIR / "packages.yml").read_text())["packages"]
    locked = yaml.safe_load((PROJECT_DIR / "package-lock.yml").read_text())["packages"]
    assert [(p["package"], str(p["version"])) for p in declared] == [(p["package"], str(p["version"])) for p in locked]


def test_hub_unreachable_installs_the_pinned_release_from_the_mirror(tmp_path: Path, capsys) -> None:
    project = project_with_lock(tmp_path)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    tarball(mirror / "dbt_utils-1.4.1.tar.gz", "dbt_utils", {"dbt_project.yml": "name: dbt_utils\n"})
    tarball(mirror / "dbt_utils-1.3.0.tar.gz", "dbt_utils", {"dbt_project.yml": "name: old\n"})
    code = installer.main(["--dbt", fake_dbt(tmp_path, FAILING_DBT), "--project-dir", str(project), "--mirror", str(mirror)])
    assert code == 0
    assert (project / "dbt_packages" / "dbt_utils" / "dbt_project.yml").read_text() == "name: dbt_utils\n"
    out = capsys.readouterr()
    assert "dbt deps failed" in out.err
    assert "installed dbt_utils 1.4.1 from" in out.out


def test_dbt_deps_success_leaves_the_mirror_alone(tmp_path: Path) -> None:
    project = project_with_lock(tmp_path)
    code = installer.main(["--dbt", fake_dbt(tmp_path, PASSING_DBT), "--project-dir", str(project), "--mirror", str(tmp_path / "none")])
    assert code == 0
    assert not (project / "dbt_packages").exists()


def test_missing_tarball_fails_naming_what_to_do(tmp_path: Path) -> None:
    project = project_with_lock(tmp_path, version="9.9.9")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    tarball(mirror / "dbt_utils-1.4.1.tar.gz", "dbt_utils", {"dbt_project.yml": "name: dbt_utils\n"})
    with pytest.raises(SystemExit, match="dbt_utils-9.9.9.tar.gz does not exist"):
        installer.main(["--dbt", fake_dbt(tmp_path, FAILING_DBT), "--project-dir", str(project), "--mirror", str(mirror)])


def test_tarball_with_another_top_folder_is_refused(tmp_path: Path) -> None:
    project = project_with_lock(tmp_path)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    tarball(mirror / "dbt_utils-1.4.1.tar.gz", "evil", {"x.sql": "select 1"})
    with pytest.raises(SystemExit, match="expected one top folder dbt_utils/"):
        installer.main(["--dbt", fake_dbt(tmp_path, FAILING_DBT), "--project-dir", str(project), "--mirror", str(mirror)])


def test_every_model_has_a_grain_test(tmp_path: Path) -> None:
    """A `unique` or dbt_utils.unique_combination_of_columns test on each model
    (ephemeral models are checked through the model that inlines them)."""
    run = run_dbt(tmp_path, "parse")
    assert run.returncode == 0, run.output[-3000:]
    manifest = json.loads((run.target_dir / "manifest.json").read_text())
    models = {
        key: node for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "llm_spend_attribution"
        and node["config"]["materialized"] != "ephemeral"
    }
    with_grain = {
        model
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") in ("unique", "unique_combination_of_columns")
        for model in node["depends_on"]["nodes"]
    }
    missing = sorted(node["name"] for key, node in models.items() if key not in with_grain)
    assert missing == []
