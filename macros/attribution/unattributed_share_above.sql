{#- Billing periods whose share of cost in the UNATTRIBUTED bucket is above
    `threshold` (0..1), with the figures an analyst needs. -#}
{% macro unattributed_share_above(threshold) -%}
with

chargeback as (
    select * from {{ ref('chargeback_by_cost_center') }}
),

periods as (
    select
        billing_period_start,
        sum(cost_usd) as total_cost_usd,
        sum(case when cost_center = {{ unattributed_bucket() }} then cost_usd else 0 end)
            as unattributed_cost_usd,
        sum(case when cost_center = {{ unattributed_bucket() }} then call_count else 0 end)
            as unattributed_call_count
    from chargeback
    group by billing_period_start
),

shares as (
    select
        *,
        case
            when total_cost_usd > 0
                then cast(unattributed_cost_usd as double) / cast(total_cost_usd as double)
            else 0
        end as unattributed_share,
        {{ threshold }} as threshold
    from periods
)

select * from shares
where unattributed_share > {{ threshold }}
{%- endmacro %}
