"""Publish the marts for BI tools at the end of `dbt build` (docs/bi.md).

Every model of the project is a parent (the refs below), so dbt runs this
last, and only when every model and every error-severity test upstream of
it passed: a failed model, reconciliation, grain or contract test skips it
and nothing is published. Alerts (tests/alerts/) also depend on the leaf
model alert_run, so a fired alert does not hold it back.
It calls scripts/export_marts.py's publish() on the build's own connection:
a new release folder (Parquet, CSV, marts.duckdb in DuckDB 1.4 storage),
then one rename(2) of the `exports` symlink. Under `dbt run` (no tests) it
publishes nothing (`dbt retry` of a build does). The table it leaves is
one row naming the release.
"""

import importlib.util
import sys
from pathlib import Path


def project_folder():
    """The dbt project's folder: --project-dir, which need not be where dbt was started."""
    from dbt.flags import get_flags

    return Path(getattr(get_flags(), "PROJECT_DIR", None) or Path.cwd()).resolve()


def load_export_marts():
    """scripts/export_marts.py of this project."""
    path = project_folder() / "scripts" / "export_marts.py"
    spec = importlib.util.spec_from_file_location("export_marts", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["export_marts"] = module
    spec.loader.exec_module(module)
    return module


def dbt_command_and_invocation():
    """The running dbt command (build, run, ...) and its invocation id."""
    from dbt.flags import get_flags
    from dbt_common.invocation import get_invocation_id

    return str(getattr(get_flags(), "WHICH", "")), get_invocation_id()


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("alias_usage_by_hop")
    dbt.ref("budget_vs_actual")
    dbt.ref("chargeback_by_cost_center")
    dbt.ref("chargeback_published")
    dbt.ref("chargeback_restatements")
    dbt.ref("daily_spend_vs_baseline")
    dbt.ref("fct_llm_calls")
    dbt.ref("field_loss_points")
    dbt.ref("field_survival_by_hop")
    dbt.ref("focus_charges")
    dbt.ref("focus_cost_and_usage")
    dbt.ref("focus_invoice_adjustments")
    dbt.ref("focus_published")
    dbt.ref("identity_conflicts")
    dbt.ref("invoice_reconciliation")
    dbt.ref("invoice_reconciliation_by_cost_center")
    # Read by an alert only (alert_unmapped_attribute_keys): a parent so that the publish waits for it.
    dbt.ref("int_spans__attribute_key_usage")
    dbt.ref("metricflow_time_spine")
    dbt.ref("quarantined_spans")
    dbt.ref("unattributed_llm_spend")
    dbt.ref("unattributed_reallocation")
    # Relative to the project folder (as documented), wherever dbt was started.
    exports_path = project_folder() / dbt.config.get("exports_path")
    max_cell_chars = dbt.config.get("max_cell_chars")
    keep_releases = dbt.config.get("keep_releases")
    partition_min_rows = dbt.config.get("partition_min_rows")

    export_marts = load_export_marts()
    command, invocation_id = dbt_command_and_invocation()
    # `dbt retry` re-runs a failed build's failed and skipped nodes, tests included.
    if command not in ("build", "retry"):
        status, release_id, release_path = f"not published: dbt {command} runs no tests", None, None
    else:
        release = export_marts.publish(
            session,
            Path(exports_path),
            invocation_id,
            max_chars=int(max_cell_chars),
            keep=int(keep_releases),
            partition_min_rows=int(partition_min_rows),
        )
        status, release_id, release_path = "published", release.release_id, str(release.path)
    quote = export_marts.quote_literal
    return session.sql(
        "select "
        + ", ".join(
            [
                f"{quote(invocation_id)} as invocation_id",
                f"{quote(status)} as status",
                f"cast({quote(release_id) if release_id else 'null'} as varchar) as release_id",
                f"cast({quote(release_path) if release_path else 'null'} as varchar) as release_path",
                f"{quote(str(Path(exports_path)))} as exports_path",
                "current_timestamp::timestamp as finished_at",
            ]
        )
    )
