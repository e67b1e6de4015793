"""Value mappings live in seeds/mappings/: an edited CSV changes the result on
the next build, and a retired var that used to hold a mapping fails loudly."""

from __future__ import annotations

import csv
from pathlib import Path

from dbt_runner import DbtRun, run_dbt
from focus_helpers import copy_project


def edit_seed(project: Path, seed: str, key_column: str, changes: dict[str, str | None]) -> None:
    """Set (or, with None, delete) rows of a mapping seed by key."""
    path = project / "seeds" / "mappings" / f"{seed}.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    kept = [row for row in rows if row[key_column] not in changes or changes[row[key_column]] is not None]
    for row in kept:
        if row[key_column] in changes:
            row[header[1]] = changes[row[key_column]]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)


def test_edited_mapping_seeds_change_the_marts(sample_build: DbtRun, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    edit_seed(project, "provider_display_names", "provider", {"openai": "OpenAI, L.L.C."})
    edit_seed(project, "actor_type_prefixes", "actor_id_prefix", {"u_": None})
    run = run_dbt(tmp_path, project_dir=project, extra_args=["--exclude", "resource_type:unit_test"],
                  database=tmp_path / "edited.duckdb")
    assert run.returncode == 0, run.output[-4000:]
    query = "select ProviderName, count(*) from marts.focus_cost_and_usage group by 1"
    before, after = dict(sample_build.query(query)), dict(run.query(query))
    assert "OpenAI, L.L.C." not in before and after["OpenAI, L.L.C."] == before["OpenAI"]
    humans = "select count(*) from marts.fct_llm_calls where actor_type = 'human' and actor_id like 'u\\_%' escape '\\'"
    unknown = "select count(*) from marts.fct_llm_calls where actor_type = 'unknown' and actor_id like 'u\\_%' escape '\\'"
    moved = sample_build.query(humans)[0][0]
    assert moved > 0
    assert run.query(humans)[0][0] == 0
    assert run.query(unknown)[0][0] == sample_build.query(unknown)[0][0] + moved


def test_a_retired_mapping_var_fails_the_build(tmp_path: Path) -> None:
    run = run_dbt(tmp_path, "compile", select="int_spans__canonicalized",
                  extra_vars={"operation_value_map": {"llm": "chat"}})
    assert run.returncode != 0
    assert "var operation_value_map is retired: edit seeds/mappings/operation_spellings.csv instead" in run.output
