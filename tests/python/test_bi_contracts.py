"""Every mart has an enforced contract: names, types (every column has a
data_type) and not-null constraints on the grain; focus_charges is the union
of the FOCUS row models."""

from __future__ import annotations

import json
from pathlib import Path

from dbt_runner import DbtRun

MARTS_FOLDER = "models/marts/"
FOCUS_ROW_MODELS = {"focus_cost_and_usage", "focus_invoice_adjustments", "focus_shared_charge_allocations"}


def mart_nodes(manifest: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["original_file_path"].startswith(MARTS_FOLDER)
    }


def contract_problems(manifest_path: Path) -> list[str]:
    """Marts without an enforced contract, and contract columns without a type."""
    problems: list[str] = []
    for name, node in sorted(mart_nodes(json.loads(manifest_path.read_text())).items()):
        if not node["config"]["contract"]["enforced"]:
            problems.append(f"{name}: contract not enforced")
        for column, spec in node["columns"].items():
            if not spec.get("data_type"):
                problems.append(f"{name}.{column}: no data_type")
    return problems


def test_every_mart_has_an_enforced_typed_contract(sample_build: DbtRun) -> None:
    manifest_path = sample_build.target_dir / "manifest.json"
    marts = mart_nodes(json.loads(manifest_path.read_text()))
    assert len(marts) >= 13 and "focus_charges" in marts
    assert contract_problems(manifest_path) == []


def test_grain_columns_are_not_null_constraints(sample_build: DbtRun) -> None:
    """Not-null constraints on a table's grain; a view (focus_charges) holds no constraint, so
    `not_null` data tests there, and no constraint that would not be enforced."""
    manifest = json.loads((sample_build.target_dir / "manifest.json").read_text())
    marts = mart_nodes(manifest)

    def not_null(model: str) -> set[str]:
        node = marts[model]
        constrained = {column for column, spec in node["columns"].items()
                       if any(c["type"] == "not_null" for c in spec.get("constraints", []))}
        if node["config"]["materialized"] != "view":
            return constrained
        assert constrained == set(), f"{model} is a view: its constraints would not be enforced"
        return {test["column_name"] for test in manifest["nodes"].values()
                if test["resource_type"] == "test" and test.get("attached_node") == node["unique_id"]
                and (test.get("test_metadata") or {}).get("name") == "not_null"}

    assert {"call_id", "call_at", "chargeback_cost_center"} <= not_null("fct_llm_calls")
    assert {"billing_period_start", "cost_center", "cost_usd"} <= not_null("chargeback_by_cost_center")
    assert {"call_id", "reason"} <= not_null("unattributed_llm_spend")
    assert {"BilledCost", "x_CostCenter"} <= not_null("focus_charges")


def test_focus_charges_is_every_focus_row_model(sample_build: DbtRun) -> None:
    marts = mart_nodes(json.loads((sample_build.target_dir / "manifest.json").read_text()))
    parents = {uid.split(".")[-1] for uid in marts["focus_charges"]["depends_on"]["nodes"]}
    assert FOCUS_ROW_MODELS <= parents
    rows = sample_build.query(
        "select (select count(*) from marts.focus_charges), "
        + " + ".join(f"(select count(*) from marts.{name})" for name in sorted(FOCUS_ROW_MODELS))
        + ", (select sum(BilledCost) from marts.focus_charges), "
        + " + ".join(f"(select coalesce(sum(BilledCost), 0) from marts.{name})" for name in sorted(FOCUS_ROW_MODELS))
    )
    charges, parts, charges_cost, parts_cost = rows[0]
    assert charges == parts and charges_cost == parts_cost
