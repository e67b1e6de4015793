{#- Spend anomaly (warn): a tenant's or workflow's daily cost above var
    spend_anomaly_k times its trailing median (daily_spend_vs_baseline). -#}
{{ config(severity='warn', store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select
    entity_type,
    entity_id,
    spend_date,
    cost_usd as day_cost_usd,
    baseline_usd,
    excess_usd,
    cost_to_baseline_ratio,
    call_count,
    -- `model` is the column the digest lists top models by.
    top_model as model,  -- noqa: RF04
    top_model_cost_usd,
    top_actor_id,
    top_actor_cost_usd,
    case when entity_type = 'tenant' then entity_id end as tenant_id,
    case when entity_type = 'workflow' then entity_id end as workflow_id
from {{ ref('daily_spend_vs_baseline') }}
where is_anomaly
