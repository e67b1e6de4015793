{#- The slim fact behind alias_usage_by_hop: per UTC day, identity field,
    alias key, hop service and span role, how many spans carried a non-blank
    value under the key, how many of them read their canonical value from it
    (first non-blank alias in order: int_spans__identity_hops' near rank,
    the one place that says it), and how many traces carried it there for
    the first time (their first such span starts that day), so the mart adds
    up distinct traces over all history without keeping a row per trace.
    Every alias on every span counts (pseudo-field api_key_id for seed
    attribute_aliases' virtual keys), read from int_spans__identity_hops'
    bits of the aliases found on the span (`<field>__present_aliases`).
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
-- full build): their trace, hop service, role and day, and per identity
-- field the aliases found on them (int_spans__identity_hops,
-- `<field>__present_aliases`: one bit per alias rank) and the rank of the
-- one their canonical value is read from (`<field>__near_rank`: the first
-- non-blank alias in order). Read from those bits, not from the span
-- attributes: unnesting every span's attributes and joining the entries to
-- the aliases took most of this model's time (10M spans: 38-41 s against 22-24 s).
span_facts as (
    select
        lineage.trace_id,
        coalesce(lineage.service_name, '(no service.name)') as service_name,
        lineage.span_role,
        {%- for field in fields %}
            hops.{{ field }}__present_aliases,
            hops.{{ field }}__near_rank,
        {%- endfor %}
        lineage.span_date
    from {{ ref('int_spans__lineage') }} as lineage
    inner join {{ ref('int_spans__identity_hops') }} as hops
        on lineage.span_key = hops.span_key
    {%- if not every_day %}
        where lineage.trace_id in (select rebuilt_day_traces.trace_id from rebuilt_day_traces)
    {%- endif %}
),

-- One row per span and identity field with an alias found on the span.
field_aliases_found as (
    {%- for field in fields %}
        select
            trace_id,
            service_name,
            span_role,
            span_date,
            {{ dbt.string_literal(field) }} as identity_field,
            {{ field }}__present_aliases as present_aliases,
            {{ field }}__near_rank as near_rank
        from span_facts
        where {{ field }}__present_aliases > 0
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

alias_registry as (
    {{ identity_alias_registry() }}
),

-- The distinct sets of aliases found (a few dozen), each with its aliases.
alias_sets_found as (
    select distinct
        identity_field,
        present_aliases
    from field_aliases_found
),

alias_set_members as (
    select
        alias_sets_found.identity_field,
        alias_sets_found.present_aliases,
        alias_registry.alias_key,
        alias_registry.alias_rank
    from alias_sets_found
    inner join alias_registry
        on alias_sets_found.identity_field = alias_registry.identity_field
    where mod({{ integer_quotient('alias_sets_found.present_aliases', 'alias_registry.alias_bit') }}, 2) = 1
),

-- Every non-blank identity alias on every span; the winning one is the
-- alias the span's canonical value is read from.
alias_uses as (
    select
        field_aliases_found.trace_id,
        alias_set_members.identity_field,
        alias_set_members.alias_key,
        alias_set_members.alias_key = alias_set_members.identity_field as is_canonical_key,
        alias_set_members.alias_rank,
        field_aliases_found.service_name,
        field_aliases_found.span_role,
        field_aliases_found.span_date,
        coalesce(field_aliases_found.near_rank = alias_set_members.alias_rank, false) as is_winning_alias
    from field_aliases_found
    inner join alias_set_members
        on
            field_aliases_found.identity_field = alias_set_members.identity_field
            and field_aliases_found.present_aliases = alias_set_members.present_aliases
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
