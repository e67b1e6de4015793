{#- Attribution alert: calls whose trace carried a cost center that differs
    from the policy's (charged to the policy's). -#}
{{ config(severity='warn', store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select
    call_id,
    call_at,
    tenant_id,
    trace_cost_center,
    policy_cost_center,
    cost_usd
from {{ ref('fct_llm_calls') }}
where is_cost_center_conflict
