{#- Each span's ancestors in its trace, nearest first, found by following
    parent_span_id at most var max_trace_depth times. Set-based (one join per
    level, no recursion) so it runs on any engine; a cycle or a chain deeper
    than the bound simply stops at the bound. -#}
{%- set max_depth = var('max_trace_depth', 12) -%}
with

spans as {{ cte_inline_hint() }} (
    select
        span_key,
        parent_span_key
    from {{ ref('stg_traces__spans') }}
),

level_1 as (
    select
        child.span_key,
        parent.span_key as ancestor_span_key,
        parent.parent_span_key as next_span_key,
        1 as distance
    from spans as child
    inner join spans as parent
        on child.parent_span_key = parent.span_key
    where parent.span_key != child.span_key
),
{%- for level in range(2, max_depth + 1) %}

    level_{{ level }} as (
        select
            walk.span_key,
            parent.span_key as ancestor_span_key,
            parent.parent_span_key as next_span_key,
            {{ level }} as distance
        from level_{{ level - 1 }} as walk
        inner join spans as parent
            on walk.next_span_key = parent.span_key
        where parent.span_key != walk.span_key
    ),
{%- endfor %}

all_levels as (
    {%- for level in range(1, max_depth + 1) %}
        select * from level_{{ level }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

nearest as (
    select
        span_key,
        ancestor_span_key,
        min(distance) as distance
    from all_levels
    group by span_key, ancestor_span_key
)

select * from nearest
