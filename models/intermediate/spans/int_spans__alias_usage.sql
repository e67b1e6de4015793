{#- The slim fact behind alias_usage_by_hop: per trace, identity field,
    alias key, hop service, span role and UTC day, how many spans carried a
    non-blank value under the key and how many of them read their canonical
    value from it (first alias in order). Every alias on every span is read
    from the span attributes (pseudo-field api_key_id for var
    virtual_key_aliases), so the map is exploded once per trace here, not
    over all history every night. Rebuilt per trace on nightly runs
    (trace_rebuild_config). -#}
{{ config(**trace_rebuild_config('trace_id')) }}
with

spans as (
    select
        span_key,
        trace_id,
        service_name,
        attributes
    from {{ ref('stg_traces__spans') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

lineage as (
    select
        span_key,
        span_role,
        span_date
    from {{ ref('int_spans__lineage') }}
    where {{ in_rebuilt_traces('trace_id') }}
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

final as (
    select
        trace_id,
        identity_field,
        alias_key,
        is_canonical_key,
        cast(alias_rank as {{ dbt.type_int() }}) as alias_rank,
        service_name,
        span_role,
        span_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as span_count,
        cast(
            sum(case when is_winning_alias then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as winning_span_count
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
)

select * from final
