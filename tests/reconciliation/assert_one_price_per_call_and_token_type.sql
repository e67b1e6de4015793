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
    Which rows are in force per call comes from the macro
    price_rows_in_force (the model chooses once per price plan, a model's
    period and input-token bracket: docs/pricing.md); the ranking is restated
    here and checked against the model's output, so a model that applies
    another row fails.
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

-- Ranks of a call and token type held by two rows in force, found on the
-- rows in force alone; only those calls are then looked up for the report.
tied_ranks as (
    select
        span_key,
        token_type,
        count(*) as candidates
    from in_force
    group by span_key, token_type, source_priority, tier_min_input_tokens
    having count(*) > 1
),

tied_prices as (
    select
        'two price rows in force tie' as problem,
        priced.provider_key,
        priced.model_key,
        priced.started_at as call_at,
        tied_ranks.token_type,
        tied_ranks.candidates
    from tied_ranks
    inner join priced
        on tied_ranks.span_key = priced.span_key
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

-- Ranking restated here, not read from the macro's row_rank: an override
-- before the sheet, then the higher tier. The top row in force per call and
-- token type must be the applied one, and a row in force must be applied
-- when there is one; a top rank held by two rows is reported by
-- tied_prices only. One join of the applied prices to the top rows:
-- joining every applied price to its row and then to every better row took
-- nearly three times as long (10M spans: 21-24 s against 8.0-8.2 s).
ranked_in_force as (
    select
        span_key,
        token_type,
        price_id,
        usd_per_mtok,
        row_number() over restated_ranking as restated_rank,
        coalesce(
            lead(source_priority) over restated_ranking = source_priority
            and lead(tier_min_input_tokens) over restated_ranking = tier_min_input_tokens,
            false
        ) as is_tied_with_next,
        count(*) over (partition by span_key, token_type) as rows_in_force
    from in_force
    window restated_ranking as (
        partition by span_key, token_type
        order by source_priority asc, tier_min_input_tokens desc
    )
),

top_in_force as (
    select
        span_key,
        token_type,
        price_id,
        usd_per_mtok,
        is_tied_with_next,
        rows_in_force
    from ranked_in_force
    where restated_rank = 1
),

misapplied as (
    select
        'applied price is not the top row in force' as problem,
        applied.provider_key,
        applied.model_key,
        applied.started_at as call_at,
        applied.token_type,
        coalesce(top_in_force.rows_in_force, 0) as candidates
    from applied
    left join top_in_force
        on
            applied.span_key = top_in_force.span_key
            and applied.token_type = top_in_force.token_type
    where
        not coalesce(top_in_force.is_tied_with_next, false)
        and (
            applied.price_id is distinct from top_in_force.price_id
            or applied.usd_per_mtok is distinct from top_in_force.usd_per_mtok
        )
),

final as (
    select * from resolution_not_a_function
    union all
    select * from tied_prices
    union all
    select * from misapplied
)

select * from final
