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
field_aliases_found as {{ cte_inline_hint() }} (
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

-- Spans per day, hop, field, set of aliases found and winning alias: a few
-- thousand rows, expanded to their aliases below (never every span).
day_sets as (
    select
        identity_field,
        present_aliases,
        near_rank,
        service_name,
        span_role,
        span_date,
        count(*) as span_count
    from field_aliases_found
    where {{ day_filter }}
    group by identity_field, present_aliases, near_rank, service_name, span_role, span_date
),

-- Each trace's spans at one hop (service and role): their first and last
-- day and, per field, every alias found on any of them (bitwise or). A
-- trace carries a key at a hop first on the hop's first day when all its
-- spans there share one day (almost every hop); one row per hop, never one
-- per span and alias (10M spans: a 30M-row group by on five text keys).
trace_hops as {{ cte_materialize_hint() }} (
    select
        trace_id,
        service_name,
        span_role,
        {%- for field in fields %}
            {%- set alias_count = identity_field_alias_keys(field) | length %}
            {{ bit_or_aggregate(field ~ '__present_aliases', alias_count) }} as {{ field }}__present_aliases,
        {%- endfor %}
        min(span_date) as first_span_date,
        max(span_date) as last_span_date
    from span_facts
    group by trace_id, service_name, span_role
),

-- Hops of one day: per day, hop, field and set of aliases, how many traces.
single_day_hop_sets as (
    {%- for field in fields %}
        select
            {{ dbt.string_literal(field) }} as identity_field,
            {{ field }}__present_aliases as present_aliases,
            service_name,
            span_role,
            first_span_date as span_date,
            count(*) as trace_count
        from trace_hops
        where
            first_span_date = last_span_date
            and {{ field }}__present_aliases > 0
        group by {{ field }}__present_aliases, service_name, span_role, first_span_date
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
    select
        identity_field,
        present_aliases
    from day_sets
    union
    select
        identity_field,
        present_aliases
    from single_day_hop_sets
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
    where {{ bit_value('alias_sets_found.present_aliases', 'alias_registry.alias_bit') }} = 1
),

-- Hops whose spans span days (a trace crossing midnight at one hop, rare):
-- each alias's own first day there, from the spans.
multi_day_hops as {{ cte_materialize_hint() }} (
    select
        trace_id,
        service_name,
        span_role
    from trace_hops
    where first_span_date < last_span_date
),

-- One row per trace, alias and multi-day hop: the alias's first day there.
multi_day_first_days as (
    select
        field_aliases_found.identity_field,
        alias_registry.alias_key,
        field_aliases_found.service_name,
        field_aliases_found.span_role,
        min(field_aliases_found.span_date) as span_date,
        1 as trace_count
    from field_aliases_found
    inner join multi_day_hops
        on
            field_aliases_found.trace_id = multi_day_hops.trace_id
            and field_aliases_found.service_name = multi_day_hops.service_name
            and field_aliases_found.span_role is not distinct from multi_day_hops.span_role
    inner join alias_registry
        on
            field_aliases_found.identity_field = alias_registry.identity_field
            and {{ bit_value('field_aliases_found.present_aliases', 'alias_registry.alias_bit') }} = 1
    group by
        field_aliases_found.identity_field,
        alias_registry.alias_key,
        field_aliases_found.service_name,
        field_aliases_found.span_role,
        field_aliases_found.trace_id
),

-- Traces per day, field, key and hop whose first span carrying the key
-- there is that day.
first_seen_traces as (
    select
        identity_field,
        alias_key,
        service_name,
        span_role,
        span_date,
        sum(trace_count) as first_seen_trace_count
    from (
        select
            single_day_hop_sets.identity_field,
            alias_set_members.alias_key,
            single_day_hop_sets.service_name,
            single_day_hop_sets.span_role,
            single_day_hop_sets.span_date,
            single_day_hop_sets.trace_count
        from single_day_hop_sets
        inner join alias_set_members
            on
                single_day_hop_sets.identity_field = alias_set_members.identity_field
                and single_day_hop_sets.present_aliases = alias_set_members.present_aliases
        union all
        select * from multi_day_first_days
    ) as first_days
    where {{ day_filter }}
    group by identity_field, alias_key, service_name, span_role, span_date
),

-- Every non-blank identity alias on the day's spans; the winning one is the
-- alias the span's canonical value is read from.
day_uses as (
    select
        day_sets.identity_field,
        alias_set_members.alias_key,
        alias_set_members.alias_key = day_sets.identity_field as is_canonical_key,
        alias_set_members.alias_rank,
        day_sets.service_name,
        day_sets.span_role,
        day_sets.span_date,
        sum(day_sets.span_count) as span_count,
        sum(
            case when day_sets.near_rank = alias_set_members.alias_rank then day_sets.span_count else 0 end
        ) as winning_span_count
    from day_sets
    inner join alias_set_members
        on
            day_sets.identity_field = alias_set_members.identity_field
            and day_sets.present_aliases = alias_set_members.present_aliases
    group by
        day_sets.identity_field,
        alias_set_members.alias_key,
        alias_set_members.alias_rank,
        day_sets.service_name,
        day_sets.span_role,
        day_sets.span_date
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
