"""Validate the FOCUS rows with the FinOps Foundation's focus-validator.

Reads the complete FOCUS dataset the build published (the focus_charges
mart: focus_cost_and_usage plus the invoice adjustment rows), by default
exports/focus_charges.parquet (a large one: its files by billing month and
day, combined into one file), then runs focus-validator
2.2.x offline: FOCUS 1.2 with the rules model it bundles, and FOCUS 1.3 with
the rules model in ../shared/reference/focus (--rule-set-path). Both runs use
an explicit list of applicability criteria describing this data generator.

focus-validator exits 0 even when rules fail, so this script reads its
`Total: N | Pass: P | Fail: F | Skipped: S` line and the failed rule ids, and
exits 1 on any failure that is not a known false failure of the rules model:

- 1.2: InvoiceId-C-004-C ("MUST be null") and InvoiceId-C-005-C ("MUST NOT be
  null") have no condition, so one of them always fails (FOCUS_Spec #2394);
  with both invoiced and not-yet-invoiced rows both fail.
- 1.3: CAU-CapacityReservationStatus-C-004-C loses its condition and fires on
  every row (FOCUS_Spec #2393); CAU-PricingCurrencyContractedUnitPrice-C-012-C
  has an inverted condition (fires where SkuPriceId is null). Each is
  tolerated only after checking the rule as written in prose on the data.

A composite rule (AND/OR of other rules) that fails only because tolerated
children fail is tolerated too. Anything else fails the run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_marts import DEFAULT_EXPORTS, FOCUS_CHARGES, PARTITIONS_FOLDER, PROJECT_ROOT, quote_literal  # noqa: E402

# In CI the repository is cloned with shared/ beside it; FOCUS_RULE_SET_PATH overrides.
DEFAULT_RULE_SET_PATH = Path(
    os.environ.get("FOCUS_RULE_SET_PATH", PROJECT_ROOT.parent / "shared" / "reference" / "focus")
)
DEFAULT_VALIDATOR_VENV = PROJECT_ROOT / ".venv-focus"

# What this data generator is: an LLM API gateway's token usage, priced per
# token type from public price lists (and negotiated prices), with tags.
APPLICABILITY_CRITERIA = (
    "USAGE_MEASUREMENT_SUPPORTED",  # token counts are measured (ConsumedQuantity)
    "UNIT_PRICING_SUPPORTED",  # priced per 1000000 Tokens
    "PUBLIC_PRICE_LIST_SUPPORTED",  # providers publish per-token list prices
    "NEGOTIATED_PRICING_SUPPORTED",  # contracted prices (ContractedUnitPrice)
    "TAGGING_SUPPORTED",  # tenant / cost center / workflow / actor tags
    "ACCOUNT_NAMING_SUPPORTED",  # BillingAccountName is set
)

SUMMARY_PATTERN = re.compile(r"Total:\s*(\d+)\s*\|\s*Pass:\s*(\d+)\s*\|\s*Fail:\s*(\d+)\s*\|\s*Skipped:\s*(\d+)")
FAILED_RULE_PATTERN = re.compile(r"^\S*\s*([A-Za-z0-9_-]+): FAIL\b", re.MULTILINE)

# Known false failures, per FOCUS version: rule id -> SQL counting the rows
# that break the rule as its prose states it (None: nothing to check).
KNOWN_FALSE_FAILURES: dict[str, dict[str, str | None]] = {
    "1.2": {
        "InvoiceId-C-004-C": None,
        "InvoiceId-C-005-C": None,
    },
    "1.3": {
        "CAU-CapacityReservationStatus-C-002-C": None,
        "CAU-CapacityReservationStatus-C-004-C": (
            "select count(*) from data where CapacityReservationId is not null"
            " and ChargeCategory = 'Usage' and CapacityReservationStatus is null"
        ),
        "CAU-PricingCurrencyContractedUnitPrice-C-012-C": (
            "select count(*) from data where SkuPriceId is not null and PricingCurrencyContractedUnitPrice is null"
        ),
    },
}


@dataclass
class RunResult:
    version: str
    summary: str
    total: int
    passed: int
    failed: int
    skipped: int
    failed_rules: list[str]
    tolerated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unexpected


def site_packages(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"focus-validator venv not found at {venv}: run `make focus-deps` (requirements-focus.txt)")
    out = subprocess.run(
        [str(python), "-c", "import focus_validator, os; print(os.path.dirname(os.path.dirname(focus_validator.__file__)))"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def parse_output(version: str, output: str) -> RunResult:
    match = SUMMARY_PATTERN.search(output)
    if match is None:
        raise ValueError(f"no 'Total: | Pass: | Fail: | Skipped:' line in focus-validator {version} output")
    failed_rules = sorted(set(FAILED_RULE_PATTERN.findall(output)))
    total, passed, failed, skipped = (int(g) for g in match.groups())
    return RunResult(version, match.group(0), total, passed, failed, skipped, failed_rules)


def model_children(model_file: Path) -> dict[str, list[str]]:
    """Rule id -> ids of the rules its requirement combines (CheckModelRule)."""
    rules = json.loads(model_file.read_text())["ModelRules"]
    children: dict[str, list[str]] = {}

    def walk(node: object, found: list[str]) -> None:
        if isinstance(node, dict):
            if node.get("CheckFunction") == "CheckModelRule" and "ModelRuleId" in node:
                found.append(str(node["ModelRuleId"]))
            for value in node.values():
                walk(value, found)
        elif isinstance(node, list):
            for value in node:
                walk(value, found)

    for rule_id, rule in rules.items():
        found: list[str] = []
        walk(rule.get("ValidationCriteria", {}).get("Requirement", {}), found)
        # the 1.2 console output drops the CAU- prefix the 1.3 model uses
        children[rule_id] = found
    return children


def model_file_for(version: str, rules_dir: Path) -> Path:
    candidates = sorted(rules_dir.glob(f"model-{version}*.json"))
    if not candidates:
        raise SystemExit(f"no model-{version}*.json in {rules_dir}")
    return candidates[-1]


def classify(result: RunResult, children: dict[str, list[str]], data_file: Path) -> None:
    known = KNOWN_FALSE_FAILURES.get(result.version, {})
    failed = set(result.failed_rules)
    tolerated: set[str] = set()
    con = duckdb.connect()
    try:
        con.execute(f"create view data as select * from read_parquet('{data_file}')")
        for rule_id in failed & set(known):
            prose_check = known[rule_id]
            if prose_check is None or con.execute(prose_check).fetchone()[0] == 0:
                tolerated.add(rule_id)
    finally:
        con.close()
    # composites failing only through tolerated children
    changed = True
    while changed:
        changed = False
        for rule_id in failed - tolerated:
            failed_children = [c for c in children.get(rule_id, []) if c in failed]
            if failed_children and all(c in tolerated for c in failed_children):
                tolerated.add(rule_id)
                changed = True
    result.tolerated = sorted(tolerated)
    result.unexpected = sorted(failed - tolerated)
    if result.failed != len(failed):
        # the count and the listed ids disagree: do not trust the parse
        result.unexpected.append(f"<summary says Fail: {result.failed}, {len(failed)} failed rule ids parsed>")


def run_validator(
    version: str,
    data_file: Path,
    venv: Path,
    criteria: list[str],
    rule_set_path: Path | None,
) -> RunResult:
    cwd = site_packages(venv)  # it opens focus_validator/rules/currency_codes.csv relative to the cwd
    command = [
        str(venv / "bin" / "focus-validator"),
        "--data-file",
        str(data_file),
        "--validate-version",
        version,
        "--block-download",
        "--applicability-criteria",
        ",".join(criteria),
    ]
    if rule_set_path is not None:
        command += ["--rule-set-path", str(rule_set_path)]
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise SystemExit(f"focus-validator {version} exited {completed.returncode}:\n{output[-3000:]}")
    result = parse_output(version, output)
    rules_dir = rule_set_path if rule_set_path is not None else cwd / "focus_validator" / "rules"
    classify(result, model_children(model_file_for(version, rules_dir)), data_file)
    return result


def published_focus_file(exports: Path) -> Path:
    """The published FOCUS dataset as one Parquet file: exports/focus_charges.parquet, or, for a
    dataset published by billing month and day (docs/bi.md), its day files combined into one
    file beside the exports link (focus-validator reads one file)."""
    single = (exports / f"{FOCUS_CHARGES}.parquet").resolve()
    if single.exists():
        return single
    days = exports.resolve() / PARTITIONS_FOLDER / FOCUS_CHARGES
    if not any(days.glob("*/*.parquet")):
        raise SystemExit(f"{single} not found: `dbt build` publishes it (docs/bi.md)")
    combined = exports.absolute().parent / f".{exports.name}.{FOCUS_CHARGES}.validate.parquet"
    duckdb.sql(
        f"copy (select * exclude (billing_month) from read_parquet({quote_literal(str(days / '*' / '*.parquet'))},"
        f" hive_partitioning = true)) to {quote_literal(str(combined))} (format parquet)"
    )
    return combined


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--exports", type=Path, default=DEFAULT_EXPORTS, help="published set (default: $DBT_EXPORTS_PATH or exports)"
    )
    parser.add_argument("--data-file", type=Path, help="validate this Parquet file instead of the published one")
    parser.add_argument("--versions", default="1.2,1.3", help="FOCUS versions to validate (default: 1.2,1.3)")
    parser.add_argument(
        "--rule-set-path",
        type=Path,
        default=DEFAULT_RULE_SET_PATH,
        help="folder with model-1.3.json for the offline 1.3 run (default: $FOCUS_RULE_SET_PATH or ../shared/reference/focus)",
    )
    parser.add_argument("--validator-venv", type=Path, default=DEFAULT_VALIDATOR_VENV, help="venv with focus-validator")
    parser.add_argument(
        "--applicability-criteria",
        default=",".join(APPLICABILITY_CRITERIA),
        help="comma-separated applicability criteria (default: the list describing this generator)",
    )
    args = parser.parse_args(argv)
    versions = [v.strip() for v in args.versions.split(",") if v.strip()]
    criteria = [c.strip() for c in args.applicability_criteria.split(",") if c.strip()]

    rule_set_path = args.rule_set_path.resolve()
    if any(v != "1.2" for v in versions) and not (rule_set_path / "model-1.3.json").exists():
        print(
            f"ERROR: FOCUS 1.3 rules model not found at {rule_set_path}/model-1.3.json; the repository expects "
            "the shared reference folder beside it (../shared/reference/focus) or --rule-set-path",
            file=sys.stderr,
        )
        return 2

    if args.data_file is not None:
        data_file = args.data_file.resolve()
    else:
        data_file = published_focus_file(args.exports)
    print(f"data file: {data_file}")
    print(f"applicability criteria: {','.join(criteria)}")

    ok = True
    for version in versions:
        # 1.2 uses the model bundled with the validator; later versions the offline one
        result = run_validator(
            version, data_file, args.validator_venv.resolve(), criteria, None if version == "1.2" else rule_set_path
        )
        print(f"FOCUS {version}: {result.summary}")
        if result.tolerated:
            print(f"  known false failures (tolerated): {', '.join(result.tolerated)}")
        if result.unexpected:
            print(f"  FAILED: {', '.join(result.unexpected)}")
            ok = False
    print("focus-validator: OK" if ok else "focus-validator: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
