{#- One row per span as a hop of identity recovery: for each identity field
    (and pseudo-field api_key_id, seed attribute_aliases) the span's own
    candidates reduced once: the first alias by alias order (the nearest
    candidate when the trace agrees), the first by seed identity_trust_order
    key rank then alias order (when it disagrees), and the lowest and highest
    value (the trace disagrees iff they differ). For tenant_id also the first
    alias whose value differs from the first one (a losing claim). Blank
    values are missing, values are compared as sent (tenant ids trimmed and
    lowercased when var normalize_tenant_ids is true: canonical_tenant_id),
    as in docs/attribution_rules.md. int_llm_calls__identity_recovered walks these
    rows up the parent chain.
    Each pick is stored as its value and alias rank only: the alias key and
    its trust rank follow from the rank (macros alias_key_of_rank,
    alias_trust_of_rank) where they are read. Writing this table is most of
    its cost, and that cost is per column (BENCHMARKS.md, stop 39), so it
    holds nothing derivable: no key texts, no parent span key (the walk
    uses parent_hop_id). -#}
{{ config(**trace_rebuild_config('span_key')) }}
{%- set fields = identity_hop_fields() -%}
{%- set trust = identity_trust_order() -%}
with

-- The usable first copy of each span (macro usable_spans), read from
-- stg_traces__span_records directly, not through the view stg_traces__spans,
-- with a number per span (macro record_number), so the walk's state holds
-- numbers. Numbered in the scan itself: a number computed apart and joined
-- back to the spans took half the model's time (10M spans: 67-69 s against
-- 37-40 s).
spans as {{ cte_inline_hint() }} (
    {{ usable_spans(
        ref('stg_traces__span_records'),
        ['service_name', 'span_name', 'attributes', record_number('trace_id, span_id') ~ ' as record_number'],
        in_rebuilt_traces('trace_id')
    ) }}
),

-- The spans' numbers by span key, to number each span's parent.
span_numbers as (
    select
        span_key,
        record_number
    from spans
),

-- What a span's number is shifted by to be its hop id: hop ids start
-- at 1, and a nightly run numbers its traces' spans right after the kept
-- rows' largest hop id, so numbers stay unique and grow with the nights'
-- spans, not with the history (macro hop_ordered keeps them below 10^12).
first_numbers as (
    select min(record_number) as first_record_number
    from spans
),

numbering as (
    select
        {%- if is_incremental() %}
            (select coalesce(max(kept.hop_id), 0) from {{ this }} as kept)
        {%- else %}
            0
        {%- endif %} + 1 - first_record_number as hop_id_offset
    from first_numbers
),

alias_values as (
    select
        spans.span_key,
        spans.record_number + numbering.hop_id_offset as hop_id,
        parent.record_number + numbering.hop_id_offset as parent_hop_id,
        {%- for field in fields %}
            {%- for key, rank, key_trust in identity_field_aliases(field) %}
                {%- set value = nonblank(map_get('spans.attributes', key)) %}
                {{ canonical_tenant_id(value) if field == 'tenant_id' else value }}
                    as {{ field }}__{{ rank }},
            {%- endfor %}
        {%- endfor %}
        {{ hop_label('spans.service_name', 'spans.span_name') }} as hop_label,
        {{ trust_rank('spans.service_name', trust.get('services', ['*'])) }} as service_trust_rank
    from spans
    cross join numbering
    left join span_numbers as parent
        on spans.parent_span_key = parent.span_key
),

with_near as (
    select
        *,
        {{ first_alias_value('tenant_id', identity_field_aliases('tenant_id')) }} as tenant_near_value
    from alias_values
),

final as (
    select
        span_key,
        hop_id,
        parent_hop_id,
        hop_label,
        {%- for field in fields %}
            {%- set aliases = identity_field_aliases(field) %}
            {%- set by_trust = aliases | sort(attribute='2') %}
            {%- set values = [] %}
            {%- for key, rank, key_trust in aliases %}{% do values.append(field ~ '__' ~ rank) %}{% endfor %}
            {{ first_alias_value(field, aliases) }} as {{ field }}__near,
            {{ first_alias_rank(field, aliases) }} as {{ field }}__near_rank,
            {{ first_alias_value(field, by_trust) }} as {{ field }}__trusted,
            {{ first_alias_rank(field, by_trust) }} as {{ field }}__trusted_rank,
            {{ present_aliases(field, aliases) }} as {{ field }}__present_aliases,
            {%- if values | length == 1 %}
                {{ values[0] }} as {{ field }}__low,
                {{ values[0] }} as {{ field }}__high,
            {%- else %}
                least({{ values | join(', ') }}) as {{ field }}__low,
                greatest({{ values | join(', ') }}) as {{ field }}__high,
            {%- endif %}
            {%- if field == 'tenant_id' %}
                {{ first_alias_value(field, aliases, 'tenant_near_value') }} as tenant_id__other,
                {{ first_alias_rank(field, aliases, 'tenant_near_value') }} as tenant_id__other_rank,
            {%- endif %}
            {%- if field == 'api_key_id' %}
                {%- for value in values %}
                    {{ value }},
                {%- endfor %}
            {%- endif %}
        {%- endfor %}
        service_trust_rank
    from with_near
)

select * from final
