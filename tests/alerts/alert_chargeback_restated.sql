{#- Restatement alert: a closed month's chargeback differs from what was
    published (chargeback_restatements). Severity: var
    restatement_alert_severity (error by default; it reads only the leaf
    mart chargeback_restatements, so no mart is skipped). -#}
{{ config(severity=var('restatement_alert_severity', 'error'), store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select
    billing_period_start,
    cost_center,
    published_cost_usd,
    current_cost_usd,
    delta_usd,
    abs(delta_usd) as restated_usd,
    published_call_count,
    current_call_count,
    closed_at,
    published_at
from {{ ref('chargeback_restatements') }}
