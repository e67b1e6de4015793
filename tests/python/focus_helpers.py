"""Helpers for the FOCUS / invoice tests: build the project (or a copy of it)
into a temporary DuckDB file with dbt_runner, without touching the working
tree's warehouse, target or profiles."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from dbt_runner import PROJECT_DIR as PROJECT_ROOT
from dbt_runner import DbtRun, run_dbt

PROJECT_FILES = (
    "dbt_project.yml", "packages.yml", "package-lock.yml", "dbt_packages",
    "models", "macros", "seeds", "tests", "analyses", "data", "scripts",
)


def dbt(tmp: Path, project_dir: Path, *args: str, vars_: dict[str, object] | None = None) -> DbtRun:
    """Run one dbt command against tmp/build.duckdb; raise with the log tail
    if it fails."""
    command, *rest = args
    run = run_dbt(tmp, command, extra_vars=vars_, extra_args=rest, project_dir=project_dir,
                  database=tmp / "build.duckdb")
    if run.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{run.output[-6000:]}")
    return run


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


def edit_attribute_aliases(project: Path, add: dict[str, list[str]] | None = None,
                           remove: dict[str, list[str]] | None = None) -> None:
    """Append alias keys (lowest priority) to, or remove them from, fields of
    seeds/mappings/attribute_aliases.csv in a project copy."""
    path = project / "seeds" / "mappings" / "attribute_aliases.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    rows = [row for row in rows if row["alias_key"] not in (remove or {}).get(row["field"], [])]
    for field, keys in (add or {}).items():
        last = max((int(row["priority"]) for row in rows if row["field"] == field), default=0)
        rows += [{**dict.fromkeys(header, ""), "field": field, "alias_key": key, "priority": str(last + i)}
                 for i, key in enumerate(keys, 1)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def run_results(tmp: Path) -> list[dict[str, object]]:
    data = json.loads((tmp / "target" / "run_results.json").read_text())
    return list(data["results"])
