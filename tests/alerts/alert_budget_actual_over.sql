{#- Budget alert: budgets whose month-to-date actual is above the budget.
    Severity: var budget_actual_alert_severity (error; warn for load tests
    on synthetic data). It reads only budget_vs_actual (a leaf), so firing
    never skips a mart. -#}
{{ config(severity=var('budget_actual_alert_severity', 'error'), store_failures=true) }}

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
