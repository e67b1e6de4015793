#!/usr/bin/env python3
"""Render the chargeback report: one self-contained HTML file from the marts.

Charts are Plotly figures with plotly.js embedded inline, so the file opens
offline (mail attachment, shared drive). Reads the DuckDB warehouse read-only.
Sections: cost by cost center per month (UNATTRIBUTED visible), budget vs
actual with the forecast, allocated shared costs per cost center, spend
anomalies, unattributed share per day by reason, identity-field survival by
hop, top models, and the most expensive calls with their five answers.
"""

from __future__ import annotations

import argparse
import html
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from attribution_reasons import REASON_ORDER

DEFAULT_DB = "warehouse/llm_spend_attribution.duckdb"
UNATTRIBUTED = "UNATTRIBUTED"
UNATTRIBUTED_COLOR = "#d62728"
PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#ff7f0e"]


@dataclass
class Section:
    anchor: str
    title: str
    lead: str
    body: str


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    rel = con.sql(sql)
    columns = rel.columns
    return [dict(zip(columns, row)) for row in rel.fetchall()]


def usd(value: Decimal | float | None, places: int = 2) -> str:
    if value is None:
        return "unpriced"
    amount = Decimal(value)
    if amount != 0 and abs(amount) < Decimal("0.01"):
        return f"${amount:.6f}"
    return f"${amount:,.{places}f}"


def figure_html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 30, "b": 50}, height=420)
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False})


def cost_by_cost_center(con: duckdb.DuckDBPyConnection) -> Section:
    rows = fetch(
        con,
        "select strftime(billing_period_start, '%Y-%m') as month, cost_center, cost_usd, call_count"
        " from marts.chargeback_by_cost_center order by month, cost_center",
    )
    months = sorted({r["month"] for r in rows})
    centers = sorted({r["cost_center"] for r in rows} - {UNATTRIBUTED})
    centers.append(UNATTRIBUTED)  # last trace: drawn on top, red
    fig = go.Figure()
    for i, center in enumerate(centers):
        by_month = {r["month"]: r for r in rows if r["cost_center"] == center}
        fig.add_bar(
            name=center,
            x=months,
            y=[float(by_month[m]["cost_usd"]) if m in by_month else 0.0 for m in months],
            customdata=[by_month[m]["call_count"] if m in by_month else 0 for m in months],
            hovertemplate="%{x} " + center + "<br>$%{y:,.4f} over %{customdata} calls<extra></extra>",
            marker_color=UNATTRIBUTED_COLOR if center == UNATTRIBUTED else PALETTE[i % len(PALETTE)],
        )
    fig.update_layout(barmode="stack", xaxis_title="Billing month (UTC)", yaxis_title="Cost (USD)", xaxis_type="category")
    total = sum((r["cost_usd"] for r in rows), Decimal(0))
    unattributed = sum((r["cost_usd"] for r in rows if r["cost_center"] == UNATTRIBUTED), Decimal(0))
    share = (unattributed / total) if total else Decimal(0)
    lead = (
        f"{usd(total)} traced over {len(months)} month(s); {usd(unattributed)} ({share:.1%}) is in the "
        f"<b style='color:{UNATTRIBUTED_COLOR}'>UNATTRIBUTED</b> bucket. Each month's bars sum to its total."
    )
    return Section("cost-by-cost-center", "Cost by cost center per month", lead, figure_html(fig, "chart-cost-by-cost-center"))


