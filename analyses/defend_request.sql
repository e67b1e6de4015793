{#- Defend one charge to finance: the article's five questions for one model
    call, each answer with where it came from. Pick the call with one var:
    call_id (`<trace_id>:<span_id>`), span_id, response_id, or request_id
    (a response id or a trace id); with none, the most expensive call.
    dbt compile --select defend_request --vars '{call_id: "..."}'
    then run target/compiled/.../analyses/defend_request.sql. -#}
{%- set selectors = {
    'call_id': ['call_id'],
    'span_id': ['span_id'],
    'response_id': ['response_id'],
    'request_id': ['response_id', 'trace_id'],
} -%}
{%- set filters = [] -%}
{%- for name, columns in selectors.items() -%}
    {%- if var(name, none) is not none -%}
        {%- set value = dbt.string_literal(dbt.escape_single_quotes(var(name) | string)) -%}
        {%- for column in columns -%}
            {%- do filters.append('lower(' ~ column ~ ') = lower(' ~ value ~ ')') -%}
        {%- endfor -%}
    {%- endif -%}
{%- endfor -%}
with

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

policy as (
    select * from {{ ref('cost_center_policy') }}
),

-- Overrides are price rows too (they win over the generated sheet).
prices as (
    select
        price_id,
        token_type,
        usd_per_mtok,
        price_source,
        source_version
    from {{ ref('llm_prices') }}
    union all
    select
        price_id,
        token_type,
        usd_per_mtok,
        price_source,
        source_version
    from {{ ref('llm_price_overrides') }}
),

chosen as (
    select * from calls
    {%- if filters %}
        where {{ filters | join(' or ') }}
    {%- endif %}
    -- A request id can match several calls: defend the most expensive.
    order by cost_usd desc nulls last, call_id asc
    limit 1
),

policy_rows as (
    select
        chosen.call_id,
        policy.cost_center,
        policy.valid_from,
        policy.valid_to
    from chosen
    inner join policy
        on
            chosen.tenant_id = policy.tenant_id
            and chosen.call_at >= policy.valid_from
            and (policy.valid_to is null or chosen.call_at < policy.valid_to)
),

price_rows as (
    select
        chosen.call_id,
        {{ dbt.listagg(
            "prices.token_type || ' $' || cast(prices.usd_per_mtok as varchar) || '/Mtok ['"
            ~ " || prices.price_id || ', ' || coalesce(prices.price_source, '?') || ' '"
            ~ " || coalesce(prices.source_version, '?') || ']'",
            "'; '",
            "order by prices.token_type"
        ) }} as price_list
    from chosen
    inner join prices
        on prices.price_id in (
            chosen.input_price_id, chosen.cache_read_price_id, chosen.cache_write_price_id,
            chosen.output_price_id, chosen.reasoning_price_id
        )
    group by chosen.call_id
),

-- `where from` for one identity field: key, hop, depth.
described as (
    select
        chosen.*,
        policy_rows.cost_center as policy_row_cost_center,
        policy_rows.valid_from as policy_valid_from,
        policy_rows.valid_to as policy_valid_to,
        price_rows.price_list,
        case
            when chosen.tenant_id is null then 'no hop carried a tenant (missing_tenant)'
            when chosen.tenant_id_source_kind = 'virtual_key'
                then
                    'owner of virtual key ' || chosen.api_key_id || ' in seed virtual_keys, key read from '
                    || chosen.tenant_id_source_key || ' on hop ' || chosen.tenant_id_source_hop
                    || ' (depth ' || cast(chosen.tenant_id_source_depth as varchar) || ')'
            else
                'attribute ' || chosen.tenant_id_source_key || ' on hop ' || chosen.tenant_id_source_hop
                || ' (depth ' || cast(chosen.tenant_id_source_depth as varchar)
                || case when chosen.tenant_id_source_depth = 0 then ', the call''s own span)' else ')' end
        end
        || case
            when chosen.is_identity_conflict
                then
                    '; CONFLICT: ' || chosen.claimed_tenant_id_source_hop || ' claimed '
                    || chosen.claimed_tenant_id || ' via ' || chosen.claimed_tenant_id_source_key
                    || ', overridden by ' || chosen.identity_conflict_kind
            else ''
        end as tenant_provenance
    from chosen
    left join policy_rows
        on chosen.call_id = policy_rows.call_id
    left join price_rows
        on chosen.call_id = price_rows.call_id
),

answers as (
    select
        1 as question_number,
        'Which tenant or team does this request belong to?' as question,
        coalesce(tenant_id, '(unknown)') as answer,
        tenant_provenance as provenance
    from described
    union all
    select
        2 as question_number,
        'Which cost center does that team map to in the finance taxonomy?' as question,
        chargeback_cost_center as answer,
        case
            when cost_center_source = 'policy'
                then
                    'cost_center_policy row (tenant ' || tenant_id || ', valid from '
                    || cast(policy_valid_from as varchar) || ' to '
                    || coalesce(cast(policy_valid_to as varchar), 'open') || ') in force at '
                    || cast(call_at as varchar)
            when cost_center_source = 'trace'
                then
                    'trace attribute ' || trace_cost_center_source_key || ' on hop '
                    || trace_cost_center_source_hop || ' (in the taxonomy; no policy row in force)'
            else 'none: ' || coalesce(unattributed_reasons, 'no cost center')
        end
        || case
            when is_cost_center_conflict
                then '; the trace said ' || trace_cost_center || ', the policy wins'
            else ''
        end
        || '; status ' || attribution_status as provenance
    from described
    union all
    select
        3 as question_number,
        'Which model and version was invoked, and at what unit price?' as question,
        coalesce(response_model, request_model, '(unknown)') || ' (' || coalesce(provider, '?')
        || ', requested ' || coalesce(request_model, '?') || '): $'
        || coalesce(cast(cost_usd as varchar), 'unpriced') as answer,
        case
            when priced_model is null then 'no price row for the model (unpriced_model)'
            else
                'priced as ' || priced_model || ' (' || model_match || ' match) at '
                || cast(call_at as varchar) || ': ' || coalesce(price_list, '')
                || '; tokens in ' || cast(input_tokens as varchar) || ' (cache read '
                || cast(cache_read_tokens as varchar) || ', write ' || cast(cache_write_tokens as varchar)
                || '), out ' || cast(output_tokens as varchar) || ' (reasoning '
                || cast(reasoning_tokens as varchar) || ')'
                || case
                    when tier_min_input_tokens > 0
                        then '; long-context tier above ' || cast(tier_min_input_tokens as varchar) || ' input tokens'
                    else ''
                end
                || '; list $' || coalesce(cast(list_cost_usd as varchar), '?')
                || case
                    when contract_id is not null then ', contract ' || contract_id || ' applied'
                    else ', no contract'
                end
        end as provenance
    from described
    union all
    select
        4 as question_number,
        'Which workflow or job triggered the request?' as question,
        coalesce(workflow_id, '(unknown)') || ' (budget owner '
        || coalesce(budget_owner, 'none') || ')' as answer,
        case
            when workflow_id is null then 'no hop carried a workflow (missing_workflow)'
            else
                'attribute ' || workflow_id_source_key || ' on hop ' || workflow_id_source_hop
                || ' (depth ' || cast(workflow_id_source_depth as varchar) || '); budget owner '
                || case
                    when budget_owner is null then 'missing: not in workflow_registry'
                    else 'from workflow_registry'
                end
        end as provenance
    from described
    union all
    select
        5 as question_number,
        'Was this initiated by a human user or an automated agent?' as question,
        coalesce(actor_type, 'unknown') || ' (' || coalesce(actor_id, 'no actor id') || ')' as answer,
        case
            when actor_id is null then 'no hop carried an actor (missing_actor)'
            else
                'actor: attribute ' || actor_id_source_key || ' on hop ' || actor_id_source_hop
                || ' (depth ' || cast(actor_id_source_depth as varchar) || ')'
        end
        || '; type: '
        || case
            when actor_type_source_key is not null
                then 'attribute ' || actor_type_source_key || ' on hop ' || actor_type_source_hop
            when actor_type = 'agent' then 'the call sits below an agent hop'
            when actor_type is not null and actor_type != 'unknown'
                then 'actor id prefix (seed actor_type_prefixes)'
            else 'not determined'
        end as provenance
    from described
),

final as (
    select
        described.call_id,
        described.call_at,
        described.cost_usd,
        answers.question_number,
        answers.question,
        answers.answer,
        answers.provenance
    from answers
    cross join described
)

select * from final
order by question_number
