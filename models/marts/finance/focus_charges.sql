{#- The complete FOCUS dataset to hand to a FinOps tool: the usage rows plus
    every other model of FOCUS rows (macro focus_row_models), matched by
    column name (a column one of them lacks is null in its rows), so
    BilledCost per InvoiceId sums to each invoice. A month finance has closed
    (seed closed_billing_periods) shows its rows as published
    (focus_published, frozen when the month was closed); every other month
    shows the current rows.
    Rebuilt by UTC charge day on nightly runs (period_rebuild_config, as
    focus_cost_and_usage): the rows of the days rebuilt this run, and every
    row whose charge period is its whole billing period (rebuilt_every_run):
    the rows of every FOCUS row model but focus_cost_and_usage are (tested
    on each), and nothing lists the months those changed in, so they are
    replaced on every run. A usage row is one charge period long (a day),
    so the usage rows of a month's first day are rebuilt with their day
    only, not every night for every month of history.
    A closed month's rows come from focus_published, which changes only
    when seed closed_billing_periods does; that seed is in the nightly
    fingerprint (this model refs it), so a change rebuilds every day. -#}
{%- set focus_row_models = focus_row_models() -%}
{%- set rebuilt_every_run = 'ChargePeriodStart = BillingPeriodStart and ChargePeriodEnd = BillingPeriodEnd' -%}
{{ config(**period_rebuild_config('ChargePeriodStart', rebuilt_every_run)) }}

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
    where {{ in_rebuilt_periods('ChargePeriodStart', rebuilt_every_run) }}
)

select * from final
