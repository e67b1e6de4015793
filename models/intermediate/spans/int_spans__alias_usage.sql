{#- The slim fact behind alias_usage_by_hop: per UTC day, identity field,
    alias key, hop service and span role, how many spans carried a non-blank
    value under the key, how many of them read their canonical value from it
    (first alias in order), and how many traces carried it there for the
    first time (their first such span starts that day), so the mart adds up
    distinct traces over all history without keeping a row per trace. Every
    alias on every span is read from the span attributes (pseudo-field
    api_key_id for seed attribute_aliases' virtual keys). The counts are
    summed from one row per trace, key, hop and day (at 10x the 1M spans,
    17.7 s against 58.5 s for separate aggregates over every span).
    Rebuilt by span_date on nightly runs (period_rebuild_config). A trace's
    first day needs all of its spans, so every span of each trace with a
    span on a rebuilt day is read; a trace that changed is listed in
    stg_traces__affected_traces and its days before and after are rebuilt
    (rebuilt_days), so the first day it had and the one it has now are both
    rewritten. -#}
{{ config(**period_rebuild_config('span_date')) }}
{%- set day_filter = in_rebuilt_periods('span_date') | trim -%}
{%- set rebuilt_day_traces = none if day_filter == 'true' else (
    'trace_id in (select rebuilt.trace_id from ' ~ ref('int_spans__lineage')
    ~ ' as rebuilt where ' ~ day_filter ~ ')'
) -%}
with

-- The spans of the traces with a span on a rebuilt day (every trace on a
-- full build), with their role and day: joined once per span, before the
-- attributes are exploded.
lineage as (
    select
        span_key,
        span_role,
        span_date
    from {{ ref('int_spans__lineage') }}
    {%- if rebuilt_day_traces is not none %}
        where {{ rebuilt_day_traces }}
    {%- endif %}
),

-- Their spans (the usable first copy of each, stg_traces__spans).
spans as (
    select
        stg_spans.span_key,
        stg_spans.trace_id,
        stg_spans.service_name,
        stg_spans.attributes,
        lineage.span_role,
        lineage.span_date
    from {{ ref('stg_traces__spans') }} as stg_spans
    inner join lineage
        on stg_spans.span_key = lineage.span_key
),

alias_registry as (
    {{ identity_alias_registry() }}
),

entries as (
    {{ map_entry_rows('spans', ['span_key', 'trace_id', 'service_name', 'span_role', 'span_date'], 'attributes') }}
),

identity_attributes as (
    select
        entries.span_key,
        entries.trace_id,
        entries.service_name,
        entries.span_role,
        entries.span_date,
        alias_registry.identity_field,
        alias_registry.alias_key,
        alias_registry.alias_rank,
        alias_registry.alias_key = alias_registry.identity_field as is_canonical_key
    from entries
    inner join alias_registry
        on entries.attribute_key = alias_registry.alias_key
    where {{ nonblank('entries.attribute_value') }} is not null
),

-- Whether the span read its canonical value from this alias (the first
-- one by alias order).
alias_uses as (
    select
        trace_id,
        identity_field,
        alias_key,
        is_canonical_key,
        alias_rank,
        coalesce(service_name, '(no service.name)') as service_name,
        span_role,
        span_date,
        min(alias_rank) over (partition by span_key, identity_field) = alias_rank as is_winning_alias
    from identity_attributes
),

-- One row per trace, alias key, hop and day: the aggregates below read
-- these instead of every span.
trace_uses as (
    select
        trace_id,
        identity_field,
        alias_key,
        is_canonical_key,
        alias_rank,
        service_name,
        span_role,
        span_date,
        count(*) as span_count,
        sum(case when is_winning_alias then 1 else 0 end) as winning_span_count
    from alias_uses
    group by
        trace_id,
        identity_field,
        alias_key,
        is_canonical_key,
        alias_rank,
        service_name,
        span_role,
        span_date
),

-- The trace's first day with a span carrying the key at the hop.
trace_days as (
    select
        *,
        span_date = min(span_date) over (
            partition by trace_id, identity_field, alias_key, service_name, span_role
        ) as is_first_day
    from trace_uses
),

final as (
    select
        span_date,
        identity_field,
        alias_key,
        is_canonical_key,
        cast(alias_rank as {{ dbt.type_int() }}) as alias_rank,
        service_name,
        span_role,
        cast(sum(span_count) as {{ dbt.type_bigint() }}) as span_count,
        cast(sum(winning_span_count) as {{ dbt.type_bigint() }}) as winning_span_count,
        cast(sum(case when is_first_day then 1 else 0 end) as {{ dbt.type_bigint() }})
            as first_seen_trace_count
    from trace_days
    where {{ day_filter }}
    group by
        span_date,
        identity_field,
        alias_key,
        is_canonical_key,
        alias_rank,
        service_name,
        span_role
)

select * from final
