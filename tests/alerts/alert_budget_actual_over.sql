{#- Budget alert: budgets whose month-to-date actual is above the budget.
    Severity: var budget_actual_alert_severity (error; warn for load tests
    on synthetic data). Like every alert it also depends on alert_run, so
    firing never skips a mart or the publish. -#}
{{ config(severity=var('budget_actual_alert_severity', 'error'), store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select
    billing_period_start,
    cost_center,
    workflow_id,
    budget_usd,
    actual_usd,
    actual_over_budget_usd,
    forecast_usd,
    forecast_method,
    call_count
from {{ ref('budget_vs_actual') }}
where budget_status = 'over_budget'
