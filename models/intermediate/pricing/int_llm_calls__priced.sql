{#- Model calls with the price rows in force at the call's start (UTC) for
    the model resolved in int_llm_calls__model_resolved, the long-context
    tier chosen by the call's total input tokens, the exact list cost of each
    token bucket, and the negotiated (contracted) cost. Input includes cache
    tokens and output includes reasoning tokens, so the buckets never price a
    token twice. Rules: docs/pricing.md and docs/attribution_rules.md. -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{%- set token_types = ['input', 'cache_read', 'cache_write', 'output', 'reasoning'] -%}
{%- set contract_types = ['input', 'cache_read', 'cache_write', 'cache_write_1h', 'output', 'reasoning'] -%}
{#- bucket: (tokens, applied list rate, type of the price row applied) -#}
{%- set buckets = {
    'input': ('uncached_input_tokens', 'input_usd_per_mtok', "'input'"),
    'cache_read': ('coalesce(cache_read_tokens, 0)', 'applied_cache_read_usd_per_mtok',
        "case when cache_read_usd_per_mtok is null then 'input' else 'cache_read' end"),
    'cache_write': ('coalesce(cache_write_tokens, 0)', 'applied_cache_write_usd_per_mtok',
        "case when cache_write_usd_per_mtok is null then 'input' else 'cache_write' end"),
    'output': ('non_reasoning_output_tokens', 'output_usd_per_mtok', "'output'"),
    'reasoning': ('coalesce(reasoning_tokens, 0)', 'applied_reasoning_usd_per_mtok',
        "case when reasoning_usd_per_mtok is null then 'output' else 'reasoning' end"),
} -%}
with

calls as (
    select * from {{ ref('int_spans__canonicalized') }}
    where is_billed_call and {{ in_rebuilt_traces('trace_id') }}
),

resolved_models as (
    select * from {{ ref('int_llm_calls__model_resolved') }}
    where {{ in_rebuilt_traces(trace_of('span_key')) }}
),

contracts as (
    select * from {{ ref('negotiated_prices') }}
),

-- The override seed is unioned in and wins over the generated sheet.
price_rows as (
    {{ llm_price_rows() }}
),

-- The billed calls' own columns, then every column model resolution adds.
resolved as (
    select
        calls.*,
        resolved_models.provider_key,
        resolved_models.model_key,
        resolved_models.pricing_provider,
        resolved_models.priced_provider,
        resolved_models.priced_model,
        resolved_models.model_match,
        resolved_models.matched_rule,
        resolved_models.matched_ref
    from calls
    inner join resolved_models
        on calls.span_key = resolved_models.span_key
),

-- Per call and token type, the row in force at the call (composite key
-- model + instant): an override before the sheet, then the highest tier
-- whose start the call's TOTAL input tokens (cache included) strictly
-- exceed. One threshold picks the tier of every token type.
candidate_rows as (
    {{ price_rows_in_force('resolved', 'price_rows') }}
),

prices_in_force as (
    select
        span_key,
        {%- for token_type in token_types %}
            max(case when token_type = '{{ token_type }}' then usd_per_mtok end)
                as {{ token_type }}_usd_per_mtok,
            max(case when token_type = '{{ token_type }}' then price_id end)
                as {{ token_type }}_price_id,
        {%- endfor %}
        max(tier_min_input_tokens) as tier_min_input_tokens,
        case
            when min(price_source) = max(price_source) then min(price_source) else 'mixed'
        end as price_source,
        case
            when min(source_version) = max(source_version) then min(source_version) else 'mixed'
        end as source_version,
        count(*) as price_rows_in_force
    from candidate_rows
    where row_rank = 1 and token_type != 'cache_write_1h'
    group by span_key
),

buckets as (
    select
        resolved.*,
        {%- for token_type in token_types %}
            prices_in_force.{{ token_type }}_usd_per_mtok,
            prices_in_force.{{ token_type }}_price_id,
        {%- endfor %}
        prices_in_force.tier_min_input_tokens,
        prices_in_force.price_source,
        prices_in_force.source_version,
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

statused as (
    select
        *,
        -- Cache larger than input, or reasoning larger than output, means the
        -- producer counted differently (e.g. Anthropic's native input_tokens
        -- exclude cache): bad input, never priced as a negative bucket.
        (
            uncached_input_tokens < 0
            or non_reasoning_output_tokens < 0
        ) as has_inconsistent_token_counts,
        case
            when
                priced_model is null
                or (input_usd_per_mtok is null and output_usd_per_mtok is null)
                then 'unpriced'
            when uncached_input_tokens < 0 or non_reasoning_output_tokens < 0
                then 'invalid_usage'
            when
                {%- for token_type, bucket in buckets.items() %}
                    ({{ bucket[0] }} > 0 and {{ bucket[1] }} is null)
                    {%- if not loop.last %} or{% endif %}
                {%- endfor %}
                then 'partial'
            else 'priced'
        end as pricing_status
    from buckets
),

-- Negotiated prices: per call, the most specific contract in force
-- (billing account and model named before provider-wide ones, then the
-- latest start); its rows apply per price-row token type (a row with a
-- token_type beats the contract's all-types row).
contract_candidates as (
    select
        statused.span_key,
        contracts.contract_id,
        dense_rank() over (
            partition by statused.span_key
            order by
                case when contracts.billing_account_id is null then 1 else 0 end asc,
                case when contracts.model is null then 1 else 0 end asc,
                contracts.valid_from desc,
                contracts.contract_id asc
        ) as contract_rank
    from statused
    inner join contracts
        on
            statused.pricing_provider = contracts.provider
            and (contracts.model is null or statused.priced_model = contracts.model)
            and (contracts.billing_account_id is null or statused.provider = contracts.billing_account_id)
            and statused.started_at >= contracts.valid_from
            and (contracts.valid_to is null or statused.started_at < contracts.valid_to)
    where statused.pricing_status in ('priced', 'partial')
),

contract_terms as (
    select
        contract_candidates.span_key,
        contract_candidates.contract_id,
        {%- for token_type in contract_types %}
            coalesce(
                max(case when contracts.token_type = '{{ token_type }}' then contracts.discount_pct end),
                max(case when contracts.token_type is null then contracts.discount_pct end)
            ) as {{ token_type }}_discount_pct,
            coalesce(
                max(case when contracts.token_type = '{{ token_type }}' then contracts.contracted_usd_per_mtok end),
                max(case when contracts.token_type is null then contracts.contracted_usd_per_mtok end)
            ) as {{ token_type }}_contracted_usd_per_mtok{% if not loop.last %},{% endif %}
        {%- endfor %}
    from contract_candidates
    inner join contracts
        on contract_candidates.contract_id = contracts.contract_id
    where contract_candidates.contract_rank = 1
    group by contract_candidates.span_key, contract_candidates.contract_id
),

costed as (
    select
        statused.*,
        {%- for token_type, bucket in buckets.items() %}
            case
                when statused.pricing_status in ('priced', 'partial')
                    then {{ token_cost(bucket[0], bucket[1]) }}
            end as {{ token_type }}_list_cost_usd,
            {{ bucket[2] }} as {{ token_type }}_price_type,
            case {{ bucket[2] }}
                {%- for contract_type in contract_types %}
                    when '{{ contract_type }}' then contract_terms.{{ contract_type }}_discount_pct
                {%- endfor %}
            end as {{ token_type }}_discount_pct,
            case {{ bucket[2] }}
                {%- for contract_type in contract_types %}
                    when '{{ contract_type }}' then contract_terms.{{ contract_type }}_contracted_usd_per_mtok
                {%- endfor %}
            end as {{ token_type }}_contract_usd_per_mtok,
        {%- endfor %}
        contract_terms.contract_id
    from statused
    left join contract_terms
        on statused.span_key = contract_terms.span_key
),

contracted as (
    select
        *,
        {%- for token_type, bucket in buckets.items() %}
            -- a contracted unit price replaces the list rate; a discount
            -- scales it; no term for this token type: list
            case
                when {{ token_type }}_list_cost_usd is null then null
                when {{ token_type }}_contract_usd_per_mtok is not null
                    then cast({{ token_type }}_contract_usd_per_mtok as decimal(38, 15))
                when {{ token_type }}_discount_pct is not null
                    then cast(
                        {{ bucket[1] }}
                        * (1 - {{ token_type }}_discount_pct * cast(0.01 as decimal(3, 2)))
                        as decimal(38, 15)
                    )
                else cast({{ bucket[1] }} as decimal(38, 15))
            end as {{ token_type }}_contracted_usd_per_mtok,
            case
                when {{ token_type }}_list_cost_usd is null then null
                when {{ token_type }}_contract_usd_per_mtok is not null
                    then {{ token_cost(bucket[0], token_type ~ '_contract_usd_per_mtok') }}
                when {{ token_type }}_discount_pct is not null
                    then cast(
                        {{ token_type }}_list_cost_usd
                        * (1 - {{ token_type }}_discount_pct * cast(0.01 as decimal(3, 2)))
                        as {{ money_type() }}
                    )
                else {{ token_type }}_list_cost_usd
            end as {{ token_type }}_cost_usd{% if not loop.last %},{% endif %}
        {%- endfor %}
    from costed
),

final as (
    select
        *,
        -- Sum first, round never: exact DECIMAL. Unpriced and invalid-usage
        -- calls carry no cost (null), never an invented zero.
        case
            when pricing_status in ('priced', 'partial')
                then cast(
                    {%- for token_type in token_types %}
                        coalesce({{ token_type }}_list_cost_usd, 0)
                        {%- if not loop.last %} +{% endif %}
                    {%- endfor %}
                    as {{ money_type() }}
                )
        end as list_cost_usd,
        case
            when pricing_status in ('priced', 'partial')
                then cast(
                    {%- for token_type in token_types %}
                        coalesce({{ token_type }}_cost_usd, 0)
                        {%- if not loop.last %} +{% endif %}
                    {%- endfor %}
                    as {{ money_type() }}
                )
        end as cost_usd
    from contracted
)

select * from final
