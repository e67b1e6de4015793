{#- The slim fact behind alias_usage_by_hop: per UTC day, identity field,
    alias key, hop service and span role, how many spans carried a non-blank
    value under the key, how many of them read their canonical value from it
    (first alias in order), and how many traces carried it there for the
    first time (their first such span starts that day), so the mart adds up
    distinct traces over all history without keeping a row per trace. Every
    alias on every span is read from the span attributes (pseudo-field
    api_key_id for seed attribute_aliases' virtual keys).
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
-- full build), with their day.
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
        span_key,
        trace_id,
        service_name,
        attributes
    from {{ ref('stg_traces__spans') }}
    {%- if rebuilt_day_traces is not none %}
        where {{ rebuilt_day_traces }}
    {%- endif %}
),

alias_registry as (
    {{ identity_alias_registry() }}
),

entries as (
    {{ map_entry_rows('spans', ['span_key', 'trace_id', 'service_name'], 'attributes') }}
),

identity_attributes as (
    select
        entries.span_key,
        entries.trace_id,
        entries.service_name,
        alias_registry.identity_field,
        alias_registry.alias_key,
        alias_registry.alias_rank,
        alias_registry.alias_key = alias_registry.identity_field as is_canonical_key
    from entries
    inner join alias_registry
        on entries.attribute_key = alias_registry.alias_key
    where {{ nonblank('entries.attribute_value') }} is not null
),

-- The alias a span's canonical value was read from (first by alias order).
span_winners as (
    select
        span_key,
        identity_field,
        min(alias_rank) as winning_alias_rank
    from identity_attributes
    group by span_key, identity_field
),

alias_uses as (
    select
        identity_attributes.trace_id,
        identity_attributes.identity_field,
        identity_attributes.alias_key,
        identity_attributes.is_canonical_key,
        identity_attributes.alias_rank,
        coalesce(identity_attributes.service_name, '(no service.name)') as service_name,
        lineage.span_role,
        lineage.span_date,
        span_winners.winning_alias_rank = identity_attributes.alias_rank as is_winning_alias
    from identity_attributes
    inner join lineage
        on identity_attributes.span_key = lineage.span_key
    inner join span_winners
        on
            identity_attributes.span_key = span_winners.span_key
            and identity_attributes.identity_field = span_winners.identity_field
),

-- Each trace's first day with a span carrying the key at the hop.
trace_first_days as (
    select
        identity_field,
        alias_key,
        service_name,
        span_role,
        trace_id,
        min(span_date) as span_date
    from alias_uses
    group by identity_field, alias_key, service_name, span_role, trace_id
),

first_seen_traces as (
    select
        identity_field,
        alias_key,
        service_name,
        span_role,
        span_date,
        count(*) as first_seen_trace_count
    from trace_first_days
    where {{ day_filter }}
    group by identity_field, alias_key, service_name, span_role, span_date
),

day_uses as (
    select
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
    where {{ day_filter }}
    group by
        identity_field,
        alias_key,
        is_canonical_key,
        alias_rank,
        service_name,
        span_role,
        span_date
),

final as (
    select
        day_uses.span_date,
        day_uses.identity_field,
        day_uses.alias_key,
        day_uses.is_canonical_key,
        cast(day_uses.alias_rank as {{ dbt.type_int() }}) as alias_rank,
        day_uses.service_name,
        day_uses.span_role,
        cast(day_uses.span_count as {{ dbt.type_bigint() }}) as span_count,
        cast(day_uses.winning_span_count as {{ dbt.type_bigint() }}) as winning_span_count,
        cast(
            coalesce(first_seen_traces.first_seen_trace_count, 0) as {{ dbt.type_bigint() }}
        ) as first_seen_trace_count
    from day_uses
    left join first_seen_traces
        on
            day_uses.identity_field = first_seen_traces.identity_field
            and day_uses.alias_key = first_seen_traces.alias_key
            and day_uses.service_name = first_seen_traces.service_name
            and day_uses.span_role = first_seen_traces.span_role
            and day_uses.span_date = first_seen_traces.span_date
)

select * from final
