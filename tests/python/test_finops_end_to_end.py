"""The FinOps month end to end on generated traces (issue 21): a PTU charge on
a deployment some calls use, a budget breach and a forecast breach, an
injected spend spike, and a closed month changed by a price correction, then
reopened. Oracles are the injected calls' own numbers (tokens, shares) and a
Python re-implementation of the trailing median; focus-validator 1.3 checks
the FOCUS rows including the allocated ones.

One generated data set, one copy of the project (seeds edited in the copy),
three builds into the same DuckDB file (the closed month's published numbers
live there)."""

from __future__ import annotations

import csv
import json
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from _dbt_builds import _span
from dbt_runner import PROJECT_DIR, DbtRun, run_dbt
from focus_helpers import copy_project

SCRIPTS = PROJECT_DIR / "scripts"
AS_OF = "2026-05-10"
# An Azure deployment alias of Azure's own o3 price rows (llm_model_aliases). Not prod-gpt4o-mini-eastus: that
# alias is priced at OpenAI's gpt-4o-mini row, and focus_cost_and_usage then gives that SkuPriceId two SkuIds
# (azure.ai.openai/... and openai/...), which focus-validator rejects (SkuPriceId-C-008-M) - a separate issue.
PTU_DEPLOYMENT = "reasoning-o3-swedencentral"
PTU_AMOUNT = Decimal("100.00")
# (tenant, cost center, input tokens, output tokens) of the calls the PTU serves.
PTU_CALLS = [("t_acme", "cc_acme_invoice_ops", 6000, 1000)] * 3 + [("t_initech", "cc_research", 2000, 1000)]
SPIKE = {"tenant": "t_stark", "workflow": "wf_research_agent", "actor": "u_spiker", "day": "2026-05-20",
         "model": "gpt-4o-mini", "input_tokens": 20_000_000}
PROBE_WORKFLOW = "wf_finops_probe"  # only the injected probe calls use it: a budget we can reason about
PROBE_INPUT_TOKENS = 10_000_000  # x 2 calls on 05-02 and 05-03


def _call(n: int, at: str, identity: dict[str, str], system: str, model: str, tokens: tuple[int, int]) -> list[str]:
    trace = f"f1{n:030x}"
    root, call = f"f1{2 * n:014x}", f"f1{2 * n + 1:014x}"
    return [
        _span(trace, root, None, "POST /v1/chat", at, "edge", **identity),
        _span(trace, call, root, f"chat {model}", at, "model-client", **{
            "gen_ai.operation.name": "chat", "gen_ai.system": system, "gen_ai.request.model": model,
            "gen_ai.response.model": model, "gen_ai.usage.input_tokens": tokens[0],
            "gen_ai.usage.output_tokens": tokens[1]}, **identity),
    ]


def _injected_spans() -> list[str]:
    lines: list[str] = []
    for n, (tenant, _, tokens_in, tokens_out) in enumerate(PTU_CALLS, start=1):
        identity = {"tenant_id": tenant, "workflow_id": "wf_invoice_extract", "actor_id": "svc_ptu"}
        lines += _call(n, f"2026-05-{10 + n:02d}T09:00:00Z", identity, "az.ai.openai", PTU_DEPLOYMENT,
                       (tokens_in, tokens_out))
    spike = {"tenant_id": SPIKE["tenant"], "workflow_id": SPIKE["workflow"], "actor_id": SPIKE["actor"]}
    lines += _call(20, f"{SPIKE['day']}T13:00:00Z", spike, "openai", SPIKE["model"], (SPIKE["input_tokens"], 10))
    probe = {"tenant_id": "t_acme", "workflow_id": PROBE_WORKFLOW, "actor_id": "svc_probe"}
    for n, day in ((30, "02"), (31, "03")):
        lines += _call(n, f"2026-05-{day}T08:00:00Z", probe, "openai", "gpt-4o-mini", (PROBE_INPUT_TOKENS, 0))
    # the generated traces are clean: one call of an unmapped tenant fills May's UNATTRIBUTED bucket
    orphan = {"tenant_id": "t_unmapped_finops", "workflow_id": "wf_invoice_extract", "actor_id": "u_orphan"}
    lines += _call(40, "2026-05-06T08:00:00Z", orphan, "openai", "gpt-4o-mini", (100_000, 0))
    return lines


