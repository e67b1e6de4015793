{#- Which price sheet model each model call is priced under, resolved as
    data from the pricing seeds in genai-prices' order (docs/pricing.md):
    provider alias -> genai-prices provider id / provider rules; model alias;
    the provider's own match rules by rank, then its fallback providers'
    rules; the same again with a compact date (-20251211) dashed
    (-2025-12-11); an exact override-only model; else unresolved (unpriced).
    Dated snapshots are never stripped blindly: the match rules say which
    snapshots share their family's prices. -#}
{{ config(**trace_rebuild_config('span_key')) }}
{#- First compact yyyymmdd date followed by -, : or the end (RE2 has no
    lookahead, so the delimiter is captured and put back). -#}
{%- set compact_date = '-(20[0-9]{2})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])(-|:|$)' -%}
with

calls as {{ cte_inline_hint() }} (
    select * from {{ ref('int_spans__canonicalized') }}
    where is_model_call and {{ in_rebuilt_traces('trace_id') }}
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

call_keys as (
    select
        span_key,
        lower(trim(provider)) as provider_key,
        lower(trim(coalesce(response_model, request_model))) as model_key
    from calls
),

-- Resolution depends only on the provider and model strings: resolve each
-- distinct pair once, not each call.
call_refs as (
    select
        provider_key,
        model_key,
        row_number() over (order by provider_key, model_key) as ref_id
    from (
        select distinct
            provider_key,
            model_key
        from call_keys
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

final as (
    select
        call_keys.span_key,
        resolved_refs.*
    from call_keys
    inner join resolved_refs
        on
            call_keys.provider_key is not distinct from resolved_refs.provider_key
            and call_keys.model_key is not distinct from resolved_refs.model_key
)

select * from final
