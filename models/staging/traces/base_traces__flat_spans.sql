{#- Flat JSONL records (one span per line, or per element of a JSON array
    of spans; dotted attribute keys at the top level) parsed into the common span shape. Envelope keys accept the
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
        -- An element of a JSON array of spans: its position in the array.
        case
            when array_position is not null
                then {{ dbt.concat(["'['", dbt.safe_cast('array_position', dbt.type_string()), "']'"]) }}
        end as batch_position,
        record_format,
        raw_line as raw_record,
        coalesce(
            {{ first_top_level_value(['trace_id', 'traceId']) }},
            case
                when {{ list_has('top_keys', "'context'") }}
                    then {{ json_get_string(json_get('raw_line', 'context'), 'trace_id') }}
            end
        ) as raw_trace_id,
        coalesce(
            {{ first_top_level_value(['span_id', 'spanId']) }},
            case
                when {{ list_has('top_keys', "'context'") }}
                    then {{ json_get_string(json_get('raw_line', 'context'), 'span_id') }}
            end
        ) as raw_span_id,
        {{ first_top_level_value(['parent_span_id', 'parentSpanId', 'parent_id']) }} as raw_parent_span_id,
        {{ first_top_level_value(['name', 'span', 'span_name']) }} as span_name,
        {{ first_top_level_value(['kind']) }} as raw_span_kind,
        {{ first_top_level_value(['timestamp', 'start_time', 'startTime', 'startTimeUnixNano']) }}
            as raw_started_at,
        {{ first_top_level_value(['end_time', 'endTime', 'endTimeUnixNano']) }} as raw_ended_at,
        coalesce(
            {{ first_top_level_value(['status_code']) }},
            case
                when {{ list_has('top_keys', "'status'") }}
                    then {{ json_get_string(json_get('raw_line', 'status'), 'status_code') }}
            end
        ) as raw_status_code,
        -- Later sources win: attributes over top-level keys over resource.
        -- sqlfluff cannot parse DuckDB's lambdas in the rendered macros below.
        -- noqa: disable=PRS,LT02
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
