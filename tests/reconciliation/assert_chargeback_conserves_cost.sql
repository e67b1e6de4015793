{#- Conservation: per billing period, the cost of all calls equals the sum
    of the chargeback rows including UNATTRIBUTED, exactly (DECIMAL). -#}
{{ config(severity='error') }}

with

calls as (
    select
        billing_period_start,
        sum(coalesce(cost_usd, 0)) as call_cost_usd
    from {{ ref('fct_llm_calls') }}
    group by billing_period_start
),

chargeback as (
    select
        billing_period_start,
        sum(cost_usd) as chargeback_cost_usd
    from {{ ref('chargeback_by_cost_center') }}
    group by billing_period_start
),

compared as (
    select
        coalesce(calls.billing_period_start, chargeback.billing_period_start)
            as billing_period_start,
        coalesce(calls.call_cost_usd, 0) as call_cost_usd,
        coalesce(chargeback.chargeback_cost_usd, 0) as chargeback_cost_usd
    from calls
    full outer join chargeback
        on calls.billing_period_start = chargeback.billing_period_start
)

select * from compared
where call_cost_usd != chargeback_cost_usd
