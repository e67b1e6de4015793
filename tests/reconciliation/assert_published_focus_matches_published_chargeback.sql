{#- A closed month's frozen FOCUS rows carry its published chargeback: per
    closed month and cost center, BilledCost of focus_published's usage and
    allocated shared-charge rows (not the invoice adjustments, which the
    chargeback does not hold) equals chargeback_published.published_cost_usd
    exactly. Both are frozen by the same build; a difference means one was
    published from other numbers than the other (e.g. focus_published first
    built on a warehouse whose chargeback was published earlier: reopen and
    close the month again). -#}
{{ config(severity='error') }}

with

chargeback as (
    select
        billing_period_start,
        cost_center,
        published_cost_usd
    from {{ ref('chargeback_published') }}
),

focus as (
    select
        BillingPeriodStart as billing_period_start,
        x_CostCenter as cost_center,
        sum(BilledCost) as focus_cost_usd
    from {{ ref('focus_published') }}
    where ChargeCategory != 'Adjustment'
    group by BillingPeriodStart, x_CostCenter
),

compared as (
    {{ totals_side_by_side(
        'chargeback', 'focus', ['billing_period_start', 'cost_center'], 'published_cost_usd', 'focus_cost_usd'
    ) }}
)

select * from compared
where published_cost_usd != focus_cost_usd
