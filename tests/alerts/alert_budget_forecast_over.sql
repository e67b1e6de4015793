{#- Budget alert (warn): budgets whose end-of-month forecast (daily run rate)
    is above the budget while the actual is not yet. -#}
{{ config(severity='warn', store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select
    billing_period_start,
    cost_center,
    workflow_id,
    budget_usd,
    actual_usd,
    forecast_usd,
    forecast_method,
    forecast_over_budget_usd,
    as_of_date,
    days_elapsed,
    days_in_month
from {{ ref('budget_vs_actual') }}
where budget_status = 'forecast_over_budget'