def unattributed_share(con: duckdb.DuckDBPyConnection) -> Section:
    order = ", ".join(f"'{r}'" for r in REASON_ORDER)
    rows = fetch(
        con,
        f"""
        with calls as (
            select call_date, cost_usd, chargeback_cost_center, unattributed_reasons
            from marts.fct_llm_calls
        ),
        days as (
            select call_date, sum(coalesce(cost_usd, 0)) as day_cost from calls group by call_date
        ),
        first_reason as (
            select
                call_date,
                coalesce(cost_usd, 0) as cost_usd,
                coalesce(
                    list_filter(
                        [{order}],
                        lambda r: list_contains(string_split(coalesce(unattributed_reasons, ''), ';'), r)
                    )[1],
                    'other'
                ) as reason
            from calls
            where chargeback_cost_center = '{UNATTRIBUTED}'
        )
        select days.call_date, first_reason.reason, sum(first_reason.cost_usd) as cost_usd, days.day_cost
        from days
        left join first_reason on days.call_date = first_reason.call_date
        group by days.call_date, first_reason.reason, days.day_cost
        order by days.call_date
        """,
    )
    dates = sorted({r["call_date"] for r in rows})
    reasons = [r for r in REASON_ORDER if any(x["reason"] == r for x in rows)]
    reasons += sorted({x["reason"] for x in rows if x["reason"] and x["reason"] not in REASON_ORDER})
    fig = go.Figure()
    for i, reason in enumerate(reasons):
        by_day = {r["call_date"]: r for r in rows if r["reason"] == reason}
        shares = [
            float(by_day[d]["cost_usd"] / by_day[d]["day_cost"]) if d in by_day and by_day[d]["day_cost"] else 0.0
            for d in dates
        ]
        fig.add_bar(name=reason, x=dates, y=shares, marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate="%{x|%Y-%m-%d} " + reason + ": %{y:.1%}<extra></extra>")
    fig.update_layout(barmode="stack", yaxis_tickformat=".0%", xaxis_title="Day (UTC)",
                      yaxis_title="Share of the day's cost in UNATTRIBUTED")
    lead = (
        "Share of each day's cost that lands in the UNATTRIBUTED bucket, split by the call's first failed "
        "lookup (" + " &gt; ".join(REASON_ORDER[:3]) + "), so the bars add up to the day's unattributed share."
    )
    if not reasons:
        lead += " No unattributed spend in this build."
    return Section("unattributed-share", "Unattributed share over time by reason", lead, figure_html(fig, "chart-unattributed-share"))


