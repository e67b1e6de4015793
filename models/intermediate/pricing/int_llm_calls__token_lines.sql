{#- One row per priced model call and token bucket (input, cache read, cache
    write, output, reasoning) with the tokens, the list unit price applied,
    the price row it came from, the exact list cost, and the negotiated
    (contracted) unit price and cost: the SKU lines of FOCUS. Tokens priced at
    another type's rate (cache reads of a model with no cache price) are a
    line of that type, so each price row feeds exactly one SKU. -#}
{{ config(**trace_rebuild_config('span_key')) }}
{%- set lines = [
    ('input', 'uncached_input_tokens', 'input_usd_per_mtok', 'input_price_id'),
    ('cache_read', 'cache_read_tokens', 'applied_cache_read_usd_per_mtok',
     "coalesce(cache_read_price_id, input_price_id)"),
    ('cache_write', 'cache_write_tokens', 'applied_cache_write_usd_per_mtok',
     "coalesce(cache_write_price_id, input_price_id)"),
    ('output', 'non_reasoning_output_tokens', 'output_usd_per_mtok', 'output_price_id'),
    ('reasoning', 'reasoning_tokens', 'applied_reasoning_usd_per_mtok',
     "coalesce(reasoning_price_id, output_price_id)"),
] -%}
with

calls as {{ cte_inline_hint() }} (
    select * from {{ ref('int_llm_calls__priced') }}
    where pricing_status in ('priced', 'partial') and {{ in_rebuilt_traces('trace_id') }}
),

token_lines as (
    {%- for bucket, tokens, price, price_id in lines %}
        select
            span_key,
            '{{ bucket }}' as token_bucket,
            {{ bucket }}_price_type as token_type,
            {{ tokens }} as tokens,
            {{ price }} as usd_per_mtok,
            {{ price_id }} as price_id,
            {{ bucket }}_list_cost_usd as cost_usd,
            {{ bucket }}_contracted_usd_per_mtok as contracted_usd_per_mtok,
            {{ bucket }}_cost_usd as contracted_cost_usd,
            case
                when
                    {{ bucket }}_contract_usd_per_mtok is not null
                    or {{ bucket }}_discount_pct is not null
                    then contract_id
            end as contract_id
        from calls
        where {{ tokens }} > 0 and {{ bucket }}_list_cost_usd is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from token_lines
