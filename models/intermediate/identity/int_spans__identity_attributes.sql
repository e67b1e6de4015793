{#- Every non-blank identity alias on every span, long form: one row per
    span, identity field and alias key that carries it (the pseudo-field
    api_key_id: API key id keys, seed attribute_aliases). Unlike the canonical columns,
    which keep only the first alias, this keeps every alias, so hops can be
    compared, conflicts seen and alias use reported. -#}
with

spans as (
    select
        span_key,
        trace_id,
        service_name,
        span_name,
        attributes
    from {{ ref('stg_traces__spans') }}
),

alias_registry as (
    {{ identity_alias_registry() }}
),

entries as (
    {{ map_entry_rows('spans', ['span_key', 'trace_id', 'service_name', 'span_name'], 'attributes') }}
),

final as (
    select
        entries.span_key,
        entries.trace_id,
        entries.service_name,
        entries.span_name,
        alias_registry.identity_field,
        alias_registry.alias_key,
        alias_registry.alias_rank,
        alias_registry.alias_key = alias_registry.identity_field as is_canonical_key,
        entries.attribute_value
    from entries
    inner join alias_registry
        on entries.attribute_key = alias_registry.alias_key
    where {{ nonblank('entries.attribute_value') }} is not null
)

select * from final
