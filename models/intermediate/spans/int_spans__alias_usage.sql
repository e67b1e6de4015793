{#- The slim fact behind alias_usage_by_hop: per UTC day, identity field,
    alias key, hop service and span role, how many spans carried a non-blank
    value under the key, how many of them read their canonical value from it
    (first non-blank alias in order: int_spans__identity_hops' near rank,
    the one place that says it), and how many traces carried it there for
    the first time (their first such span starts that day), so the mart adds
    up distinct traces over all history without keeping a row per trace.
    Every alias on every span is read from the span attributes (pseudo-field
    api_key_id for seed attribute_aliases' virtual keys).
    Rebuilt by span_date on nightly runs (period_rebuild_config). A trace's
    first day needs all of its spans, so every span of each trace with a
    span on a rebuilt day is read; a trace that changed is listed in
    stg_traces__affected_traces and its days before and after are rebuilt
    (rebuilt_days), so the first day it had and the one it has now are both
    rewritten. -#}
{{ config(**period_rebuild_config('span_date')) }}
{%- set day_filter = in_rebuilt_periods('span_date') | trim -%}
{%- set every_day = day_filter == 'true' -%}
{%- set fields = identity_hop_fields() -%}
{%- set near_ranks = [] -%}
{%- for field in fields %}{% do near_ranks.append(field ~ '__near_rank') %}{% endfor -%}
with
{%- if not every_day %}

-- The traces with a span on a rebuilt day (a nightly run), listed once.
-- Computed apart, the list is what DuckDB builds the joins below on; as a
-- subquery it was estimated as large as every span and the join was built
-- on the spans with their maps instead (10M spans: 5.5 of the model's 6.4 s).
rebuilt_day_traces as {{ cte_materialize_hint() }} (
    select distinct rebuilt.trace_id
    from {{ ref('int_spans__lineage') }} as rebuilt
    where {{ day_filter }}
),
{%- endif %}

-- The spans of the traces with a span on a rebuilt day (every trace on a
-- full build): their day and role, and per identity field the rank of the
-- alias their canonical value is read from (int_spans__identity_hops,
-- `<field>__near_rank`: the first non-blank alias in order), joined per
-- span before the attributes are unnested (on the 10M spans, joining the
-- ~30M (span, alias) rows to them instead and ranking the aliases again
-- took 60 s; this way 32 s).
span_facts as (
    select
        lineage.span_key,
        {%- for field in fields %}
            hops.{{ field }}__near_rank,
        {%- endfor %}
        lineage.span_role,
        lineage.span_date
    from {{ ref('int_spans__lineage') }} as lineage
    inner join {{ ref('int_spans__identity_hops') }} as hops
        on lineage.span_key = hops.span_key
    {%- if not every_day %}
        where lineage.trace_id in (select rebuilt_day_traces.trace_id from rebuilt_day_traces)
    {%- endif %}
),

-- Their spans (the usable first copy of each, stg_traces__spans).
spans as (
    select
        spans.trace_id,
        coalesce(spans.service_name, '(no service.name)') as service_name,
        spans.attributes,
        {%- for near_rank in near_ranks %}
            span_facts.{{ near_rank }},
        {%- endfor %}
        span_facts.span_role,
        span_facts.span_date
    from {{ ref('stg_traces__spans') }} as spans
    inner join span_facts
        on spans.span_key = span_facts.span_key
    {%- if not every_day %}
        -- Filtered on the spans' own scan too: the join alone would read
        -- every span's map.
        where spans.trace_id in (select rebuilt_day_traces.trace_id from rebuilt_day_traces)
    {%- endif %}
),

alias_registry as (
    {{ identity_alias_registry() }}
),

entries as (
    {{ map_entry_rows(
        'spans',
        ['trace_id', 'service_name', 'span_role', 'span_date'] + near_ranks,
        'attributes'
    ) }}
),

-- Every non-blank identity alias on every span; the winning one is the
-- alias the span's canonical value is read from.
alias_uses as (
    select
        entries.trace_id,
        alias_registry.identity_field,
        alias_registry.alias_key,
        alias_registry.alias_key = alias_registry.identity_field as is_canonical_key,
        alias_registry.alias_rank,
        entries.service_name,
        entries.span_role,
        entries.span_date,
        coalesce(
            case alias_registry.identity_field
                {%- for field in fields %}
                    when {{ dbt.string_literal(field) }} then entries.{{ field }}__near_rank
                {%- endfor %}
            end = alias_registry.alias_rank,
            false
        ) as is_winning_alias
    from entries
    inner join alias_registry
        on entries.attribute_key = alias_registry.alias_key
    where {{ nonblank('entries.attribute_value') }} is not null
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