# Every column of May's rows in the FOCUS dataset BI reads, in a stable order.
MAY_FOCUS_ROWS = "select * from marts.focus_charges where BillingPeriodStart = '2026-05-01' order by all"
CURRENT_MAY_FOCUS_ROWS = (
    "select * from (select * from marts.focus_cost_and_usage"
    " union all by name select * from marts.focus_invoice_adjustments"
    " union all by name select * from marts.focus_shared_charge_allocations)"
    " where BillingPeriodStart = '2026-05-01'"
)


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _query(run: DbtRun, sql: str) -> list[tuple]:
    with duckdb.connect(str(run.database), read_only=True) as con:
        return con.sql(sql).fetchall()


def _results(run: DbtRun) -> dict[str, str]:
    data = json.loads((run.target_dir / "run_results.json").read_text())
    return {r["unique_id"].split(".")[-1] if r["unique_id"].startswith("test.") and "alert" in r["unique_id"]
            else r["unique_id"]: r["status"] for r in data["results"]}


# The corrected and reopened builds are read for their marts and one alert: every
# node but the other data tests, which the first build runs (~320, a third of a build).
RESTATEMENT_BUILD = ("--select", "resource_type:seed resource_type:model resource_type:exposure alert_chargeback_restated",
                     "--indirect-selection", "empty")


