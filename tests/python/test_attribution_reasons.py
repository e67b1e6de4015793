"""The reason codes are written in one macro on the dbt side
(macros/attribution/attribution_reasons.sql) and mirrored for the scripts by
scripts/attribution_reasons.py: both lists, and the mart's accepted values,
must agree in order."""

from __future__ import annotations

import re

import yaml

from attribution_reasons import REASON_ORDER
from dbt_runner import PROJECT_DIR

MACRO = PROJECT_DIR / "macros" / "attribution" / "attribution_reasons.sql"


def macro_reasons() -> tuple[str, ...]:
    return tuple(re.findall(r"\{'reason': '([a-z_]+)'", MACRO.read_text()))


def test_script_list_mirrors_the_macro() -> None:
    assert macro_reasons() == REASON_ORDER


def test_unattributed_llm_spend_accepts_exactly_the_reasons() -> None:
    models = [model for path in sorted((PROJECT_DIR / "models" / "marts").rglob("_*__models.yml"))
              for model in yaml.safe_load(path.read_text()).get("models", [])]
    mart = next(model for model in models if model["name"] == "unattributed_llm_spend")
    reason = next(column for column in mart["columns"] if column["name"] == "reason")
    accepted = next(test["accepted_values"] for test in reason["data_tests"] if isinstance(test, dict) and "accepted_values" in test)
    assert tuple(accepted["arguments"]["values"]) == REASON_ORDER
