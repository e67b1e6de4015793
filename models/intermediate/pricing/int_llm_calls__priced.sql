{#- Model calls priced: (1) model resolution, the price-sheet model each
    billed call is priced under, resolved as data from the pricing seeds in
    genai-prices' order (docs/pricing.md): provider alias -> genai-prices
    provider id / provider rules; model alias; the provider's own match
    rules by rank, then its fallback providers' rules; the same again with a
    compact date (-20251211) dashed (-2025-12-11); an exact override-only
    model; else unresolved (unpriced). Dated snapshots are never stripped
    blindly: the match rules say which snapshots share their family's prices.
    (2) model + date -> price: the price rows in force at the call's start
    (UTC) for the resolved model, the long-context tier chosen by the call's
    total input tokens, the exact list cost of each token bucket, and the
    negotiated (contracted) cost. Input includes cache tokens and output
    includes reasoning tokens, so the buckets never price a token twice.
    Rules: docs/pricing.md and docs/attribution_rules.md. -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{#- First compact yyyymmdd date followed by -, : or the end (RE2 has no
    lookahead, so the delimiter is captured and put back). -#}
{%- set compact_date = '-(20[0-9]{2})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])(-|:|$)' -%}
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
{#- Columns of int_spans__canonicalized that stay there: the keys that
    supplied each execution field, the raw operation, the call-copy choice
    (every call here is a billed copy, and a model call), and the span's
    place and end, which no model downstream reads (writing a column of
    every call is the cost of a wide table: BENCHMARKS.md, stop 54). -#}
{%- set span_columns_not_passed_on = [
    'raw_operation', 'billed_copy_span_key', 'is_billed_call', 'is_model_call', 'parent_span_key', 'span_kind',
    'ended_at', 'provider_source_key',
    'request_model_source_key', 'response_model_source_key', 'operation_source_key', 'response_id_source_key'
] -%}
{%- for field in token_count_fields() -%}
    {%- do span_columns_not_passed_on.append(field ~ '_source_key') -%}
{%- endfor -%}
with

calls as {{ cte_inline_hint() }} (
    select
        {{ star_except('canonicalized', span_columns_not_passed_on, ref('int_spans__canonicalized')) }},
        lower(trim(canonicalized.provider)) as provider_key,
        lower(trim(coalesce(canonicalized.response_model, canonicalized.request_model))) as model_key
    from {{ ref('int_spans__canonicalized') }} as canonicalized
    where canonicalized.is_billed_call and {{ in_rebuilt_traces('canonicalized.trace_id') }}
),

contracts as (
    select * from {{ ref('negotiated_prices') }}
),

-- The override seed is unioned in and wins over the generated sheet.
price_rows as (
    {{ llm_price_rows() }}
),

provider_aliases as (
    select * from {{ ref('llm_provider_aliases') }}
),

provider_rules as (
    select * from {{ ref('llm_provider_match_rules') }}
),

model_rules as (
    select * from {{ ref('llm_model_match_rules') }}
),

provider_fallbacks as (
    select * from {{ ref('llm_provider_fallbacks') }}
),

model_aliases as (
    select * from {{ ref('llm_model_aliases') }}
),

price_overrides as (
    select * from {{ ref('llm_price_overrides') }}
),

-- (1) Model resolution. It depends only on the provider and model strings:
-- resolve each distinct pair once, not each call.
call_refs as (
    select
        provider_key,
        model_key,
        row_number() over (order by provider_key, model_key) as ref_id
    from (
        select distinct
            provider_key,
            model_key
        from calls
    ) as distinct_keys
),

-- Provider: our alias seed first (OTel names such as azure.ai.openai), then
-- genai-prices' ids and provider_match rules; with no provider at all,
-- genai-prices guesses it from the model reference.
provider_rule_hits as (
    select
        call_refs.ref_id,
        provider_rules.provider,
        row_number() over (
            partition by call_refs.ref_id
            order by provider_rules.match_scope desc, provider_rules.rule_rank asc
        ) as hit_rank
    from call_refs
    inner join provider_rules
        on
            (
                provider_rules.match_scope = 'provider_id'
                and {{ match_rule_holds('provider_rules', 'call_refs.provider_key') }}
            )
            or (
                provider_rules.match_scope = 'model_ref'
                and coalesce(call_refs.provider_key, '') = ''
                and {{ match_rule_holds('provider_rules', 'call_refs.model_key') }}
            )
),

provider_resolved as (
    select
        call_refs.ref_id,
        call_refs.provider_key,
        call_refs.model_key,
        coalesce(provider_aliases.provider, provider_rule_hits.provider) as pricing_provider
    from call_refs
    left join provider_aliases
        on call_refs.provider_key = provider_aliases.alias_provider
    left join provider_rule_hits
        on
            call_refs.ref_id = provider_rule_hits.ref_id
            and provider_rule_hits.hit_rank = 1
),

-- The model references tried: as sent (attempt 0), then with its first
-- valid compact date dashed (attempt 1), like genai-prices.
compact_dated as (
    select
        *,
        {{ regex_replace('model_key', compact_date, '-\\1-\\2-\\3\\4') }} as dashed_ref,
        {{ try_cast_as(
            regex_replace('model_key', '^.*?' ~ compact_date ~ '.*$', '\\1-\\2-\\3'),
            'date'
        ) }} as compact_date
    from provider_resolved
    where {{ regex_matches('model_key', compact_date) }}
),

refs as (
    select
        ref_id,
        pricing_provider,
        0 as attempt,
        model_key as model_ref
    from provider_resolved
    union all
    select
        ref_id,
        pricing_provider,
        1 as attempt,
        dashed_ref as model_ref
    from compact_dated
    where compact_date is not null
),

-- The provider's own rules (search_order 0), then its fallback providers'.
searched as (
    select
        ref_id,
        attempt,
        model_ref,
        pricing_provider as rules_provider,
        0 as search_order
    from refs
    union all
    select
        refs.ref_id,
        refs.attempt,
        refs.model_ref,
        provider_fallbacks.fallback_provider as rules_provider,
        provider_fallbacks.fallback_rank as search_order
    from refs
    inner join provider_fallbacks
        on refs.pricing_provider = provider_fallbacks.provider
),

rule_hits as (
    select
        searched.ref_id,
        searched.attempt,
        searched.model_ref,
        searched.search_order,
        model_rules.provider,
        model_rules.model,
        model_rules.match_type,
        model_rules.match_value,
        model_rules.rule_rank,
        row_number() over (
            partition by searched.ref_id
            order by searched.attempt, searched.search_order, model_rules.rule_rank
        ) as hit_rank
    from searched
    inner join model_rules
        on
            searched.rules_provider = model_rules.provider
            and {{ match_rule_holds('model_rules', 'searched.model_ref') }}
),

-- Hand-made aliases (Azure deployment names, prefixed ids) win over the
-- rules; an exact provider beats the '*' wildcard.
alias_hits as (
    select
        provider_resolved.ref_id,
        model_aliases.provider,
        model_aliases.model,
        row_number() over (
            partition by provider_resolved.ref_id
            order by case when model_aliases.alias_provider = '*' then 1 else 0 end
        ) as hit_rank
    from provider_resolved
    inner join model_aliases
        on
            provider_resolved.model_key = model_aliases.alias_model
            and (
                provider_resolved.provider_key = model_aliases.alias_provider
                or provider_resolved.pricing_provider = model_aliases.alias_provider
                or model_aliases.alias_provider = '*'
            )
),

-- Models only the manual overrides know: exact, case-insensitive.
override_models as (
    select distinct
        provider,
        model
    from price_overrides
),

override_hits as (
    select
        provider_resolved.ref_id,
        override_models.provider,
        override_models.model,
        row_number() over (
            partition by provider_resolved.ref_id
            order by override_models.provider, override_models.model
        ) as hit_rank
    from provider_resolved
    inner join override_models
        on
            provider_resolved.model_key = lower(override_models.model)
            and (
                provider_resolved.provider_key = lower(override_models.provider)
                or provider_resolved.pricing_provider = override_models.provider
            )
),

resolved_refs as (
    select
        provider_resolved.provider_key,
        provider_resolved.model_key,
        provider_resolved.pricing_provider,
        coalesce(alias_hits.provider, rule_hits.provider, override_hits.provider) as priced_provider,
        coalesce(alias_hits.model, rule_hits.model, override_hits.model) as priced_model,
        case
            when alias_hits.ref_id is not null then 'alias'
            when rule_hits.ref_id is not null and rule_hits.attempt = 1 then 'compact_date_rule'
            when rule_hits.ref_id is not null and rule_hits.search_order > 0 then 'fallback_provider_rule'
            when rule_hits.ref_id is not null then 'match_rule'
            when override_hits.ref_id is not null then 'override'
        end as model_match,
        case
            when alias_hits.ref_id is null and rule_hits.ref_id is not null
                then {{ dbt.concat([
                    'rule_hits.provider', "':'", 'rule_hits.match_type', "':'", 'rule_hits.match_value'
                ]) }}
        end as matched_rule,
        case when alias_hits.ref_id is null then rule_hits.model_ref end as matched_ref
    from provider_resolved
    left join alias_hits
        on
            provider_resolved.ref_id = alias_hits.ref_id
            and alias_hits.hit_rank = 1
    left join rule_hits
        on
            provider_resolved.ref_id = rule_hits.ref_id
            and rule_hits.hit_rank = 1
    left join override_hits
        on
            provider_resolved.ref_id = override_hits.ref_id
            and override_hits.hit_rank = 1
),

-- The billed calls' own columns, then every column model resolution adds.
resolved as (
    select
        calls.*,
        resolved_refs.pricing_provider,
        resolved_refs.priced_provider,
        resolved_refs.priced_model,
        resolved_refs.model_match,
        resolved_refs.matched_rule,
        resolved_refs.matched_ref
    from calls
    inner join resolved_refs
        on
            calls.provider_key is not distinct from resolved_refs.provider_key
            and calls.model_key is not distinct from resolved_refs.model_key
),

-- (2) Model + date -> price. Per call and token type, the row in force at
-- the call (composite key model + instant): an override before the sheet,
-- then the highest tier whose start the call's TOTAL input tokens (cache
-- included) strictly exceed. One threshold picks the tier of every token type.
-- Chosen once per price plan (a model's price period and input-token
-- bracket, within which the same rows are in force), not per call: the
-- price sheet has a few thousand rows, the calls millions (ranking and
-- pivoting every call's rows in force took over a third of this model's
-- CPU at 10M spans). tests/reconciliation/assert_one_price_per_call_and_token_type
-- checks each call's price against its rows in force ranked per call.
--
-- A model's price periods: between consecutive instants at which one of
-- its rows starts or ends (the last one open).
price_instants as (
    select
        provider,
        model,
        effective_from as instant
    from price_rows
    where effective_from is not null
    union
    select
        provider,
        model,
        effective_to as instant
    from price_rows
    where effective_to is not null
),

price_periods as (
    select
        provider,
        model,
        instant as period_from,
        lead(instant) over (partition by provider, model order by instant) as period_to
    from price_instants
),

-- A model's input-token brackets: a call with total input x is in the
-- bracket (tier_from, tier_to] (the first one: x <= tier_to, any x), and a
-- row of tier t applies to it when t = 0 or x > t, that is t <= tier_from.
tier_starts as (
    select
        provider,
        model,
        tier_min_input_tokens as tier_from
    from price_rows
    where tier_min_input_tokens is not null
    union
    select
        provider,
        model,
        0 as tier_from
    from price_rows
),

tier_brackets as (
    select
        provider,
        model,
        tier_from,
        lead(tier_from) over (partition by provider, model order by tier_from) as tier_to
    from tier_starts
),

-- Each plan's rows in force, ranked per token type.
plan_rows as (
    select
        price_periods.provider,
        price_periods.model,
        price_periods.period_from,
        price_periods.period_to,
        tier_brackets.tier_from,
        tier_brackets.tier_to,
        price_rows.token_type,
        price_rows.usd_per_mtok,
        price_rows.price_id,
        price_rows.tier_min_input_tokens,
        price_rows.price_source,
        price_rows.source_version,
        row_number() over (
            partition by
                price_periods.provider, price_periods.model, price_periods.period_from,
                tier_brackets.tier_from, price_rows.token_type
            order by
                case when price_rows.price_source = 'manual' then 0 else 1 end,
                price_rows.tier_min_input_tokens desc
        ) as row_rank
    from price_periods
    inner join tier_brackets
        on
            price_periods.provider = tier_brackets.provider
            and price_periods.model = tier_brackets.model
    inner join price_rows
        on
            price_periods.provider = price_rows.provider
            and price_periods.model = price_rows.model
            and price_periods.period_from >= price_rows.effective_from
            and (price_rows.effective_to is null or price_periods.period_from < price_rows.effective_to)
            and (price_rows.tier_min_input_tokens = 0 or tier_brackets.tier_from >= price_rows.tier_min_input_tokens)
),

price_plans as (
    select
        provider,
        model,
        period_from,
        period_to,
        tier_from,
        tier_to,
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
        end as source_version
    from plan_rows
    where row_rank = 1 and token_type != 'cache_write_1h'
    group by provider, model, period_from, period_to, tier_from, tier_to
),

buckets as (
    select
        resolved.*,
        {%- for token_type in token_types %}
            price_plans.{{ token_type }}_usd_per_mtok,
            price_plans.{{ token_type }}_price_id,
        {%- endfor %}
        price_plans.tier_min_input_tokens,
        price_plans.price_source,
        price_plans.source_version,
        coalesce(resolved.input_tokens, 0)
        - coalesce(resolved.cache_read_tokens, 0)
        - coalesce(resolved.cache_write_tokens, 0) as uncached_input_tokens,
        coalesce(resolved.output_tokens, 0)
        - coalesce(resolved.reasoning_tokens, 0) as non_reasoning_output_tokens,
        -- Without a price of their own, cache tokens cost the input rate and
        -- reasoning tokens the output rate: they are part of those counts.
        coalesce(
            price_plans.cache_read_usd_per_mtok,
            price_plans.input_usd_per_mtok
        ) as applied_cache_read_usd_per_mtok,
        coalesce(
            price_plans.cache_write_usd_per_mtok,
            price_plans.input_usd_per_mtok
        ) as applied_cache_write_usd_per_mtok,
        coalesce(
            price_plans.reasoning_usd_per_mtok,
            price_plans.output_usd_per_mtok
        ) as applied_reasoning_usd_per_mtok
    from resolved
    -- Each call's plan: its model's period holding its start and bracket
    -- holding its total input tokens (none: no row in force, unpriced).
    left join price_plans
        on
            resolved.priced_provider = price_plans.provider
            and resolved.priced_model = price_plans.model
            and resolved.started_at >= price_plans.period_from
            and (price_plans.period_to is null or resolved.started_at < price_plans.period_to)
            and (price_plans.tier_from = 0 or coalesce(resolved.input_tokens, 0) > price_plans.tier_from)
            and (price_plans.tier_to is null or coalesce(resolved.input_tokens, 0) <= price_plans.tier_to)
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