@pytest.fixture(scope="module")
def finops(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("finops_e2e")
    traces = tmp / "traces"
    subprocess.run(
        [sys.executable, str(SCRIPTS / "generate_traces.py"), "--calls", "300", "--days", "31",
         "--start", "2026-05-01", "--seed", "21", "--clean", "--layout", "flat", "--out", str(traces)],
        check=True, capture_output=True,
    )
    (traces / "injected-finops.jsonl").write_text("\n".join(_injected_spans()) + "\n")

    project = copy_project(tmp / "project")
    seeds = project / "seeds"
    _write_csv(seeds / "finops" / "shared_charges.csv",
               ["charge_id", "provider", "description", "billing_period_start", "billing_period_end",
                "amount_usd", "allocation_method", "deployment", "billing_account_id"],
               [["ptu_may", "azure.ai.openai", "Azure OpenAI PTU reservation", "2026-05-01 00:00:00",
                 "2026-06-01 00:00:00", str(PTU_AMOUNT), "usage", PTU_DEPLOYMENT, "azure-ea-001"]])
    _write_csv(seeds / "finops" / "allocation_shares.csv", ["charge_id", "cost_center", "share"], [])
    _write_csv(seeds / "finops" / "budgets.csv", ["cost_center", "billing_period_start", "budget_usd", "workflow_id", "note"],
               [["cc_acme_invoice_ops", "2026-05-01 00:00:00", "0.01", "", "breached"],
                ["cc_acme_invoice_ops", "2026-05-01 00:00:00", "5.00", PROBE_WORKFLOW, "forecast breach"]])
    _write_csv(seeds / "finops" / "closed_billing_periods.csv", ["billing_period_start", "closed_at"],
               [["2026-05-01 00:00:00", "2026-06-05 17:00:00"]])

    glob = str(traces / "*.jsonl")
    work = tmp / "dbt"
    database = tmp / "finops.duckdb"
    variables = {"budget_as_of_date": AS_OF}

    def build(name: str, *extra_args: str) -> DbtRun:
        run = run_dbt(work / name, traces_glob=glob, project_dir=project, database=database, extra_vars=variables,
                      extra_args=list(extra_args))
        assert run.returncode in (0, 1) and (run.target_dir / "run_results.json").exists(), run.output[-5000:]
        return run

    first = build("first")
    # later builds write the same file (the published month lives there): keep the first build's state
    shutil.copy(database, tmp / "first.duckdb")
    first = DbtRun(first.returncode, first.output, tmp / "first.duckdb", first.target_dir)
    chargeback_first = _query(first, "select cost_center, total_cost_usd from marts.chargeback_by_cost_center"
                                     " where billing_period_start = '2026-05-01'")
    # the price correction: 50% off every OpenAI call from May on
    with (seeds / "pricing" / "negotiated_prices.csv").open("a") as handle:
        handle.write("openai-correction-2026-05,openai,,,,50,,2026-05-01 00:00:00,,Price correction\n")
    corrected = build("corrected", *RESTATEMENT_BUILD)
    shutil.copy(database, tmp / "corrected.duckdb")  # the reopened build rewrites the file
    corrected = DbtRun(corrected.returncode, corrected.output, tmp / "corrected.duckdb", corrected.target_dir)
    chargeback_corrected = _query(corrected, "select cost_center, total_cost_usd from marts.chargeback_by_cost_center"
                                             " where billing_period_start = '2026-05-01'")
    restatements = _query(corrected, "select cost_center, published_cost_usd, current_cost_usd, delta_usd"
                                     " from marts.chargeback_restatements")
    published = _query(corrected, "select cost_center, published_cost_usd from marts.chargeback_published")
    focus_corrected = _query(corrected, MAY_FOCUS_ROWS)
    _write_csv(seeds / "finops" / "closed_billing_periods.csv", ["billing_period_start", "closed_at"], [])
    # reopened with the UNATTRIBUTED bucket reallocated by attributed cost: no other mart may change
    variables["reallocate_unattributed"] = "usage"
    reopened = build("reopened", *RESTATEMENT_BUILD)
    return {"first": first, "corrected": corrected, "reopened": reopened, "tmp": tmp,
            "chargeback_first": dict(chargeback_first), "chargeback_corrected": dict(chargeback_corrected),
            "restatements": restatements, "published": dict(published),
            "focus_first": _query(first, MAY_FOCUS_ROWS), "focus_corrected": focus_corrected}


def test_only_the_expected_error_alerts_fail(finops: dict) -> None:
    first = finops["first"]
    assert first.returncode == 1, first.output[-3000:]  # the budget breach is an error alert
    statuses = _results(first)
    failed = {k for k, v in statuses.items() if v in ("fail", "error")}
    assert failed == {"alert_budget_actual_over"}, failed
    assert statuses["alert_budget_forecast_over"] == "warn"
    assert statuses["alert_spend_anomaly"] == "warn"
    skipped = [k for k, v in statuses.items() if v == "skipped"]
    assert skipped == []  # error alerts never stop a mart from building


def test_budget_breach_and_forecast(finops: dict) -> None:
    rows = _query(finops["first"], "select workflow_id, budget_usd, actual_usd, forecast_usd, forecast_method,"
                                   " days_elapsed, budget_status from marts.budget_vs_actual"
                                   " where cost_center = 'cc_acme_invoice_ops'"
                                   " and billing_period_start = '2026-05-01' order by workflow_id nulls first")
    (_, budget, actual, forecast, method, elapsed, status), probe = rows
    assert (budget, method, elapsed, status) == (Decimal("0.01"), "daily_run_rate", 10, "over_budget")
    assert forecast == round(actual * 31 / 10, 6)
    _, probe_budget, probe_actual, probe_forecast, _, _, probe_status = probe
    # the two probe calls (10M input tokens of gpt-4o-mini each) are all of the workflow's spend to 05-10
    price = _query(finops["first"], "select max(input_usd_per_mtok) from marts.fct_llm_calls"
                                    f" where workflow_id = '{PROBE_WORKFLOW}'")[0][0]
    assert probe_actual == 2 * 10 * price
    assert probe_forecast == round(probe_actual * 31 / 10, 6)
    assert probe_actual <= probe_budget < probe_forecast and probe_status == "forecast_over_budget"


def test_spike_is_an_anomaly_against_the_trailing_median(finops: dict) -> None:
    first = finops["first"]
    daily = defaultdict(Decimal)
    for day, cost in _query(first, "select call_date, sum(coalesce(cost_usd, 0)) from marts.fct_llm_calls"
                                   f" where tenant_id = '{SPIKE['tenant']}' group by call_date"):
        daily[day] += cost
    spike_day = date.fromisoformat(SPIKE["day"])
    first_day = min(daily)
    window = [daily.get(spike_day - timedelta(days=k), Decimal(0))
              for k in range(1, 15) if spike_day - timedelta(days=k) >= first_day]
    baseline = statistics.median(window)  # the oracle: Python's median of the 14 days before, idle days $0
    rows = _query(first, "select day_cost_usd, baseline_usd, excess_usd, model, top_actor_id"
                         " from dbt_test__audit.alert_spend_anomaly"
                         f" where entity_type = 'tenant' and entity_id = '{SPIKE['tenant']}'"
                         f" and spend_date = '{SPIKE['day']}'")
    assert len(rows) == 1, rows
    cost, got_baseline, excess, model, actor = rows[0]
    assert cost == daily[spike_day]
    assert got_baseline == baseline and excess == cost - baseline
    assert (model, actor) == (SPIKE["model"], SPIKE["actor"])
    workflows = _query(first, "select count(*) from dbt_test__audit.alert_spend_anomaly"
                              f" where entity_id = '{SPIKE['workflow']}' and spend_date = '{SPIKE['day']}'")
    assert workflows == [(1,)]


def test_ptu_calls_not_billed_per_token_and_charge_split_by_tokens(finops: dict) -> None:
    first = finops["first"]
    calls = _query(first, "select is_provisioned, cost_usd, token_cost_usd, input_tokens + output_tokens"
                          f" from marts.fct_llm_calls where request_model = '{PTU_DEPLOYMENT}'")
    assert len(calls) == len(PTU_CALLS)
    assert all(provisioned and cost == 0 and token_cost is not None and token_cost > 0
               for provisioned, cost, token_cost, _ in calls)
    assert _query(first, "select count(*) from marts.fct_llm_calls where is_provisioned") == [(len(PTU_CALLS),)]
    # oracle: the injected tokens, split in cents by largest remainder
    tokens: dict[str, int] = defaultdict(int)
    for _, cost_center, tokens_in, tokens_out in PTU_CALLS:
        tokens[cost_center] += tokens_in + tokens_out
    total = sum(tokens.values())
    want = {cc: (PTU_AMOUNT * n / total).quantize(Decimal("0.01")) for cc, n in tokens.items()}
    assert sum(want.values()) == PTU_AMOUNT  # 87.50 + 12.50: no leftover cent to place here
    focus = _query(first, "select x_CostCenter, BilledCost, AllocatedResourceId, AllocatedMethodId,"
                          " AllocatedMethodDetails from marts.focus_shared_charge_allocations")
    assert {row[0]: row[1] for row in focus} == want
    assert {row[2] for row in focus} == set(want) and {row[3] for row in focus} == {
        "llm-spend-attribution:usage-tokens"}
    ratios = [Decimal(str(json.loads(row[4])["Elements"][0]["AllocatedRatio"])) for row in focus]
    assert sum(ratios) == 1
    shared = dict(_query(first, "select cost_center, shared_cost_usd from marts.chargeback_by_cost_center"
                                " where billing_period_start = '2026-05-01' and shared_cost_usd != 0"))
    assert shared == want


def test_closed_month_restated_by_the_price_correction_then_reopened(finops: dict) -> None:
    first, corrected, reopened = finops["first"], finops["corrected"], finops["reopened"]
    assert _query(first, "select count(*) from marts.chargeback_restatements") == [(0,)]
    assert finops["published"] == finops["chargeback_first"]  # frozen at the first build, not the corrected one
    before, after = finops["chargeback_first"], finops["chargeback_corrected"]
    want = {cc: (before.get(cc, Decimal(0)), after.get(cc, Decimal(0)))
            for cc in set(before) | set(after) if before.get(cc, Decimal(0)) != after.get(cc, Decimal(0))}
    got = {cc: (pub, cur) for cc, pub, cur, delta in finops["restatements"] if delta == cur - pub}
    assert want and got == want  # OpenAI calls got cheaper in every cost center that had them
    assert _results(corrected)["alert_chargeback_restated"] == "fail"
    assert _query(reopened, "select count(*) from marts.chargeback_published") == [(0,)]
    assert _query(reopened, "select count(*) from marts.chargeback_restatements") == [(0,)]
    assert _results(reopened)["alert_chargeback_restated"] == "pass"


def test_closed_month_focus_rows_stay_as_published_then_reopened(finops: dict) -> None:
    first, corrected, reopened = finops["first"], finops["corrected"], finops["reopened"]
    assert finops["focus_first"] and _query(first, f"select count(*) from ({CURRENT_MAY_FOCUS_ROWS})") == [
        (len(finops["focus_first"]),)]
    # the correction changed May's current FOCUS rows (not their total: May's invoice adjustments absorb it) ...
    assert _query(corrected, CURRENT_MAY_FOCUS_ROWS + " order by all") != finops["focus_first"]
    # ... but BI's FOCUS rows of the closed month are the ones published at the first build, column for column
    assert finops["focus_corrected"] == finops["focus_first"]
    # and they carry the published chargeback: BilledCost per cost center (calls + allocated shared charges)
    frozen = dict(_query(corrected, "select x_CostCenter, sum(BilledCost) from marts.focus_charges"
                                    " where BillingPeriodStart = '2026-05-01' and ChargeCategory != 'Adjustment'"
                                    " group by x_CostCenter"))
    assert frozen == finops["published"] == finops["chargeback_first"]
    # reopening restates them: BI reads the current rows again
    reopened_rows = _query(reopened, MAY_FOCUS_ROWS)
    assert reopened_rows != finops["focus_first"]
    assert reopened_rows == _query(reopened, CURRENT_MAY_FOCUS_ROWS + " order by all")
    assert _query(reopened, "select count(*) from marts.focus_published") == [(0,)]


def test_unattributed_bucket_reallocated_by_attributed_cost_with_the_var_on(finops: dict) -> None:
    corrected, reopened = finops["corrected"], finops["reopened"]  # same data; var off, then on
    assert _query(corrected, "select count(*) from marts.unattributed_reallocation") == [(0,)]
    # the raw bucket is never hidden nor reduced: the chargeback and unattributed_llm_spend are unchanged
    # (the current FOCUS rows: focus_charges differs by May's reopening)
    for mart in ("chargeback_by_cost_center", "unattributed_llm_spend", "focus_cost_and_usage",
                 "focus_shared_charge_allocations", "focus_invoice_adjustments"):
        every_row = f"select * from marts.{mart} order by all"
        assert _query(reopened, every_row) == _query(corrected, every_row), mart
    chargeback = _query(reopened, "select cost_center, total_cost_usd from marts.chargeback_by_cost_center"
                                  " where billing_period_start = '2026-05-01'")
    bucket = dict(chargeback)["UNATTRIBUTED"]
    assert bucket > 0
    # oracle: the bucket in 1e-15 units split by attributed cost in micro-dollars, largest remainder
    weights = {cc: int((cost * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
               for cc, cost in chargeback if cc != "UNATTRIBUTED"}
    units, total_weight = int(bucket * 10**15), sum(weights.values())
    floors = {cc: units * w // total_weight for cc, w in weights.items()}
    order = sorted(weights, key=lambda cc: (-(units * weights[cc] % total_weight), cc))
    want = {cc: Decimal(floors[cc] + (1 if order.index(cc) < units - sum(floors.values()) else 0)) / 10**15
            for cc in weights}
    rows = _query(reopened, "select cost_center, reallocated_unattributed_usd, attributed_cost_usd,"
                            " cost_with_reallocation_usd, unattributed_bucket_usd, reallocation_method"
                            " from marts.unattributed_reallocation where billing_period_start = '2026-05-01'")
    assert {cc: part for cc, part, *_ in rows} == want
    assert sum(part for _, part, *_ in rows) == bucket
    assert all(with_part == attributed + part and whole == bucket and method == "usage"
               for _, part, attributed, with_part, whole, method in rows)


def test_digest_has_the_budget_money(finops: dict) -> None:
    first = finops["first"]
    proc = subprocess.run(
        [sys.executable, str(SCRIPTS / "attribution_alerts.py"), "--target", str(first.target_dir),
         "--duckdb", str(first.database), "--format", "json"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2, proc.stderr
    alerts = {a["name"]: a for a in json.loads(proc.stdout)["alerts"]}
    over = _query(first, "select sum(actual_over_budget_usd) from marts.budget_vs_actual")[0][0]
    assert Decimal(alerts["alert_budget_actual_over"]["cost_usd"]) == over
    assert alerts["alert_budget_forecast_over"]["severity"] == "warn"


def test_focus_validator_passes_with_allocated_rows(finops: dict) -> None:
    first, tmp = finops["first"], finops["tmp"]
    data_file = tmp / "focus_with_allocations.parquet"
    with duckdb.connect(str(first.database), read_only=True) as con:
        con.sql(
            "copy (select * from marts.focus_cost_and_usage"
            " union all by name select * from marts.focus_invoice_adjustments"
            " union all by name select * from marts.focus_shared_charge_allocations)"
            f" to '{data_file}' (format parquet)"
        )
        assert con.sql(f"select count(*) from '{data_file}' where AllocatedMethodId is not null").fetchall()[0][0] == 2
    proc = subprocess.run([sys.executable, str(SCRIPTS / "validate_focus.py"), "--data-file", str(data_file)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FOCUS 1.3: Total: " in proc.stdout and "focus-validator: OK" in proc.stdout
