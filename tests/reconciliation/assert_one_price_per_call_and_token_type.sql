{#- No (provider, model string, instant, token type) resolves to two prices.
    1. One provider and model string always resolve to the same priced model
       (resolution does not depend on anything else of the call).
    2. For each call and token type, no two price rows in force tie for the
       top of the ranking the pricing model uses (override before sheet,
       highest tier passed): a tie would make the price arbitrary. -#}
{{ config(severity='error') }}

with

calls as (
    select * from {{ ref('int_spans__canonicalized') }}
    where is_model_call
),

resolved as (
    select * from {{ ref('int_llm_calls__model_resolved') }}
),

price_rows as (
    select
        price_id,
        provider,
        model,
        token_type,
        effective_from,
        effective_to,
        tier_min_input_tokens,
        price_source
    from {{ ref('llm_prices') }}
    union all
    select
        price_id,
        provider,
        model,
        token_type,
        effective_from,
        effective_to,
        tier_min_input_tokens,
        price_source
    from {{ ref('llm_price_overrides') }}
),

resolution_not_a_function as (
    select
        'model string resolves to several models' as problem,
        provider_key,
        model_key,
        cast(null as {{ dbt.type_timestamp() }}) as call_at,
        cast(null as {{ dbt.type_string() }}) as token_type,
        count(distinct {{ dbt.concat([
            "coalesce(priced_provider, '')", "'/'", "coalesce(priced_model, '')"
        ]) }}) as candidates
    from resolved
    group by provider_key, model_key
    having count(distinct {{ dbt.concat([
        "coalesce(priced_provider, '')", "'/'", "coalesce(priced_model, '')"
    ]) }}) > 1
),

in_force as (
    select
        resolved.span_key,
        resolved.provider_key,
        resolved.model_key,
        calls.started_at,
        price_rows.token_type,
        case when price_rows.price_source = 'manual' then 0 else 1 end as source_priority,
        price_rows.tier_min_input_tokens
    from resolved
    inner join calls
        on resolved.span_key = calls.span_key
    inner join price_rows
        on
            resolved.priced_provider = price_rows.provider
            and resolved.priced_model = price_rows.model
            and calls.started_at >= price_rows.effective_from
            and (price_rows.effective_to is null or calls.started_at < price_rows.effective_to)
            and (
                price_rows.tier_min_input_tokens = 0
                or coalesce(calls.input_tokens, 0) > price_rows.tier_min_input_tokens
            )
),

tied_prices as (
    select
        'two price rows in force tie' as problem,
        provider_key,
        model_key,
        started_at as call_at,
        token_type,
        count(*) as candidates
    from in_force
    group by span_key, provider_key, model_key, started_at, token_type, source_priority, tier_min_input_tokens
    having count(*) > 1
),

final as (
    select * from resolution_not_a_function
    union all
    select * from tied_prices
)

select * from final
