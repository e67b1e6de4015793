{#- Each span's place in its trace: depth below the highest ancestor that
    arrived, whether the chain reaches a root, ends at a parent that never
    arrived (orphan), or loops / exceeds the depth bound, and the span's role
    as a hop (the one definition the hop reports use). -#}
with

spans as {{ cte_inline_hint() }} (
    select * from {{ ref('int_spans__canonicalized') }}
),

ancestry as {{ cte_inline_hint() }} (
    select * from {{ ref('int_spans__ancestry') }}
),

depths as (
    select
        span_key,
        max(distance) as depth,
        count(*) as ancestor_count
    from ancestry
    group by span_key
),

top_ancestor as (
    select
        ancestry.span_key,
        ancestry.ancestor_span_key as top_span_key
    from ancestry
    inner join depths
        on
            ancestry.span_key = depths.span_key
            and ancestry.distance = depths.depth
),

chain_ends as (
    select
        spans.span_key,
        spans.trace_id,
        spans.service_name,
        spans.span_name,
        spans.started_at,
        spans.is_model_call,
        spans.operation,
        coalesce(depths.depth, 0) as depth,
        coalesce(top_ancestor.top_span_key, spans.span_key) as top_span_key,
        case
            when top_ancestor.top_span_key is null then spans.parent_span_key
            else top_span.parent_span_key
        end as top_parent_span_key
    from spans
    left join depths
        on spans.span_key = depths.span_key
    left join top_ancestor
        on spans.span_key = top_ancestor.span_key
    left join spans as top_span
        on top_ancestor.top_span_key = top_span.span_key
),

final as (
    select
        chain_ends.span_key,
        chain_ends.trace_id,
        chain_ends.service_name,
        chain_ends.span_name,
        chain_ends.started_at,
        chain_ends.depth,
        case
            when chain_ends.is_model_call then 'model_call'
            when
                lower(chain_ends.operation) in ('invoke_agent', 'create_agent')
                or chain_ends.span_name like 'invoke_agent%' then 'agent'
            when chain_ends.depth = 0 then 'root'
            else 'intermediate'
        end as span_role,
        cast({{ dbt.date_trunc('day', 'chain_ends.started_at') }} as date) as span_date,
        chain_ends.top_span_key,
        case
            when chain_ends.top_parent_span_key is null then 'complete'
            when top_parent.span_key is null then 'orphaned'
            else 'cycle_or_too_deep'
        end as lineage_status
    from chain_ends
    left join spans as top_parent
        on chain_ends.top_parent_span_key = top_parent.span_key
)

select * from final
