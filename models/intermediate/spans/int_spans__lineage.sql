{#- Each span's place in its trace: depth below the highest ancestor that
    arrived, whether the chain reaches a root, ends at a parent that never
    arrived (orphan), or loops / exceeds the depth bound, whether an agent
    hop is above it, and the span's role as a hop (the one definition the
    hop reports use).

    How: a walk up the parents, one join per level up to var
    max_trace_depth (no recursion, so it runs on any engine). A walker stops
    at a parent that never arrived, at itself, or at an ancestor it already
    passed (a cycle above it); it keeps the ancestors it passed as columns
    to see the last one. Depth is the number of distinct ancestors passed. -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{%- set max_depth = var('max_trace_depth', 12) -%}
with

spans as {{ cte_inline_hint() }} (
    select
        span_key,
        trace_id,
        service_name,
        span_name,
        started_at,
        is_model_call,
        operation,
        parent_span_key
    from {{ ref('int_spans__canonicalized') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

hops as (
    select
        spans.span_key,
        spans.parent_span_key,
        parent.span_key is not null as is_parent_arrived,
        lower(spans.operation) in ('invoke_agent', 'create_agent')
        or spans.span_name like 'invoke_agent%' as is_agent
    from spans
    left join spans as parent
        on spans.parent_span_key = parent.span_key
),

level_0 as (
    select
        span_key,
        0 as depth,
        span_key as top_span_key,
        parent_span_key as top_parent_span_key,
        false as has_agent_ancestor,
        coalesce(0 < {{ max_depth }} and is_parent_arrived and parent_span_key != span_key, false)
            as has_next
    from hops
),
{%- for level in range(1, max_depth + 1) %}

    level_{{ level }} as (
        select
            walk.span_key,
            {{ level }} as depth,
            {%- for passed in range(1, level) %}
                walk.ancestor_{{ passed }},
            {%- endfor %}
            parent.span_key as ancestor_{{ level }},
            parent.span_key as top_span_key,
            parent.parent_span_key as top_parent_span_key,
            walk.has_agent_ancestor or coalesce(parent.is_agent, false) as has_agent_ancestor,
            coalesce(
                {{ level }} < {{ max_depth }}
                and parent.is_parent_arrived
                and parent.parent_span_key != walk.span_key
                {%- for passed in range(1, level) %}
                    and parent.parent_span_key != walk.ancestor_{{ passed }}
                {%- endfor %}
                and parent.parent_span_key != parent.span_key,
                false
            ) as has_next
        from level_{{ level - 1 }} as walk
        inner join hops as parent
            on walk.top_parent_span_key = parent.span_key
        where walk.has_next
    ),
{%- endfor %}

walked as (
    {%- for level in range(0, max_depth + 1) %}
        select
            span_key,
            depth,
            top_span_key,
            top_parent_span_key,
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
            when
                lower(spans.operation) in ('invoke_agent', 'create_agent')
                or spans.span_name like 'invoke_agent%' then 'agent'
            when walked.depth = 0 then 'root'
            else 'intermediate'
        end as span_role,
        cast({{ dbt.date_trunc('day', 'spans.started_at') }} as date) as span_date,
        walked.top_span_key,
        case
            when walked.top_parent_span_key is null then 'complete'
            when top_parent.span_key is null then 'orphaned'
            else 'cycle_or_too_deep'
        end as lineage_status,
        walked.has_agent_ancestor
    from spans
    inner join walked
        on spans.span_key = walked.span_key
    left join spans as top_parent
        on walked.top_parent_span_key = top_parent.span_key
)

select * from final
