{#- Pricing's price rows (int_llm_calls__priced and the test
    assert_one_price_per_call_and_token_type), and the rows in force per call
    the test checks the model's price plans against (docs/pricing.md). -#}

{#- Every price row: the generated sheet (llm_prices) and the manual
    overrides (llm_price_overrides), unioned. -#}
{% macro llm_price_rows() -%}
    {%- for seed in ['llm_prices', 'llm_price_overrides'] %}
        select
            price_id,
            provider,
            model,
            token_type,
            effective_from,
            effective_to,
            usd_per_mtok,
            price_source,
            source_version,
            tier_min_input_tokens
        from {{ ref(seed) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- Per call (relation alias `calls`: span_key, priced_provider,
    priced_model, started_at, input_tokens) and token type, the price rows
    (alias `price_rows`, from llm_price_rows) in force at the call's start
    (composite key model + instant) whose tier the call's TOTAL input tokens
    (cache included) pass, ranked: an override before the sheet, then the
    highest tier. row_rank 1 is the row applied; source_priority and
    tier_min_input_tokens are the ranking keys. -#}
{% macro price_rows_in_force(calls, price_rows) -%}
    select
        {{ calls }}.span_key,
        {{ price_rows }}.token_type,
        {{ price_rows }}.usd_per_mtok,
        {{ price_rows }}.price_id,
        {{ price_rows }}.tier_min_input_tokens,
        {{ price_rows }}.price_source,
        {{ price_rows }}.source_version,
        case when {{ price_rows }}.price_source = 'manual' then 0 else 1 end as source_priority,
        row_number() over (
            partition by {{ calls }}.span_key, {{ price_rows }}.token_type
            order by
                case when {{ price_rows }}.price_source = 'manual' then 0 else 1 end,
                {{ price_rows }}.tier_min_input_tokens desc
        ) as row_rank
    from {{ calls }}
    inner join {{ price_rows }}
        on
            {{ calls }}.priced_provider = {{ price_rows }}.provider
            and {{ calls }}.priced_model = {{ price_rows }}.model
            and {{ calls }}.started_at >= {{ price_rows }}.effective_from
            and ({{ price_rows }}.effective_to is null or {{ calls }}.started_at < {{ price_rows }}.effective_to)
            and (
                {{ price_rows }}.tier_min_input_tokens = 0
                or coalesce({{ calls }}.input_tokens, 0) > {{ price_rows }}.tier_min_input_tokens
            )
{%- endmacro %}
