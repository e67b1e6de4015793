{#- Model-call spans with the price rows in force at the call's start (UTC)
    and the exact cost of each token bucket. Input includes cache tokens and
    output includes reasoning tokens, so the buckets below never price a
    token twice. -#}
{%- set token_types = ['input', 'cache_read', 'cache_write', 'output', 'reasoning'] -%}
with

calls as (
    select * from {{ ref('int_spans__canonicalized') }}
    where is_billed_call
),

prices as (
    select * from {{ ref('llm_prices') }}
),

priced_models as (
    select distinct
        provider,
        model
    from prices
),

call_models as (
    select
        *,
        lower(trim(coalesce(response_model, request_model))) as model_key
    from calls
),

resolved as (
    select
        call_models.*,
        coalesce(exact_model.model, family_model.model) as priced_model,
        case
            when exact_model.model is not null then 'exact'
            when family_model.model is not null then 'snapshot_family'
        end as model_match
    from call_models
    left join priced_models as exact_model
        on
            call_models.provider = exact_model.provider
            and call_models.model_key = exact_model.model
    left join priced_models as family_model
        on
            call_models.provider = family_model.provider
            and {{ regex_replace(
                'call_models.model_key',
                '-([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})$',
                ''
            ) }} = family_model.model
),

prices_in_force as (
    select
        resolved.span_key,
        max(case when prices.token_type = 'input' then prices.usd_per_mtok end)
            as input_usd_per_mtok,
        max(case when prices.token_type = 'input' then prices.price_id end)
            as input_price_id,
        max(case when prices.token_type = 'cache_read' then prices.usd_per_mtok end)
            as cache_read_usd_per_mtok,
        max(case when prices.token_type = 'cache_read' then prices.price_id end)
            as cache_read_price_id,
        max(case when prices.token_type = 'cache_write' then prices.usd_per_mtok end)
            as cache_write_usd_per_mtok,
        max(case when prices.token_type = 'cache_write' then prices.price_id end)
            as cache_write_price_id,
        max(case when prices.token_type = 'output' then prices.usd_per_mtok end)
            as output_usd_per_mtok,
        max(case when prices.token_type = 'output' then prices.price_id end)
            as output_price_id,
        max(case when prices.token_type = 'reasoning' then prices.usd_per_mtok end)
            as reasoning_usd_per_mtok,
        max(case when prices.token_type = 'reasoning' then prices.price_id end)
            as reasoning_price_id,
        count(*) as price_rows_in_force
    from resolved
    inner join prices
        on
            resolved.provider = prices.provider
            and resolved.priced_model = prices.model
            and resolved.started_at >= prices.effective_from
            and (prices.effective_to is null or resolved.started_at < prices.effective_to)
    group by resolved.span_key
),

buckets as (
    select
        resolved.*,
        {%- for token_type in token_types %}
            prices_in_force.{{ token_type }}_usd_per_mtok,
            prices_in_force.{{ token_type }}_price_id,
        {%- endfor %}
        coalesce(resolved.input_tokens, 0)
        - coalesce(resolved.cache_read_tokens, 0)
        - coalesce(resolved.cache_write_tokens, 0) as uncached_input_tokens,
        coalesce(resolved.output_tokens, 0)
        - coalesce(resolved.reasoning_tokens, 0) as non_reasoning_output_tokens,
        -- Without a price of their own, cache tokens cost the input rate and
        -- reasoning tokens the output rate: they are part of those counts.
        coalesce(
            prices_in_force.cache_read_usd_per_mtok,
            prices_in_force.input_usd_per_mtok
        ) as applied_cache_read_usd_per_mtok,
        coalesce(
            prices_in_force.cache_write_usd_per_mtok,
            prices_in_force.input_usd_per_mtok
        ) as applied_cache_write_usd_per_mtok,
        coalesce(
            prices_in_force.reasoning_usd_per_mtok,
            prices_in_force.output_usd_per_mtok
        ) as applied_reasoning_usd_per_mtok
    from resolved
    left join prices_in_force
        on resolved.span_key = prices_in_force.span_key
),

costed as (
    select
        *,
        {{ token_cost('uncached_input_tokens', 'input_usd_per_mtok') }} as input_cost_usd,
        {{ token_cost('coalesce(cache_read_tokens, 0)', 'applied_cache_read_usd_per_mtok') }}
            as cache_read_cost_usd,
        {{ token_cost('coalesce(cache_write_tokens, 0)', 'applied_cache_write_usd_per_mtok') }}
            as cache_write_cost_usd,
        {{ token_cost('non_reasoning_output_tokens', 'output_usd_per_mtok') }} as output_cost_usd,
        {{ token_cost('coalesce(reasoning_tokens, 0)', 'applied_reasoning_usd_per_mtok') }}
            as reasoning_cost_usd
    from buckets
),

statused as (
    select
        *,
        case
            when
                priced_model is null
                or (input_usd_per_mtok is null and output_usd_per_mtok is null)
                then 'unpriced'
            when
                (uncached_input_tokens > 0 and input_cost_usd is null)
                or (coalesce(cache_read_tokens, 0) > 0 and cache_read_cost_usd is null)
                or (coalesce(cache_write_tokens, 0) > 0 and cache_write_cost_usd is null)
                or (non_reasoning_output_tokens > 0 and output_cost_usd is null)
                or (coalesce(reasoning_tokens, 0) > 0 and reasoning_cost_usd is null)
                then 'partial'
            else 'priced'
        end as pricing_status
    from costed
),

final as (
    select
        *,
        case
            when pricing_status != 'unpriced'
                then cast(
                    coalesce(input_cost_usd, 0)
                    + coalesce(cache_read_cost_usd, 0)
                    + coalesce(cache_write_cost_usd, 0)
                    + coalesce(output_cost_usd, 0)
                    + coalesce(reasoning_cost_usd, 0)
                    as {{ money_type() }}
                )
        end as cost_usd
    from statused
)

select * from final
