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
    {{ totals_side_by_side('calls', 'chargeback', ['billing_period_start'], 'call_cost_usd', 'chargeback_cost_usd') }}
)

select * from compared
where call_cost_usd != chargeback_cost_usd
