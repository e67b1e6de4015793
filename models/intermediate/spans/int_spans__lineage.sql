{#- Each span's place in its trace: depth below the highest ancestor that
    arrived, whether the chain reaches a root, ends at a parent that never
    arrived (orphan), or loops / exceeds the depth bound, whether an agent
    hop is above it, and the span's role as a hop (the one definition the
    hop reports use).

    How: a walk up the parents, one join per level up to var
    max_trace_depth (no recursion, so it runs on any engine). A walker stops
    at a parent that never arrived, at itself, or at an ancestor it already
    passed (a cycle above it); it keeps the ancestors it passed as columns
    to see the last one. Depth is the number of distinct ancestors passed.
    The walk joins on the spans' numbers (hop_id / parent_hop_id of
    int_spans__identity_hops), not on their text keys: at 10M spans the
    thirteen joins on 49-character keys took 31 s, on numbers 9 s. -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{%- set max_depth = var('max_trace_depth', 12) -%}
with

-- Both import CTEs are read more than once (rebuilt_traces_cte_hint; 10M
-- spans on 30 days: the night's select 2.6-2.8 s against 1.7 s computed
-- once).
spans as {{ rebuilt_traces_cte_hint() }} (
    select
        span_key,
        trace_id,
        service_name,
        span_name,
        started_at,
        is_model_call,
        parent_span_key,
        -- An agent hop: the one definition of the rule (role and ancestry).
        lower(operation) in ('invoke_agent', 'create_agent')
        or span_name like 'invoke_agent%' as is_agent
    from {{ ref('int_spans__canonicalized') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

-- Each span's number and its parent's (null when the parent never arrived).
hop_ids as {{ rebuilt_traces_cte_hint() }} (
    select
        span_key,
        hop_id,
        parent_hop_id
    from {{ ref('int_spans__identity_hops') }}
    where {{ in_rebuilt_traces(trace_of('span_key')) }}
),

hops as (
    select
        hop_ids.hop_id,
        hop_ids.parent_hop_id,
        spans.parent_span_key is not null as has_parent_key,
        spans.is_agent
    from spans
    inner join hop_ids
        on spans.span_key = hop_ids.span_key
),

level_0 as (
    select
        hop_id,
        0 as depth,
        hop_id as top_hop_id,
        parent_hop_id as top_parent_hop_id,
        has_parent_key as top_has_parent_key,
        false as has_agent_ancestor,
        coalesce(0 < {{ max_depth }} and parent_hop_id != hop_id, false) as has_next
    from hops
),
{%- for level in range(1, max_depth + 1) %}

    level_{{ level }} as (
        select
            walk.hop_id,
            {{ level }} as depth,
            {%- for passed in range(1, level) %}
                walk.ancestor_{{ passed }},
            {%- endfor %}
            parent.hop_id as ancestor_{{ level }},
            parent.hop_id as top_hop_id,
            parent.parent_hop_id as top_parent_hop_id,
            parent.has_parent_key as top_has_parent_key,
            walk.has_agent_ancestor or coalesce(parent.is_agent, false) as has_agent_ancestor,
            coalesce(
                {{ level }} < {{ max_depth }}
                and parent.parent_hop_id != walk.hop_id
                {%- for passed in range(1, level) %}
                    and parent.parent_hop_id != walk.ancestor_{{ passed }}
                {%- endfor %}
                and parent.parent_hop_id != parent.hop_id,
                false
            ) as has_next
        from level_{{ level - 1 }} as walk
        inner join hops as parent
            on walk.top_parent_hop_id = parent.hop_id
        where walk.has_next
    ),
{%- endfor %}

walked as (
    {%- for level in range(0, max_depth + 1) %}
        select
            hop_id,
            depth,
            top_hop_id,
            top_parent_hop_id,
            top_has_parent_key,
            has_agent_ancestor
        from level_{{ level }}
        where not has_next
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        spans.span_key,
        spans.trace_id,
        spans.service_name,
        spans.span_name,
        spans.started_at,
        walked.depth,
        case
            when spans.is_model_call then 'model_call'
            when spans.is_agent then 'agent'
            when walked.depth = 0 then 'root'
            else 'intermediate'
        end as span_role,
        cast({{ dbt.date_trunc('day', 'spans.started_at') }} as date) as span_date,
        top_hop.span_key as top_span_key,
        -- The top span has no parent key: a root; a parent key whose span
        -- never arrived: an orphan; else the walk stopped at a cycle or the
        -- depth bound.
        case
            when not walked.top_has_parent_key then 'complete'
            when walked.top_parent_hop_id is null then 'orphaned'
            else 'cycle_or_too_deep'
        end as lineage_status,
        walked.has_agent_ancestor
    from spans
    inner join hop_ids as own_hop
        on spans.span_key = own_hop.span_key
    inner join walked
        on own_hop.hop_id = walked.hop_id
    inner join hop_ids as top_hop
        on walked.top_hop_id = top_hop.hop_id
)

select * from final
