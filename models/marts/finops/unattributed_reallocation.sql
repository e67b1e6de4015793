{#- Optional reallocation of each month's UNATTRIBUTED bucket (var
    reallocate_unattributed: none, the default, leaves this mart empty;
    usage or even): per billing period, the chargeback's UNATTRIBUTED
    total_cost_usd (calls + shared-charge parts that landed there) spread
    over the attributed cost centers of the month, in proportion to their
    total_cost_usd in whole micro-dollars (usage) or one unit each (even).
    Separate rows: the raw bucket stays as it is in chargeback_by_cost_center,
    unattributed_llm_spend and the FOCUS rows. Exact parts: the bucket in
    1e-15 dollar units (its full DECIMAL scale) split by largest remainder
    (ties: cost center name), so a month's parts sum exactly to its bucket;
    reallocation_ratio in 1e-12 units the same way, summing to exactly 1. A
    month whose attributed cost centers have no cost (usage) or that has
    none keeps its bucket unallocated (no rows). -#}
{%- set method = var('reallocate_unattributed', 'none') -%}
{%- if method not in ['none', 'usage', 'even'] -%}
    {{ exceptions.raise_compiler_error(
        "var reallocate_unattributed must be none, usage or even, not '" ~ method ~ "'"
    ) }}
{%- endif -%}
with

chargeback as (
    select * from {{ ref('chargeback_by_cost_center') }}
),

buckets as (
    select
        billing_period_start,
        total_cost_usd as unattributed_bucket_usd,
        cast(total_cost_usd * cast(1000000000000000 as decimal(38, 0)) as decimal(38, 0)) as bucket_units
    from chargeback
    where
        cost_center = {{ unattributed_bucket() }}
        and total_cost_usd > 0
        and '{{ method }}' != 'none'
),

recipients as (
    select
        billing_period_start,
        billing_period_end,
        cost_center,
        total_cost_usd as attributed_cost_usd,
        {%- if method == 'usage' %}
            cast(total_cost_usd * 1000000 as decimal(38, 0)) as allocation_units
        {%- else %}
            cast(1 as decimal(38, 0)) as allocation_units
        {%- endif %}
    from chargeback
    where cost_center != {{ unattributed_bucket() }}
),

with_totals as (
    select
        recipients.*,
        buckets.unattributed_bucket_usd,
        buckets.bucket_units,
        sum(recipients.allocation_units) over (partition by recipients.billing_period_start) as total_units
    from recipients
    inner join buckets
        on recipients.billing_period_start = buckets.billing_period_start
),

splittable as (
    select * from with_totals
    where total_units > 0
),

parts as (
    select
        *,
        {{ largest_remainder_part(
            'bucket_units', 'allocation_units', 'total_units', 'billing_period_start', 'cost_center asc'
        ) }} as part_units
    from splittable
),

-- The part's ratio of the bucket in 1e-12 units, rounded the same way so
-- that a month's ratios sum to exactly 1.
ratios as (
    select
        *,
        {{ largest_remainder_part(
            '1000000000000', 'part_units', 'bucket_units', 'billing_period_start', 'cost_center asc'
        ) }} as ratio_units
    from parts
),

final as (
    select
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(billing_period_end as {{ dbt.type_timestamp() }}) as billing_period_end,
        cast(cost_center as {{ dbt.type_string() }}) as cost_center,
        cast('{{ method }}' as {{ dbt.type_string() }}) as reallocation_method,
        cast(attributed_cost_usd as {{ money_type() }}) as attributed_cost_usd,
        cast(allocation_units as decimal(38, 0)) as allocation_units,
        cast(unattributed_bucket_usd as {{ money_type() }}) as unattributed_bucket_usd,
        cast(part_units * cast(0.000000000000001 as decimal(16, 15)) as {{ money_type() }})
            as reallocated_unattributed_usd,
        cast(ratio_units * cast(0.000000000001 as decimal(13, 12)) as decimal(13, 12)) as reallocation_ratio,
        cast(
            attributed_cost_usd + part_units * cast(0.000000000000001 as decimal(16, 15))
            as {{ money_type() }}
        ) as cost_with_reallocation_usd
    from ratios
)

select * from final
