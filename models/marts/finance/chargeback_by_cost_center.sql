{#- Cost per billing period (UTC month, start inclusive, end exclusive) and
    cost center, with calls that resolve to no cost center in the explicit
    UNATTRIBUTED row, so the rows of a period sum to its total. Shared
    charges (seed shared_charges: provisioned capacity, platform fees)
    allocated to the cost center are in shared_cost_usd, apart from the
    calls' cost_usd; a cost center with an allocated part and no call that
    month has a row with cost_usd 0. -#}
with

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

shared_parts as (
    select * from {{ ref('int_shared_charges__allocated') }}
),

call_totals as (
    select
        billing_period_start,
        billing_period_end,
        chargeback_cost_center as cost_center,
        sum(coalesce(cost_usd, 0)) as cost_usd,
        count(*) as call_count,
        sum(case when attribution_status = 'partially_attributed' then 1 else 0 end)
            as partially_attributed_call_count,
        sum(case when pricing_status != 'priced' then 1 else 0 end) as unpriced_call_count,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_tokens) as cache_write_tokens,
        sum(reasoning_tokens) as reasoning_tokens
    from calls
    group by
        billing_period_start,
        billing_period_end,
        chargeback_cost_center
),

shared_totals as (
    select
        billing_period_start,
        billing_period_end,
        cost_center,
        sum(allocated_usd) as shared_cost_usd
    from shared_parts
    group by billing_period_start, billing_period_end, cost_center
),

final as (
    select
        cast(
            coalesce(call_totals.billing_period_start, shared_totals.billing_period_start)
            as {{ dbt.type_timestamp() }}
        ) as billing_period_start,
        cast(
            coalesce(call_totals.billing_period_end, shared_totals.billing_period_end)
            as {{ dbt.type_timestamp() }}
        ) as billing_period_end,
        cast(coalesce(call_totals.cost_center, shared_totals.cost_center) as {{ dbt.type_string() }})
            as cost_center,
        cast(coalesce(call_totals.cost_usd, 0) as {{ money_type() }}) as cost_usd,
        cast(coalesce(call_totals.call_count, 0) as {{ dbt.type_bigint() }}) as call_count,
        cast(coalesce(call_totals.partially_attributed_call_count, 0) as {{ dbt.type_bigint() }})
            as partially_attributed_call_count,
        cast(coalesce(call_totals.unpriced_call_count, 0) as {{ dbt.type_bigint() }}) as unpriced_call_count,
        cast(coalesce(call_totals.input_tokens, 0) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(coalesce(call_totals.output_tokens, 0) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(coalesce(call_totals.cache_read_tokens, 0) as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(coalesce(call_totals.cache_write_tokens, 0) as {{ dbt.type_bigint() }}) as cache_write_tokens,
        cast(coalesce(call_totals.reasoning_tokens, 0) as {{ dbt.type_bigint() }}) as reasoning_tokens,
        cast(coalesce(shared_totals.shared_cost_usd, 0) as {{ money_type() }}) as shared_cost_usd,
        cast(
            coalesce(call_totals.cost_usd, 0) + coalesce(shared_totals.shared_cost_usd, 0)
            as {{ money_type() }}
        ) as total_cost_usd
    from call_totals
    full outer join shared_totals
        on
            call_totals.billing_period_start = shared_totals.billing_period_start
            and call_totals.cost_center = shared_totals.cost_center
)

select * from final
