{#- Priced model calls (the third lookup, model + date -> price, is
    int_llm_calls__priced) with identity recovered along the trace, joined to
    the other two lookups: tenant -> cost center in force at the call
    (policy_in_force) and workflow -> budget owner (workflow_owners), with one
    boolean per failed lookup. Rules: docs/attribution_rules.md. -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{%- set reason_flags = [] -%}
{%- for reason in attribution_reasons() -%}
    {%- do reason_flags.append('is_' ~ reason.reason) -%}
{%- endfor -%}
{%- set any_failed_lookup = reason_flags | join(' or ') -%}
{%- set actor_prefixes = mapping_rows('actor_type_prefixes', 'actor_id_prefix', 'actor_type', 'actor_type_prefixes') -%}
{#- What is passed on: the columns a model downstream reads (fct_llm_calls,
    int_llm_calls__token_lines, unattributed_llm_spend). Not the recovered
    fields' source span keys, the API key's provenance, the depths
    fct_llm_calls does not show (actor type's, the losing tenant claim's),
    nor the matched price row and the lookup keys of int_llm_calls__priced:
    those stay in the models that make them (the execution fields' source
    keys and the call-copy choice stay in int_spans__canonicalized). -#}
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
{%- set priced_not_passed_on = ['matched_ref', 'provider_key', 'model_key'] -%}
with

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
        {{ star_except('priced', priced_not_passed_on, ref('int_llm_calls__priced')) }},
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

joined as (
    select
        calls.*,
        policy_in_force.policy_cost_center,
        cost_center_taxonomy.cost_center is not null as is_trace_cost_center_known,
        workflow_owners.workflow_id is not null as is_workflow_registered,
        workflow_owners.budget_owner,
        -- Calls below an agent hop were initiated by that agent.
        coalesce(lineage.has_agent_ancestor, false) as is_agent_initiated
    from calls
    left join policy_in_force
        on calls.span_key = policy_in_force.span_key
    left join cost_center_taxonomy
        on calls.cost_center = cost_center_taxonomy.cost_center
    left join workflow_owners
        on calls.workflow_id = workflow_owners.workflow_id
    left join lineage
        on calls.span_key = lineage.span_key
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
        ) as resolved_actor_type
    from flagged
),

final as (
    select
        *,
        case
            when resolved_cost_center is null then 'unattributed'
            when {{ any_failed_lookup }} then 'partially_attributed'
            else 'attributed'
        end as attribution_status
    from resolved
)

select * from final
