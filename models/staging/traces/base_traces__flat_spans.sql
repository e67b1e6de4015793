{#- Flat JSONL records (one span per line, dotted attribute keys at the top
    level) parsed into the common span shape. Envelope keys accept the
    spellings listed in docs/attribution_rules.md. Works from the line's
    top-level key/value lists (parsed once in base_traces__lines); nested
    resource/attributes/context objects are parsed only when present. -#}
{{ config(materialized='ephemeral') }}
with

records as (
    select * from {{ ref('base_traces__lines') }}
    where record_format = 'flat_json'
),

parsed as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        cast(null as {{ dbt.type_string() }}) as batch_position,
        record_format,
        raw_line as raw_record,
        coalesce(
            {{ list_lookup('top_keys', 'top_values', 'trace_id') }},
            {{ list_lookup('top_keys', 'top_values', 'traceId') }},
            case when {{ list_has('top_keys', "'context'") }}
                then {{ json_get_string(json_get('raw_line', 'context'), 'trace_id') }} end
        ) as raw_trace_id,
        coalesce(
            {{ list_lookup('top_keys', 'top_values', 'span_id') }},
            {{ list_lookup('top_keys', 'top_values', 'spanId') }},
            case when {{ list_has('top_keys', "'context'") }}
                then {{ json_get_string(json_get('raw_line', 'context'), 'span_id') }} end
        ) as raw_span_id,
        coalesce({{ list_lookup('top_keys', 'top_values', 'parent_span_id') }}, {{ list_lookup('top_keys', 'top_values', 'parentSpanId') }}, {{ list_lookup('top_keys', 'top_values', 'parent_id') }}) as raw_parent_span_id,
        coalesce({{ list_lookup('top_keys', 'top_values', 'name') }}, {{ list_lookup('top_keys', 'top_values', 'span') }}, {{ list_lookup('top_keys', 'top_values', 'span_name') }}) as span_name,
        {{ list_lookup('top_keys', 'top_values', 'kind') }} as raw_span_kind,
        coalesce(
            {{ list_lookup('top_keys', 'top_values', 'timestamp') }}, {{ list_lookup('top_keys', 'top_values', 'start_time') }}, {{ list_lookup('top_keys', 'top_values', 'startTime') }}, {{ list_lookup('top_keys', 'top_values', 'startTimeUnixNano') }}
        ) as raw_started_at,
        coalesce({{ list_lookup('top_keys', 'top_values', 'end_time') }}, {{ list_lookup('top_keys', 'top_values', 'endTime') }}, {{ list_lookup('top_keys', 'top_values', 'endTimeUnixNano') }}) as raw_ended_at,
        coalesce(
            {{ list_lookup('top_keys', 'top_values', 'status_code') }},
            case when {{ list_has('top_keys', "'status'") }}
                then {{ json_get_string(json_get('raw_line', 'status'), 'status_code') }} end
        ) as raw_status_code,
        -- Later sources win: attributes over top-level keys over resource.
        case
            when {{ list_has('top_keys', "'resource'") }} or {{ list_has('top_keys', "'attributes'") }}
                then {{ entries_first_wins([
                    map_entry_list(json_to_string_map(json_get('raw_line', 'attributes'))),
                    entries_from_lists('top_keys', 'top_values'),
                    map_entry_list(json_to_string_map(json_get('raw_line', 'resource')))
                ]) }}
            else {{ entries_from_lists('top_keys', 'top_values') }}
        end as attribute_entries
    from records
)

select * from parsed
