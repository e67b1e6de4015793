{#- Cost per billing period (UTC month, start inclusive, end exclusive) and
    cost center, with calls that resolve to no cost center in the explicit
    UNATTRIBUTED row, so the rows of a period sum to its total. -#}
with

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

final as (
    select
        billing_period_start,
        billing_period_end,
        chargeback_cost_center as cost_center,
        cast(sum(coalesce(cost_usd, 0)) as {{ money_type() }}) as cost_usd,
        cast(count(*) as {{ dbt.type_bigint() }}) as call_count,
        cast(
            sum(case when attribution_status = 'partially_attributed' then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as partially_attributed_call_count,
        cast(
            sum(case when pricing_status != 'priced' then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as unpriced_call_count,
        cast(sum(input_tokens) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(sum(output_tokens) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(sum(cache_read_tokens) as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(sum(cache_write_tokens) as {{ dbt.type_bigint() }}) as cache_write_tokens,
        cast(sum(reasoning_tokens) as {{ dbt.type_bigint() }}) as reasoning_tokens
    from calls
    group by
        billing_period_start,
        billing_period_end,
        chargeback_cost_center
)

select * from final
