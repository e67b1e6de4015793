{#- The UNATTRIBUTED chargeback row holds exactly the cost of the calls
    listed as landing in it by unattributed_llm_spend, per period. -#}
{{ config(severity='error') }}

with

bucket as (
    select
        billing_period_start,
        cost_usd as bucket_cost_usd
    from {{ ref('chargeback_by_cost_center') }}
    where cost_center = {{ unattributed_bucket() }}
),

listed_calls as (
    select distinct
        call_id,
        billing_period_start,
        cost_usd
    from {{ ref('unattributed_llm_spend') }}
    where lands_in_unattributed_bucket
),

listed as (
    select
        billing_period_start,
        sum(coalesce(cost_usd, 0)) as listed_cost_usd
    from listed_calls
    group by billing_period_start
),

compared as (
    {{ totals_side_by_side('bucket', 'listed', ['billing_period_start'], 'bucket_cost_usd', 'listed_cost_usd') }}
)

select * from compared
where bucket_cost_usd != listed_cost_usd
