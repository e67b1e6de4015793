{#- Budget against month-to-date actual and an end-of-month forecast, per
    billing period (UTC month) and cost center, plus one row per workflow
    budget. "Today" is var budget_as_of_date, else the day of the latest call.
    Forecast (forecast_method daily_run_rate): actual to date / days elapsed
    x days in the month, days elapsed counting the as-of day as a whole day;
    a month that is over forecasts its actual (month_complete), one not
    started forecasts nothing (not_started). Cost centers with spend and no
    budget are listed too (budget_status no_budget). Reads fct_llm_calls, not
    the chargeback, so an error alert on the chargeback never skips it. -#}
{%- set as_of_literal = "cast('" ~ var('budget_as_of_date') ~ "' as date)"
    if var('budget_as_of_date', none) else 'cast(null as date)' %}
with

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

budgets as (
    select * from {{ ref('budgets') }}
),

as_of as (
    -- One row even without calls; the var, when set, wins over the data.
    select cast(coalesce({{ as_of_literal }}, max(call_date)) as date) as as_of_date
    from calls
),

calls_to_date as (
    select calls.*
    from calls
    cross join as_of
    where calls.call_date <= as_of.as_of_date
),

cost_center_actuals as (
    select
        billing_period_start,
        chargeback_cost_center as cost_center,
        sum(coalesce(cost_usd, 0)) as actual_usd,
        count(*) as call_count
    from calls_to_date
    group by billing_period_start, chargeback_cost_center
),

workflow_actuals as (
    select
        billing_period_start,
        chargeback_cost_center as cost_center,
        workflow_id,
        sum(coalesce(cost_usd, 0)) as actual_usd,
        count(*) as call_count
    from calls_to_date
    where workflow_id is not null
    group by billing_period_start, chargeback_cost_center, workflow_id
),

-- Every budget, and every cost center that spent in a month it had no budget for.
scopes as (
    select
        billing_period_start,
        cost_center,
        workflow_id,
        budget_usd
    from budgets
    union all
    select
        actuals.billing_period_start,
        actuals.cost_center,
        cast(null as {{ dbt.type_string() }}) as workflow_id,
        cast(null as decimal(18, 2)) as budget_usd
    from cost_center_actuals as actuals
    left join budgets
        on
            actuals.billing_period_start = budgets.billing_period_start
            and actuals.cost_center = budgets.cost_center
            and budgets.workflow_id is null
    where budgets.cost_center is null
),

scoped_actuals as (
    select
        scopes.billing_period_start,
        scopes.cost_center,
        scopes.workflow_id,
        scopes.budget_usd,
        coalesce(cost_center_actuals.actual_usd, workflow_actuals.actual_usd, 0) as actual_usd,
        coalesce(cost_center_actuals.call_count, workflow_actuals.call_count, 0) as call_count
    from scopes
    left join cost_center_actuals
        on
            scopes.workflow_id is null
            and scopes.billing_period_start = cost_center_actuals.billing_period_start
            and scopes.cost_center = cost_center_actuals.cost_center
    left join workflow_actuals
        on
            scopes.billing_period_start = workflow_actuals.billing_period_start
            and scopes.cost_center = workflow_actuals.cost_center
            and scopes.workflow_id = workflow_actuals.workflow_id
),

calendar as (
    select
        scoped_actuals.*,
        as_of.as_of_date,
        {{ dbt.dateadd('month', 1, 'scoped_actuals.billing_period_start') }} as billing_period_end,
        {{ dbt.datediff(
            'scoped_actuals.billing_period_start',
            dbt.dateadd('month', 1, 'scoped_actuals.billing_period_start'),
            'day'
        ) }} as days_in_month,
        {{ dbt.datediff(
            'scoped_actuals.billing_period_start',
            'cast(as_of.as_of_date as ' ~ dbt.type_timestamp() ~ ')',
            'day'
        ) }} + 1 as days_since_start
    from scoped_actuals
    cross join as_of
),

elapsed as (
    select
        *,
        case
            when days_since_start < 1 then 0
            when days_since_start > days_in_month then days_in_month
            else days_since_start
        end as days_elapsed
    from calendar
),

forecasts as (
    select
        *,
        case
            when days_elapsed = 0 then 'not_started'
            when days_elapsed = days_in_month then 'month_complete'
            else 'daily_run_rate'
        end as forecast_method,
        case
            when days_elapsed = 0 then null
            when days_elapsed = days_in_month then actual_usd
            -- DECIMAL division is DOUBLE on some engines: divide as a double
            -- and round to a millionth of a dollar, once, at the end.
            else cast(
                round(cast(actual_usd as double) * days_in_month / days_elapsed, 6)
                as {{ money_type() }}
            )
        end as forecast_amount
    from elapsed
),

final as (
    select
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(billing_period_end as {{ dbt.type_timestamp() }}) as billing_period_end,
        cast(cost_center as {{ dbt.type_string() }}) as cost_center,
        cast(workflow_id as {{ dbt.type_string() }}) as workflow_id,
        cast(case when workflow_id is null then 'cost_center' else 'workflow' end as {{ dbt.type_string() }})
            as budget_scope,
        cast(budget_usd as {{ money_type() }}) as budget_usd,
        cast(actual_usd as {{ money_type() }}) as actual_usd,
        cast(call_count as {{ dbt.type_bigint() }}) as call_count,
        cast(forecast_amount as {{ money_type() }}) as forecast_usd,
        cast(forecast_method as {{ dbt.type_string() }}) as forecast_method,
        cast(as_of_date as date) as as_of_date,
        cast(days_in_month as {{ dbt.type_int() }}) as days_in_month,
        cast(days_elapsed as {{ dbt.type_int() }}) as days_elapsed,
        cast(budget_usd - actual_usd as {{ money_type() }}) as budget_remaining_usd,
        cast(
            case when budget_usd > 0 then cast(actual_usd as double) / cast(budget_usd as double) end
            as double
        ) as budget_used_share,
        cast(case when actual_usd > budget_usd then actual_usd - budget_usd else 0 end as {{ money_type() }})
            as actual_over_budget_usd,
        cast(
            case when forecast_amount > budget_usd then forecast_amount - budget_usd else 0 end
            as {{ money_type() }}
        ) as forecast_over_budget_usd,
        cast(
            case
                when budget_usd is null then 'no_budget'
                when actual_usd > budget_usd then 'over_budget'
                when forecast_amount > budget_usd then 'forecast_over_budget'
                else 'within_budget'
            end as {{ dbt.type_string() }}
        ) as budget_status
    from forecasts
)

select * from final
