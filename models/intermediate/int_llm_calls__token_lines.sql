{#- One row per priced model call and token type (input, cache read, cache
    write, output, reasoning) with the tokens, the unit price applied, the
    price row it came from and the exact cost: the SKU lines of FOCUS. Tokens
    priced at another type's rate (cache reads of a model with no cache price)
    are a line of that type, so each price row feeds exactly one SKU. -#}
{%- set lines = [
    ("'input'", 'uncached_input_tokens', 'input_usd_per_mtok', 'input_price_id', 'input_cost_usd'),
    ("case when cache_read_price_id is null then 'input' else 'cache_read' end",
     'cache_read_tokens', 'applied_cache_read_usd_per_mtok',
     "coalesce(cache_read_price_id, input_price_id)", 'cache_read_cost_usd'),
    ("case when cache_write_price_id is null then 'input' else 'cache_write' end",
     'cache_write_tokens', 'applied_cache_write_usd_per_mtok',
     "coalesce(cache_write_price_id, input_price_id)", 'cache_write_cost_usd'),
    ("'output'", 'non_reasoning_output_tokens', 'output_usd_per_mtok', 'output_price_id', 'output_cost_usd'),
    ("case when reasoning_price_id is null then 'output' else 'reasoning' end",
     'reasoning_tokens', 'applied_reasoning_usd_per_mtok',
     "coalesce(reasoning_price_id, output_price_id)", 'reasoning_cost_usd'),
] -%}
with

calls as (
    select * from {{ ref('int_llm_calls__attributed') }}
    where pricing_status != 'unpriced'
),

token_lines as (
    {%- for token_type, tokens, price, price_id, cost in lines %}
        select
            span_key,
            {{ token_type }} as token_type,
            {{ tokens }} as tokens,
            {{ price }} as usd_per_mtok,
            {{ price_id }} as price_id,
            {{ cost }} as cost_usd
        from calls
        where {{ tokens }} > 0 and {{ cost }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from token_lines
