{#- One row per model call: everything needed to answer the five questions
    of a disputed charge (tenant, cost center, model and unit price, workflow,
    actor) without another lookup. The priced calls (the third lookup, model +
    date -> price, is int_llm_calls__priced) with identity recovered along the
    trace, joined to the other two lookups: tenant -> cost center in force at
    the call (policy_in_force) and workflow -> budget owner (workflow_owners),
    with one flag per failed lookup (their codes: unattributed_reasons).
    Rules: docs/attribution_rules.md. Calls served by provisioned capacity (a
    shared_charges row with a deployment) are billed 0 per token. -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{%- set token_types = ['input', 'cache_read', 'cache_write', 'output', 'reasoning'] -%}
{%- set reason_flags = [] -%}
{%- for reason in attribution_reasons() -%}
    {%- do reason_flags.append('is_' ~ reason.reason) -%}
{%- endfor -%}
{%- set any_failed_lookup = reason_flags | join(' or ') -%}
{%- set actor_prefixes = mapping_rows('actor_type_prefixes', 'actor_id_prefix', 'actor_type', 'actor_type_prefixes') -%}
{#- The recovered identity columns read: not the recovered fields' source
    span keys, the API key's provenance, nor the depths this model does not
    show (actor type's, the losing tenant claim's). -#}
{%- set identity_columns = [] -%}
{%- for field in recovered_identity_fields() -%}
    {%- for suffix in ['', '_source_key', '_source_hop', '_source_depth'] -%}
        {%- if field ~ suffix != 'actor_type_source_depth' -%}
            {%- do identity_columns.append(field ~ suffix) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endfor -%}
{%- do identity_columns.extend([
    'api_key_id', 'tenant_id_source_kind', 'virtual_key_tenant_id', 'is_identity_conflict', 'identity_conflict_kind',
    'claimed_tenant_id', 'claimed_tenant_id_source_key', 'claimed_tenant_id_source_hop'
]) -%}
with

-- Read twice (the calls and the provisioned-charge lookup): inlined, so
-- DuckDB holds no copy of every priced column (cte_inline_hint).
priced as {{ cte_inline_hint() }} (
    select * from {{ ref('int_llm_calls__priced') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

-- Read twice (the calls and, through them, the policy lookup), like
-- `calls`: inlined, so the lookup reads only the span key, tenant and start
-- of each call, and DuckDB holds no copy of every identity or priced column
-- (10M spans, 3 GB: 5.6 GB spilled and 126 s of CPU, against 0.3 GB and
-- 91 s; cte_inline_hint).
identity as {{ cte_inline_hint() }} (
    select
        {%- for column in identity_columns %}
            {{ column }},
        {%- endfor %}
        span_key
    from {{ ref('int_llm_calls__identity_recovered') }}
    where {{ in_rebuilt_traces(trace_of('span_key')) }}
),

lineage as (
    select
        span_key,
        has_agent_ancestor
    from {{ ref('int_spans__lineage') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

-- Priced calls with their identity recovered along the trace.
calls as {{ cte_inline_hint() }} (
    select
        priced.*,
        {%- for column in identity_columns[:-1] %}
            identity.{{ column }},
        {%- endfor %}
        identity.{{ identity_columns[-1] }}
    from priced
    left join identity
        on priced.span_key = identity.span_key
),

policy as (
    select
        {{ canonical_tenant_id('tenant_id') }} as tenant_id,
        cost_center,
        valid_from,
        valid_to
    from {{ ref('cost_center_policy') }}
),

-- Lookup: workflow -> budget owner (seed workflow_registry), joined on the
-- call's workflow_id below.
workflow_owners as (
    select
        workflow_id,
        budget_owner
    from {{ ref('workflow_registry') }}
),

cost_center_taxonomy as (
    select distinct cost_center from policy
),

charges as (
    select * from {{ ref('shared_charges') }}
    where deployment is not null
),

-- Lookup: tenant -> cost center in force at the call (seed cost_center_policy).
policy_in_force as (
    select
        calls.span_key,
        max(policy.cost_center) as policy_cost_center,
        count(*) as policy_rows_in_force
    from calls
    inner join policy
        on
            calls.tenant_id = policy.tenant_id
            and calls.started_at >= policy.valid_from
            and (policy.valid_to is null or calls.started_at < policy.valid_to)
    group by calls.span_key
),

-- Call -> provisioned charge: the provider's calls whose request model is
-- the deployment of a shared charge (seed shared_charges, with a
-- deployment) within the charge's period; the first charge by id when two
-- overlap.
provisioned_matches as (
    select
        priced.span_key,
        charges.charge_id,
        row_number() over (
            partition by priced.span_key
            order by charges.charge_id
        ) as charge_rank
    from priced
    inner join charges
        on
            priced.provider = charges.provider
            and priced.request_model = charges.deployment
            and priced.started_at >= charges.billing_period_start
            and priced.started_at < charges.billing_period_end
),

provisioned as (
    select
        span_key,
        cast(charge_id as {{ dbt.type_string() }}) as provisioned_charge_id
    from provisioned_matches
    where charge_rank = 1
),

joined as (
    select
        calls.*,
        policy_in_force.policy_cost_center,
        cost_center_taxonomy.cost_center is not null as is_trace_cost_center_known,
        workflow_owners.workflow_id is not null as is_workflow_registered,
        workflow_owners.budget_owner,
        -- Calls below an agent hop were initiated by that agent.
        coalesce(lineage.has_agent_ancestor, false) as is_agent_initiated,
        provisioned.provisioned_charge_id
    from calls
    left join policy_in_force
        on calls.span_key = policy_in_force.span_key
    left join cost_center_taxonomy
        on calls.cost_center = cost_center_taxonomy.cost_center
    left join workflow_owners
        on calls.workflow_id = workflow_owners.workflow_id
    left join lineage
        on calls.span_key = lineage.span_key
    left join provisioned
        on calls.span_key = provisioned.span_key
),

flagged as (
    select
        *,
        tenant_id is null as is_missing_tenant,
        tenant_id is not null and policy_cost_center is null as is_unmapped_tenant,
        cost_center is not null and not is_trace_cost_center_known
            as is_unknown_cost_center,
        workflow_id is null as is_missing_workflow,
        workflow_id is not null and not is_workflow_registered
            as is_unregistered_workflow,
        actor_id is null as is_missing_actor,
        pricing_status != 'priced' as is_unpriced_model,
        coalesce(
            policy_cost_center is not null
            and cost_center is not null
            and cost_center != policy_cost_center,
            false
        ) as is_cost_center_conflict
    from joined
),

-- The cost center (the policy's, else a trace cost center the taxonomy
-- knows), the actor type, and the cost billed per token: calls served by
-- provisioned capacity keep their usage and list cost but are not billed
-- per token again (the capacity's charge is allocated instead:
-- int_shared_charges__allocated).
resolved as (
    select
        *,
        coalesce(
            policy_cost_center,
            case when is_trace_cost_center_known then cost_center end
        ) as resolved_cost_center,
        case
            when policy_cost_center is not null then 'policy'
            when is_trace_cost_center_known then 'trace'
        end as cost_center_source,
        coalesce(
            lower({{ nonblank('actor_type') }}),
            case
                when is_agent_initiated then 'agent'
                {%- for prefix, actor_type in actor_prefixes %}
                    when substring(lower(actor_id), 1, {{ prefix | length }}) = '{{ prefix }}'
                        then '{{ actor_type }}'
                {%- endfor %}
                when actor_id is not null then 'unknown'
            end
        ) as resolved_actor_type,
        case
            when provisioned_charge_id is not null then cast(0 as {{ money_type() }})
            else cost_usd
        end as billed_cost_usd
    from flagged
),

final as (
    select
        cast(span_key as {{ dbt.type_string() }}) as call_id,
        cast(trace_id as {{ dbt.type_string() }}) as trace_id,
        cast(span_id as {{ dbt.type_string() }}) as span_id,
        cast(started_at as {{ dbt.type_timestamp() }}) as call_at,
        cast({{ dbt.date_trunc('day', 'started_at') }} as date) as call_date,
        cast({{ dbt.date_trunc('month', 'started_at') }} as {{ dbt.type_timestamp() }})
            as billing_period_start,
        cast(
            {{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'started_at')) }}
            as {{ dbt.type_timestamp() }}
        ) as billing_period_end,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(tenant_id_source_key as {{ dbt.type_string() }}) as tenant_id_source_key,
        cast(resolved_cost_center as {{ dbt.type_string() }}) as cost_center,
        cast(cost_center_source as {{ dbt.type_string() }}) as cost_center_source,
        cast(coalesce(resolved_cost_center, {{ unattributed_bucket() }}) as {{ dbt.type_string() }})
            as chargeback_cost_center,
        cast(policy_cost_center as {{ dbt.type_string() }}) as policy_cost_center,
        cast(cost_center as {{ dbt.type_string() }}) as trace_cost_center,
        cast(cost_center_source_key as {{ dbt.type_string() }}) as trace_cost_center_source_key,
        cast(is_cost_center_conflict as boolean) as is_cost_center_conflict,
        cast(workflow_id as {{ dbt.type_string() }}) as workflow_id,
        cast(workflow_id_source_key as {{ dbt.type_string() }}) as workflow_id_source_key,
        cast(budget_owner as {{ dbt.type_string() }}) as budget_owner,
        cast(actor_id as {{ dbt.type_string() }}) as actor_id,
        cast(actor_id_source_key as {{ dbt.type_string() }}) as actor_id_source_key,
        cast(resolved_actor_type as {{ dbt.type_string() }}) as actor_type,
        -- Identity provenance: the hop (service / span name) and depth each
        -- identity field came from (0 = the call's own span), and conflicts.
        cast(tenant_id_source_hop as {{ dbt.type_string() }}) as tenant_id_source_hop,
        cast(tenant_id_source_depth as {{ dbt.type_int() }}) as tenant_id_source_depth,
        cast(tenant_id_source_kind as {{ dbt.type_string() }}) as tenant_id_source_kind,
        cast(api_key_id as {{ dbt.type_string() }}) as api_key_id,
        cast(virtual_key_tenant_id as {{ dbt.type_string() }}) as virtual_key_tenant_id,
        cast(is_identity_conflict as boolean) as is_identity_conflict,
        cast(identity_conflict_kind as {{ dbt.type_string() }}) as identity_conflict_kind,
        cast(claimed_tenant_id as {{ dbt.type_string() }}) as claimed_tenant_id,
        cast(claimed_tenant_id_source_key as {{ dbt.type_string() }}) as claimed_tenant_id_source_key,
        cast(claimed_tenant_id_source_hop as {{ dbt.type_string() }}) as claimed_tenant_id_source_hop,
        cast(cost_center_source_hop as {{ dbt.type_string() }}) as trace_cost_center_source_hop,
        cast(cost_center_source_depth as {{ dbt.type_int() }}) as trace_cost_center_source_depth,
        cast(workflow_id_source_hop as {{ dbt.type_string() }}) as workflow_id_source_hop,
        cast(workflow_id_source_depth as {{ dbt.type_int() }}) as workflow_id_source_depth,
        cast(actor_id_source_hop as {{ dbt.type_string() }}) as actor_id_source_hop,
        cast(actor_id_source_depth as {{ dbt.type_int() }}) as actor_id_source_depth,
        cast(actor_type_source_key as {{ dbt.type_string() }}) as actor_type_source_key,
        cast(actor_type_source_hop as {{ dbt.type_string() }}) as actor_type_source_hop,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(lower(operation) as {{ dbt.type_string() }}) as operation,
        cast(request_model as {{ dbt.type_string() }}) as request_model,
        cast(response_model as {{ dbt.type_string() }}) as response_model,
        cast(priced_model as {{ dbt.type_string() }}) as priced_model,
        cast(model_match as {{ dbt.type_string() }}) as model_match,
        cast(pricing_provider as {{ dbt.type_string() }}) as pricing_provider,
        cast(priced_provider as {{ dbt.type_string() }}) as priced_provider,
        cast(matched_rule as {{ dbt.type_string() }}) as matched_rule,
        cast(tier_min_input_tokens as {{ dbt.type_bigint() }}) as tier_min_input_tokens,
        cast(price_source as {{ dbt.type_string() }}) as price_source,
        cast(source_version as {{ dbt.type_string() }}) as source_version,
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(coalesce(input_tokens, 0) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(coalesce(cache_read_tokens, 0) as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(coalesce(cache_write_tokens, 0) as {{ dbt.type_bigint() }}) as cache_write_tokens,
        cast(coalesce(output_tokens, 0) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(coalesce(reasoning_tokens, 0) as {{ dbt.type_bigint() }}) as reasoning_tokens,
        {%- for token_type in token_types %}
            cast({{ token_type }}_usd_per_mtok as decimal(18, 9)) as {{ token_type }}_usd_per_mtok,
            cast({{ token_type }}_price_id as {{ dbt.type_string() }}) as {{ token_type }}_price_id,
        {%- endfor %}
        cast(input_cost_usd as {{ money_type() }}) as input_cost_usd,
        cast(cache_read_cost_usd as {{ money_type() }}) as cache_read_cost_usd,
        cast(cache_write_cost_usd as {{ money_type() }}) as cache_write_cost_usd,
        cast(output_cost_usd as {{ money_type() }}) as output_cost_usd,
        cast(reasoning_cost_usd as {{ money_type() }}) as reasoning_cost_usd,
        cast(billed_cost_usd as {{ money_type() }}) as cost_usd,
        cast(list_cost_usd as {{ money_type() }}) as list_cost_usd,
        cast(billed_cost_usd as {{ money_type() }}) as contracted_cost_usd,
        cast(contract_id as {{ dbt.type_string() }}) as contract_id,
        cast(pricing_status as {{ dbt.type_string() }}) as pricing_status,
        cast(has_inconsistent_token_counts as boolean) as has_inconsistent_token_counts,
        cast(
            case
                when resolved_cost_center is null then 'unattributed'
                when {{ any_failed_lookup }} then 'partially_attributed'
                else 'attributed'
            end as {{ dbt.type_string() }}
        ) as attribution_status,
        cast({{ attribution_reason_list() }} as {{ dbt.type_string() }}) as unattributed_reasons,
        cast(service_name as {{ dbt.type_string() }}) as service_name,
        cast(span_name as {{ dbt.type_string() }}) as span_name,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(provisioned_charge_id is not null as boolean) as is_provisioned,
        cast(provisioned_charge_id as {{ dbt.type_string() }}) as provisioned_charge_id,
        cast(cost_usd as {{ money_type() }}) as token_cost_usd
    from resolved
)

select * from final
