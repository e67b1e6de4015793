{#- Drift report: every alias key seen carrying an identity field (or an API
    key id), by hop service and span role, with the days it was first and
    last seen and how often it was the key a span's value was read from. An
    alias no hop has sent for a while can be retired; a non-canonical alias
    still in use names the hop whose forwarding rule to fix.
    Needs every alias on every span, not only each span's winning one, so it
    reads them here from the span attributes (one row per span, field and
    alias key carrying a non-blank value; pseudo-field api_key_id for var
    virtual_key_aliases) and aggregates them at once. -#}
with

spans as (
    select
        span_key,
        trace_id,
        service_name,
        attributes
    from {{ ref('stg_traces__spans') }}
),

lineage as (
    select
        span_key,
        span_role,
        span_date
    from {{ ref('int_spans__lineage') }}
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

usage as (
    select
        identity_attributes.identity_field,
        identity_attributes.alias_key,
        identity_attributes.is_canonical_key,
        identity_attributes.alias_rank,
        coalesce(identity_attributes.service_name, '(no service.name)') as service_name,
        lineage.span_role,
        lineage.span_date,
        identity_attributes.span_key,
        identity_attributes.trace_id,
        span_winners.winning_alias_rank = identity_attributes.alias_rank as is_winning_alias
    from identity_attributes
    inner join lineage
        on identity_attributes.span_key = lineage.span_key
    inner join span_winners
        on
            identity_attributes.span_key = span_winners.span_key
            and identity_attributes.identity_field = span_winners.identity_field
),

final as (
    select
        identity_field,
        alias_key,
        is_canonical_key,
        cast(alias_rank as {{ dbt.type_int() }}) as alias_rank,
        service_name,
        span_role,
        min(span_date) as first_seen_date,
        max(span_date) as last_seen_date,
        cast(count(distinct span_date) as {{ dbt.type_bigint() }}) as days_seen,
        cast(count(*) as {{ dbt.type_bigint() }}) as span_count,
        cast(count(distinct trace_id) as {{ dbt.type_bigint() }}) as trace_count,
        cast(
            sum(case when is_winning_alias then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as winning_span_count
    from usage
    group by
        identity_field,
        alias_key,
        is_canonical_key,
        alias_rank,
        service_name,
        span_role
)

select * from final
