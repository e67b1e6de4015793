"""Reference data lives in seeds/mappings/ (value mappings, alias keys, ...):
an edited CSV changes the result on the next build, and a retired var that
used to hold the data fails loudly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dbt_runner import DbtRun, run_dbt
from focus_helpers import copy_project, edit_attribute_aliases


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


NEW_TENANT_KEY = "x-acme.billing.tenant_ref"


def test_an_alias_row_added_to_the_seed_attributes_spans_carrying_its_key(tmp_path: Path) -> None:
    """A tenant key nobody listed yet: one new row in attribute_aliases.csv and
    the next `dbt build` attributes the call (no SQL or var edited)."""
    project = copy_project(tmp_path / "project")
    edit_attribute_aliases(project, add={"tenant_id": [NEW_TENANT_KEY]})
    traces = tmp_path / "traces"
    traces.mkdir()
    span = {
        "trace_id": "a1" * 16, "span_id": "b2" * 8, "name": "chat gpt-4o-mini", "kind": "client",
        "timestamp": "2026-05-03T10:00:00Z", "end_time": "2026-05-03T10:00:01Z", "service.name": "billing-client",
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
        NEW_TENANT_KEY: "t_acme", "workflow_id": "wf_invoice_extract", "actor_id": "u_1",
    }
    (traces / "spans.jsonl").write_text(json.dumps(span) + "\n")
    run = run_dbt(tmp_path, traces_glob=str(traces / "*.jsonl"), project_dir=project,
                  extra_vars={"unattributed_share_error": 2}, extra_args=["--exclude", "resource_type:unit_test"],
                  database=tmp_path / "aliases.duckdb")
    assert run.returncode == 0, run.output[-4000:]
    calls = run.query("select tenant_id, tenant_id_source_key, cost_center, attribution_status from marts.fct_llm_calls")
    assert calls == [("t_acme", NEW_TENANT_KEY, "cc_acme_invoice_ops", "attributed")]


@pytest.mark.parametrize(("var_name", "seed"), [
    ("identity_aliases", "attribute_aliases"),
    ("virtual_key_aliases", "attribute_aliases"),
    ("content_attribute_patterns", "content_attribute_patterns"),
    ("identity_trust_order", "identity_trust_order"),
])
def test_a_retired_reference_list_var_fails_the_build(tmp_path: Path, var_name: str, seed: str) -> None:
    run = run_dbt(tmp_path, "compile", select="int_llm_calls__identity_recovered stg_traces__parsed_records",
                  extra_vars={var_name: ["x"]})
    assert run.returncode != 0
    assert f"var {var_name} is retired: edit seeds/mappings/{seed}.csv instead" in run.output
