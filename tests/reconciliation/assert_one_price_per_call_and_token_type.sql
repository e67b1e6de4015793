{#- No (provider, model string, instant, token type) resolves to two prices.
    1. One provider and model string always resolve to the same priced model
       (resolution in int_llm_calls__priced does not depend on anything else
       of the call).
    2. For each priced call and token type, no two price rows in force tie
       on the ranking the pricing model uses (override before sheet, highest
       tier passed): a tie would make the price arbitrary.
    3. The price int_llm_calls__priced applies to each call and token type is
       a row in force that no other row in force outranks (none only when no
       row is in force).
    Which rows are in force comes from the macro the model uses
    (price_rows_in_force); the ranking is restated here and checked against
    the model's output, so a model that applies another row fails.
    Checks 2 and 3 hold per call, against the price seeds alone (a changed
    seed rebuilds every trace), so they read only the calls of the traces
    rebuilt this run (rows_rebuilt_this_run; every call on a full build);
    check 1 compares calls across traces and reads every call. -#}
{{ config(severity='error') }}
{%- set token_types = ['input', 'cache_read', 'cache_write', 'output', 'reasoning'] -%}

with

every_priced_call as (
    select * from {{ ref('int_llm_calls__priced') }}
),

priced as (
    select * from every_priced_call
    where {{ rows_rebuilt_this_run('trace_id') }}
),

price_rows as (
    {{ llm_price_rows() }}
),

in_force as (
    {{ price_rows_in_force('priced', 'price_rows') }}
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
    from every_priced_call
    group by provider_key, model_key
    having count(distinct {{ dbt.concat([
        "coalesce(priced_provider, '')", "'/'", "coalesce(priced_model, '')"
    ]) }}) > 1
),

tied_prices as (
    select
        'two price rows in force tie' as problem,
        priced.provider_key,
        priced.model_key,
        priced.started_at as call_at,
        in_force.token_type,
        count(*) as candidates
    from in_force
    inner join priced
        on in_force.span_key = priced.span_key
    group by
        in_force.span_key,
        priced.provider_key,
        priced.model_key,
        priced.started_at,
        in_force.token_type,
        in_force.source_priority,
        in_force.tier_min_input_tokens
    having count(*) > 1
),

-- The model's applied price per call and token type, one row each.
applied as (
    {%- for token_type in token_types %}
        select
            span_key,
            provider_key,
            model_key,
            started_at,
            '{{ token_type }}' as token_type,
            {{ token_type }}_price_id as price_id,
            {{ token_type }}_usd_per_mtok as usd_per_mtok
        from priced
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- Ranking restated here, not read from the macro's row_rank: no row in
-- force may outrank the applied one (an override before the sheet, then
-- the higher tier), and a row in force must be applied when there is one.
misapplied as (
    select
        'applied price is not the top row in force' as problem,
        applied.provider_key,
        applied.model_key,
        applied.started_at as call_at,
        applied.token_type,
        count(better.price_id) as candidates
    from applied
    left join in_force as applied_row
        on
            applied.span_key = applied_row.span_key
            and applied.token_type = applied_row.token_type
            and applied.price_id = applied_row.price_id
    left join in_force as better
        on
            applied.span_key = better.span_key
            and applied.token_type = better.token_type
            and (
                applied_row.price_id is null
                or applied_row.source_priority > better.source_priority
                or (
                    applied_row.source_priority = better.source_priority
                    and applied_row.tier_min_input_tokens < better.tier_min_input_tokens
                )
            )
    where
        better.price_id is not null
        or (applied.price_id is not null and applied_row.price_id is null)
        or applied.usd_per_mtok is distinct from applied_row.usd_per_mtok
    group by
        applied.span_key,
        applied.provider_key,
        applied.model_key,
        applied.started_at,
        applied.token_type
),

final as (
    select * from resolution_not_a_function
    union all
    select * from tied_prices
    union all
    select * from misapplied
)

select * from final