def field_survival(con: duckdb.DuckDBPyConnection) -> Section:
    rows = fetch(
        con,
        """
        select
            identity_field,
            service_name || ' (' || span_role || ', depth ' || cast(depth as varchar) || ')' as hop,
            depth,
            sum(spans_seen) as spans_seen,
            sum(present_canonical + present_alias_only) as present,
            sum(present_alias_only) as alias_only
        from marts.field_survival_by_hop
        group by identity_field, service_name, span_role, depth
        order by depth, hop
        """,
    )
    hops: list[str] = []
    for r in rows:
        if r["hop"] not in hops:
            hops.append(r["hop"])
    fields = ["tenant_id", "cost_center", "workflow_id", "actor_id"]
    fields = [f for f in fields if any(r["identity_field"] == f for r in rows)] + sorted(
        {r["identity_field"] for r in rows} - set(fields)
    )
    cell = {(r["identity_field"], r["hop"]): r for r in rows}
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for field in fields:
        z_row: list[float | None] = []
        t_row: list[str] = []
        for hop in hops:
            r = cell.get((field, hop))
            if r is None or not r["spans_seen"]:
                z_row.append(None)
                t_row.append("")
            else:
                rate = r["present"] / r["spans_seen"]
                z_row.append(float(rate))
                t_row.append(f"{rate:.0%}" + (f" ({r['alias_only']} alias)" if r["alias_only"] else ""))
        z.append(z_row)
        text.append(t_row)
    fig = go.Figure(
        go.Heatmap(
            z=z, x=hops, y=fields, text=text, texttemplate="%{text}", zmin=0, zmax=1,
            colorscale="RdYlGn", colorbar={"title": "survival", "tickformat": ".0%"},
            hovertemplate="%{y} at %{x}: %{z:.1%}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title="Hop (service, role, depth)", yaxis_title="Identity field")
    lead = (
        "Share of spans at each hop that carry the identity field under any alias (all days). A red cell "
        "below a green one is the hop that drops the field; '(n alias)' counts spans carrying it only "
        "under a drifted key."
    )
    return Section("field-survival", "Identity-field survival by hop", lead, figure_html(fig, "chart-field-survival"))


def top_models(con: duckdb.DuckDBPyConnection, limit: int = 10) -> Section:
    rows = fetch(
        con,
        f"""
        select
            provider || ' / ' || coalesce(priced_model, response_model, request_model, '(unknown)') as model,
            sum(coalesce(cost_usd, 0)) as cost_usd,
            count(*) as calls,
            sum(input_tokens + output_tokens) as tokens,
            sum(case when pricing_status != 'priced' then 1 else 0 end) as unpriced_calls
        from marts.fct_llm_calls
        group by 1
        order by cost_usd desc, calls desc
        limit {limit}
        """,
    )
    rows = list(reversed(rows))  # largest on top of a horizontal bar chart
    fig = go.Figure(
        go.Bar(
            x=[float(r["cost_usd"]) for r in rows],
            y=[r["model"] for r in rows],
            orientation="h",
            marker_color=PALETTE[0],
            text=[f"{r['calls']} calls" + (f", {r['unpriced_calls']} unpriced" if r["unpriced_calls"] else "") for r in rows],
            textposition="auto",
            hovertemplate="%{y}: $%{x:,.4f}<br>%{text}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title="Cost (USD)", yaxis={"automargin": True})
    lead = f"The {len(rows)} most expensive models (provider / model priced). Unpriced calls add no cost and are counted in the label."
    return Section("top-models", "Top models", lead, figure_html(fig, "chart-top-models"))


def expensive_calls(con: duckdb.DuckDBPyConnection, limit: int = 20) -> Section:
    rows = fetch(
        con,
        f"""
        select
            call_id, call_at, cost_usd, tenant_id, chargeback_cost_center, cost_center_source,
            provider, coalesce(priced_model, response_model, request_model) as model,
            input_usd_per_mtok, output_usd_per_mtok, workflow_id, budget_owner, actor_id, actor_type,
            unattributed_reasons
        from marts.fct_llm_calls
        order by cost_usd desc nulls last, call_at
        limit {limit}
        """,
    )

    def cell(value: Any, missing: str = "missing") -> str:
        if value is None or value == "":
            return f"<span class='missing'>{missing}</span>"
        return html.escape(str(value))

    body_rows = []
    for r in rows:
        price = (
            f"in ${r['input_usd_per_mtok']:.3f} / out ${r['output_usd_per_mtok']:.3f} per Mtok"
            if r["input_usd_per_mtok"] is not None and r["output_usd_per_mtok"] is not None
            else "<span class='missing'>unpriced</span>"
        )
        center_class = " class='unattributed'" if r["chargeback_cost_center"] == UNATTRIBUTED else ""
        body_rows.append(
            "<tr>"
            f"<td><code>{html.escape(r['call_id'])}</code><br><small>{r['call_at']:%Y-%m-%d %H:%M:%S} UTC</small></td>"
            f"<td class='num'>{usd(r['cost_usd'], 4)}</td>"
            f"<td>{cell(r['tenant_id'])}</td>"
            f"<td{center_class}>{cell(r['chargeback_cost_center'])}"
            f"<br><small>{cell(r['cost_center_source'], 'none')}</small></td>"
            f"<td>{cell(r['provider'])} / {cell(r['model'])}<br><small>{price}</small></td>"
            f"<td>{cell(r['workflow_id'])}<br><small>{cell(r['budget_owner'], 'no budget owner')}</small></td>"
            f"<td>{cell(r['actor_id'])}<br><small>{cell(r['actor_type'])}</small></td>"
            f"<td><small>{cell(r['unattributed_reasons'], '')}</small></td>"
            "</tr>"
        )
    table = (
        "<table id='expensive-calls'><thead><tr><th>Call</th><th>Cost</th><th>Tenant</th><th>Cost center</th>"
        "<th>Model and unit price</th><th>Workflow</th><th>Actor</th><th>Reasons</th></tr></thead><tbody>"
        + "".join(body_rows)
        + "</tbody></table>"
    )
    lead = f"The {len(rows)} most expensive calls with the five answers finance asks of a charge: tenant, cost center, model and unit price, workflow, actor."
    return Section("expensive-calls", "Most expensive calls", lead, table)


def budget_vs_actual(con: duckdb.DuckDBPyConnection) -> Section:
    rows = fetch(
        con,
        "select strftime(billing_period_start, '%Y-%m') as month, cost_center, workflow_id, budget_usd, actual_usd,"
        " forecast_usd, forecast_method, as_of_date, budget_status"
        " from marts.budget_vs_actual where budget_usd is not null order by month, cost_center, workflow_id nulls first",
    )
    labels = [f"{r['month']} {r['cost_center']}" + (f" / {r['workflow_id']}" if r["workflow_id"] else "") for r in rows]
    fig = go.Figure()
    fig.add_bar(name="actual to date", x=labels, y=[float(r["actual_usd"]) for r in rows], marker_color=PALETTE[0])
    fig.add_bar(
        name="forecast (month end)", x=labels, marker_color=PALETTE[5],
        y=[float(r["forecast_usd"]) if r["forecast_usd"] is not None else 0.0 for r in rows],
        customdata=[r["forecast_method"] for r in rows],
        hovertemplate="%{x}: $%{y:,.4f} (%{customdata})<extra></extra>",
    )
    fig.add_scatter(
        name="budget", x=labels, y=[float(r["budget_usd"]) for r in rows], mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "color": UNATTRIBUTED_COLOR, "line": {"width": 3}},
    )
    fig.update_layout(barmode="group", xaxis_title="Month and cost center (/ workflow)", yaxis_title="USD")
    over = [r for r in rows if r["budget_status"] in ("over_budget", "forecast_over_budget")]
    as_of = rows[0]["as_of_date"] if rows else None
    lead = (
        f"Month-to-date actual and the end-of-month forecast (daily run rate: actual / days elapsed x days in "
        f"the month, as of {as_of}) against each budget (seed budgets). "
        + (f"<b style='color:{UNATTRIBUTED_COLOR}'>{len(over)} budget(s) over or forecast over</b>: "
           + ", ".join(html.escape(f"{r['month']} {r['cost_center']} ({r['budget_status']})") for r in over)
           if over else "Every budget is within its limit.")
    )
    return Section("budget-vs-actual", "Budget vs actual, with forecast", lead, figure_html(fig, "chart-budget-vs-actual"))


def spend_anomalies(con: duckdb.DuckDBPyConnection) -> Section:
    rows = fetch(
        con,
        "select entity_type, entity_id, spend_date, cost_usd, baseline_usd, excess_usd, top_model, top_actor_id"
        " from marts.daily_spend_vs_baseline where is_anomaly order by excess_usd desc, spend_date",
    )
    body_rows = "".join(
        "<tr>"
        f"<td>{html.escape(r['entity_type'])}</td><td>{html.escape(r['entity_id'])}</td>"
        f"<td>{r['spend_date']}</td><td class='num'>{usd(r['cost_usd'], 4)}</td>"
        f"<td class='num'>{usd(r['baseline_usd'], 4)}</td><td class='num'>{usd(r['excess_usd'], 4)}</td>"
        f"<td>{html.escape(r['top_model'] or '')}</td><td>{html.escape(r['top_actor_id'] or 'missing')}</td>"
        "</tr>"
        for r in rows
    )
    table = (
        "<table id='spend-anomalies'><thead><tr><th>Kind</th><th>Tenant / workflow</th><th>Day</th><th>Cost</th>"
        "<th>Baseline (median)</th><th>Excess</th><th>Top model</th><th>Top actor</th></tr></thead><tbody>"
        + body_rows + "</tbody></table>"
    )
    lead = (
        "Days when a tenant's or workflow's cost was above k times its median daily cost over the trailing window "
        "(vars spend_anomaly_k, spend_anomaly_window_days, spend_anomaly_min_usd; docs/finops.md). "
        + (f"{len(rows)} anomalous day(s)." if rows else "No anomaly in this build.")
    )
    return Section("spend-anomalies", "Spend anomalies", lead, table)


def shared_costs(con: duckdb.DuckDBPyConnection) -> Section:
    rows = fetch(
        con,
        "select strftime(billing_period_start, '%Y-%m') as month, cost_center, cost_usd, shared_cost_usd"
        " from marts.chargeback_by_cost_center where shared_cost_usd != 0 order by month, cost_center",
    )
    charges = fetch(
        con,
        "select charge_id, allocation_method, max(charge_amount_usd) as amount_usd,"
        " sum(case when allocation_reason = 'no_usage' then allocated_usd else 0 end) as unused_usd"
        " from intermediate.int_shared_charges__allocated group by charge_id, allocation_method order by charge_id",
    )
    months = sorted({r["month"] for r in rows})
    centers = sorted({r["cost_center"] for r in rows} - {UNATTRIBUTED})
    if any(r["cost_center"] == UNATTRIBUTED for r in rows):
        centers.append(UNATTRIBUTED)
    fig = go.Figure()
    for i, center in enumerate(centers):
        by_month = {r["month"]: r for r in rows if r["cost_center"] == center}
        fig.add_bar(
            name=center, x=months,
            y=[float(by_month[m]["shared_cost_usd"]) if m in by_month else 0.0 for m in months],
            marker_color=UNATTRIBUTED_COLOR if center == UNATTRIBUTED else PALETTE[i % len(PALETTE)],
            hovertemplate="%{x} " + center + "<br>shared $%{y:,.2f}<extra></extra>",
        )
    fig.update_layout(barmode="stack", xaxis_title="Billing month (UTC)", yaxis_title="Allocated shared cost (USD)",
                      xaxis_type="category")
    listed = "; ".join(
        html.escape(f"{c['charge_id']} {usd(c['amount_usd'])} by {c['allocation_method']}")
        + (f" (<b>{usd(c['unused_usd'])} unused</b>)" if c["unused_usd"] else "")
        for c in charges
    )
    lead = (
        "Provisioned capacity and fees (seed shared_charges) allocated to cost centers by usage, evenly or by "
        "fixed shares; each charge's parts sum exactly to it, and calls served by provisioned capacity are not "
        "billed per token again. " + (f"Charges: {listed}." if charges else "No shared charges.")
    )
    return Section("shared-costs", "Allocated shared costs per cost center", lead, figure_html(fig, "chart-shared-costs"))


def unattributed_reallocation(con: duckdb.DuckDBPyConnection) -> Section:
    rows = fetch(
        con,
        "select strftime(billing_period_start, '%Y-%m') as month, cost_center, reallocation_method,"
        " unattributed_bucket_usd, reallocated_unattributed_usd, cost_with_reallocation_usd"
        " from marts.unattributed_reallocation order by month, cost_center",
    )
    cells = "".join(
        "<tr>" + f"<td>{html.escape(r['month'])}</td><td>{html.escape(r['cost_center'])}</td>"
        f"<td>{html.escape(r['reallocation_method'])}</td><td class='num'>{usd(r['unattributed_bucket_usd'], 4)}</td>"
        f"<td class='num'>{usd(r['reallocated_unattributed_usd'], 4)}</td>"
        f"<td class='num'>{usd(r['cost_with_reallocation_usd'], 4)}</td></tr>"
        for r in rows
    )
    table = (
        "<table id='unattributed-reallocation'><thead><tr><th>Month</th><th>Cost center</th><th>Method</th>"
        "<th>UNATTRIBUTED bucket</th><th>Reallocated to it</th><th>Cost with reallocation</th></tr></thead>"
        f"<tbody>{cells}</tbody></table>"
    )
    lead = (
        "The UNATTRIBUTED bucket spread over the attributed cost centers (var reallocate_unattributed: by their "
        "cost or evenly; parts sum exactly to the bucket). The bucket itself stays in every other chart. "
        + (f"{len(rows)} row(s)." if rows else "Off in this build (reallocate_unattributed: none).")
    )
    return Section("unattributed-reallocation", "UNATTRIBUTED reallocated (optional)", lead, table)


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f2937;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;color:#cbd5e1}nav a{color:#93c5fd;margin-right:16px}
main{padding:8px 32px 32px;max-width:1400px}section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;
padding:16px 20px;margin:20px 0}h2{margin:0 0 6px;font-size:19px}.lead{margin:0 0 8px;color:#444}
.kpis{display:flex;gap:16px;flex-wrap:wrap;margin-top:16px}.kpi{background:#fff;border:1px solid #e5e7eb;
border-radius:8px;padding:12px 18px;min-width:170px}.kpi b{display:block;font-size:22px}.kpi span{color:#555}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eee;padding:6px 8px;
text-align:left;vertical-align:top}th{background:#f3f4f6}td.num{text-align:right;white-space:nowrap}
.missing{color:#b91c1c;font-style:italic}td.unattributed{color:#b91c1c;font-weight:600}small{color:#555}
footer{color:#666;font-size:12px;padding:0 32px 24px}
"""


def kpis(con: duckdb.DuckDBPyConnection) -> str:
    row = fetch(
        con,
        """
        select
            sum(coalesce(cost_usd, 0)) as cost_usd,
            count(*) as calls,
            sum(case when chargeback_cost_center = 'UNATTRIBUTED' then coalesce(cost_usd, 0) else 0 end) as unattributed,
            sum(case when pricing_status != 'priced' then 1 else 0 end) as unpriced,
            min(call_at) as first_call,
            max(call_at) as last_call
        from marts.fct_llm_calls
        """,
    )[0]
    total = row["cost_usd"] or Decimal(0)
    share = (row["unattributed"] / total) if total else Decimal(0)
    items = [
        (usd(total), "traced cost"),
        (f"{row['calls']:,}", "model calls"),
        (f"{share:.1%}", "unattributed share"),
        (f"{row['unpriced'] or 0:,}", "unpriced calls"),
    ]
    return "<div class='kpis'>" + "".join(f"<div class='kpi'><b>{v}</b><span>{k}</span></div>" for v, k in items) + "</div>"


def render(db_path: Path, title: str) -> str:
    with duckdb.connect(str(db_path), read_only=True) as con:
        summary = kpis(con)
        sections = [
            cost_by_cost_center(con),
            budget_vs_actual(con),
            shared_costs(con),
            spend_anomalies(con),
            unattributed_share(con),
            unattributed_reallocation(con),
            field_survival(con),
            top_models(con),
            expensive_calls(con),
        ]
    nav = "".join(f"<a href='#{s.anchor}'>{html.escape(s.title)}</a>" for s in sections)
    body = "".join(
        f"<section id='{s.anchor}'><h2>{html.escape(s.title)}</h2><p class='lead'>{s.lead}</p>{s.body}</section>"
        for s in sections
    )
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>Generated {generated} from {html.escape(db_path.name)}. "
        "Exact figures: marts.chargeback_by_cost_center and marts.fct_llm_calls.</p><p>"
        f"{nav}</p></header><main>{summary}{body}</main>"
        "<footer>Charts: Plotly (plotly.js embedded; works offline).</footer></body></html>"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duckdb",
        type=Path,
        default=Path(os.environ.get("DBT_DUCKDB_PATH", DEFAULT_DB)),
        help="warehouse file, opened read-only (default: $DBT_DUCKDB_PATH or " + DEFAULT_DB + ")",
    )
    parser.add_argument("--output", type=Path, default=Path("reports/chargeback.html"))
    parser.add_argument("--title", default="LLM spend chargeback")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.duckdb.exists():
        print(f"render_report: {args.duckdb} not found; run dbt build first", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(args.duckdb, args.title), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
