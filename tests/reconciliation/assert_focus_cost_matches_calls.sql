{#- The FOCUS rows carry exactly the priced cost of the calls, per billing
    period and cost center. -#}
{{ config(severity='error') }}

with

calls as (
    select
        billing_period_start,
        chargeback_cost_center as cost_center,
        sum(coalesce(cost_usd, 0)) as call_cost_usd
    from {{ ref('fct_llm_calls') }}
    group by billing_period_start, chargeback_cost_center
),

focus as (
    select
        BillingPeriodStart as billing_period_start,
        x_CostCenter as cost_center,
        sum(BilledCost) as focus_cost_usd
    from {{ ref('focus_cost_and_usage') }}
    group by BillingPeriodStart, x_CostCenter
),

compared as (
    {{ totals_side_by_side(
        'calls', 'focus', ['billing_period_start', 'cost_center'], 'call_cost_usd', 'focus_cost_usd'
    ) }}
)

select * from compared
where call_cost_usd != focus_cost_usd
