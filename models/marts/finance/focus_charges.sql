{#- The complete FOCUS dataset to hand to a FinOps tool: the usage rows plus
    every other model of FOCUS rows (macro focus_row_models), matched by
    column name (a column one of them lacks is null in its rows), so
    BilledCost per InvoiceId sums to each invoice. A month finance has closed
    (seed closed_billing_periods) shows its rows as published
    (focus_published, frozen when the month was closed); every other month
    shows the current rows.
    A view (union_view_config; a table on Spark): its rows are those of
    tables each build already keeps current (focus_cost_and_usage rebuilt by
    UTC day, the other FOCUS row models and focus_published rebuilt every
    run), so a stored copy only cost a write of every usage row (10M spans:
    19 s of a full build, 4 s of a night, 0.5 GB) and the work of keeping it
    in step; the BI publish, which reads it twice, took about as long
    through the view (BENCHMARKS.md, stop 62) and stores it as a table in
    marts.duckdb. Its row-level tests check, on a nightly run, the rows of
    the days the run rebuilt and the rows whose charge period is their whole
    billing period (meta period_key and rebuilt_every_run: those of the
    models nothing lists the changed months of), as they did when it was
    rebuilt by day. -#}
{%- set focus_row_models = focus_row_models() -%}
{{ config(**union_view_config(
    'ChargePeriodStart', 'ChargePeriodStart = BillingPeriodStart and ChargePeriodEnd = BillingPeriodEnd'
)) }}

with

{% for model_name in focus_row_models -%}
    {{ model_name }} as (
        select * from {{ ref(model_name) }}
    ),

{% endfor -%}

closed as (
    select * from {{ ref('closed_billing_periods') }}
),

published as (
    select * from {{ ref('focus_published') }}
),

current_rows as (
    {{ union_by_column_name(focus_row_models) }}
),

-- Rows of months not closed (a row without a billing period is never in a
-- closed month).
open_rows as (
    select current_rows.*
    from current_rows
    left join closed
        on current_rows.BillingPeriodStart = closed.billing_period_start
    where closed.billing_period_start is null
),

rows_of_every_month as (
    select * from open_rows
    union all
    select
        {%- for column in (union_columns(focus_row_models) if execute else []) %}
            published.{{ column.name }}{{ "," if not loop.last }}
        {%- else %}
            published.*
        {%- endfor %}
    from published
),

final as (
    select * from rows_of_every_month
)

select * from final
