"""focus-validator on the sample build: FOCUS 1.2 and 1.3 pass (but for the
known false failures), and a broken column makes the check fail; so does the
project's own FOCUS Key-Value test (json_flat_object) on broken Tags."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dbt_runner import PROJECT_DIR as PROJECT_ROOT
from dbt_runner import DbtRun, run_dbt

SCRIPT = PROJECT_ROOT / "scripts" / "validate_focus.py"
sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
import validate_focus  # noqa: E402


@pytest.fixture(scope="module")
def sample_focus_parquet(sample_build: DbtRun) -> Path:
    """The FOCUS dataset (focus_charges: usage + invoice adjustments) the sample build published."""
    published = sample_build.database.parent / "exports" / "focus_charges.parquet"
    assert published.exists(), "dbt build publishes exports/focus_charges.parquet (models/publish)"
    return published


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


def test_rules_model_folder_is_present() -> None:
    # Fail loudly, never skip: CI must have ../shared beside the project.
    rule_set = validate_focus.DEFAULT_RULE_SET_PATH
    assert (rule_set / "model-1.3.json").is_file(), (
        f"FOCUS 1.3 rules model missing at {rule_set}; clone shared/ beside the project or set FOCUS_RULE_SET_PATH"
    )


def test_validator_passes_on_sample_build(sample_focus_parquet: Path) -> None:
    completed = run_script("--data-file", str(sample_focus_parquet))
    print(completed.stdout)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "FOCUS 1.2: Total: " in completed.stdout
    assert "FOCUS 1.3: Total: " in completed.stdout
    assert "focus-validator: OK" in completed.stdout


def test_broken_billing_currency_fails(sample_focus_parquet: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    # one row only: a lowercase currency code is not ISO 4217
    duckdb.sql(
        "copy (select * replace (case when row_number() over () = 1 then 'usd' else BillingCurrency end"
        f" as BillingCurrency) from read_parquet('{sample_focus_parquet}')) to '{broken}' (format parquet)"
    )
    completed = run_script("--data-file", str(broken), "--versions", "1.2")
    print(completed.stdout)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "BillingCurrency-C-003-M" in completed.stdout
    assert "focus-validator: FAILED" in completed.stdout


def test_broken_tags_fail_the_key_value_test(sample_build: DbtRun, tmp_path: Path) -> None:
    """json_flat_object on focus_cost_and_usage after four rows' Tags were broken with three
    distinct values (a nested object, twice; a duplicate key; not JSON): each bad value fails
    once (the test checks distinct values); SkuPriceDetails and AllocatedTags, untouched, pass."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_build.database, database)
    nested, duplicate = '{"a": {"b": 1}}', '{"a": 1, "a": 2}'
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update marts.focus_cost_and_usage set Tags = case when rowid < 2 then ? when rowid = 2 then ?"
            " else 'not json' end where rowid < 4",
            [nested, duplicate],
        )
    run = run_dbt(tmp_path / "work", "test", select="focus_cost_and_usage,test_name:json_flat_object",
                  database=database)
    failures = {
        result["unique_id"].split(".")[2]: result["failures"]
        for result in json.loads((run.target_dir / "run_results.json").read_text())["results"]
        if result["unique_id"].startswith("test.")
    }
    assert failures == {
        "json_flat_object_focus_cost_and_usage_Tags": 3,
        "json_flat_object_focus_cost_and_usage_SkuPriceDetails": 0,
        "json_flat_object_focus_cost_and_usage_AllocatedTags": 0,
    }, run.output[-3000:]


def test_parse_summary_and_failures() -> None:
    output = (
        "✅ A-C-001-M: PASS  (violations=0)\n"
        "❌ InvoiceId-C-004-C: FAIL  (violations=3, msg=InvoiceId MUST be NULL.)\n"
        "❌ BillingCurrency-C-003-M: FAIL  (violations=1)\n"
        "Total: 10 | Pass: 8 | Fail: 2 | Skipped: 0\n"
    )
    result = validate_focus.parse_output("1.2", output)
    assert (result.total, result.passed, result.failed, result.skipped) == (10, 8, 2, 0)
    assert result.failed_rules == ["BillingCurrency-C-003-M", "InvoiceId-C-004-C"]
    with pytest.raises(ValueError):
        validate_focus.parse_output("1.2", "no summary here")
