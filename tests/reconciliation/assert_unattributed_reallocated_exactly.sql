{#- The reallocated UNATTRIBUTED parts of a month sum exactly to its bucket
    in the chargeback, and their ratios to exactly 1 (empty with var
    reallocate_unattributed none). -#}
{{ config(severity='error') }}

with

parts as (
    select
        billing_period_start,
        sum(reallocated_unattributed_usd) as reallocated_usd,
        sum(reallocation_ratio) as ratio_sum
    from {{ ref('unattributed_reallocation') }}
    group by billing_period_start
),

buckets as (
    select
        billing_period_start,
        total_cost_usd as bucket_usd
    from {{ ref('chargeback_by_cost_center') }}
    where cost_center = {{ unattributed_bucket() }}
)

select
    parts.billing_period_start,
    parts.reallocated_usd,
    parts.ratio_sum,
    buckets.bucket_usd
from parts
left join buckets
    on parts.billing_period_start = buckets.billing_period_start
where
    buckets.bucket_usd is null
    or parts.reallocated_usd != buckets.bucket_usd
    or parts.ratio_sum != 1
