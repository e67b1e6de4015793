{#- Attribution alert: model-call hops where the share of spans carrying an
    identity field themselves is below var min_model_call_survival_rate, per
    field (var survival_alert_fields) and day, naming the hop and the first hop that lost the field. -#}
{{ config(severity='warn', store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

with

survival as (
    select * from {{ ref('field_survival_by_hop') }}
),

first_loss_hops as (
    select
        identity_field,
        span_date,
        min(
            {{ dbt.concat([
                'service_name', "' ('", 'span_role', "', depth '",
                dbt.safe_cast('depth', dbt.type_string()), "')'"
            ]) }}
        ) as first_loss_hop
    from survival
    where is_first_loss_hop
    group by identity_field, span_date
)

select
    survival.identity_field,
    survival.service_name as model_call_hop,
    survival.depth,
    survival.span_date,
    survival.spans_seen,
    survival.absent,
    survival.survival_rate,
    coalesce(first_loss_hops.first_loss_hop, '(no ancestor carried it)') as first_loss_hop
from survival
left join first_loss_hops
    on
        survival.identity_field = first_loss_hops.identity_field
        and survival.span_date = first_loss_hops.span_date
where
    survival.span_role = 'model_call'
    and survival.survival_rate < {{ var('min_model_call_survival_rate', 0.9) }}
    and survival.identity_field in ({{ sql_string_list(var('survival_alert_fields', ['tenant_id'])) }})
