{#- Flat JSONL records (one span per line, dotted attribute keys at the top
    level) parsed into the common span shape. Envelope keys accept the
    spellings listed in docs/attribution_rules.md. -#}
with

records as (
    select * from {{ ref('base_traces__records') }}
    where record_format = 'flat_json'
),

parsed as (
    select
        source_file,
        line_number,
        cast(null as {{ dbt.type_string() }}) as batch_position,
        record_format,
        raw_line as raw_record,
        coalesce(
            {{ json_get_string('raw_line', 'trace_id') }},
            {{ json_get_string('raw_line', 'traceId') }},
            {{ json_get_string(json_get('raw_line', 'context'), 'trace_id') }}
        ) as raw_trace_id,
        coalesce(
            {{ json_get_string('raw_line', 'span_id') }},
            {{ json_get_string('raw_line', 'spanId') }},
            {{ json_get_string(json_get('raw_line', 'context'), 'span_id') }}
        ) as raw_span_id,
        coalesce(
            {{ json_get_string('raw_line', 'parent_span_id') }},
            {{ json_get_string('raw_line', 'parentSpanId') }},
            {{ json_get_string('raw_line', 'parent_id') }}
        ) as raw_parent_span_id,
        coalesce(
            {{ json_get_string('raw_line', 'name') }},
            {{ json_get_string('raw_line', 'span') }},
            {{ json_get_string('raw_line', 'span_name') }}
        ) as span_name,
        {{ json_get_string('raw_line', 'kind') }} as raw_span_kind,
        coalesce(
            {{ json_get_string('raw_line', 'timestamp') }},
            {{ json_get_string('raw_line', 'start_time') }},
            {{ json_get_string('raw_line', 'startTime') }},
            {{ json_get_string('raw_line', 'startTimeUnixNano') }}
        ) as raw_started_at,
        coalesce(
            {{ json_get_string('raw_line', 'end_time') }},
            {{ json_get_string('raw_line', 'endTime') }},
            {{ json_get_string('raw_line', 'endTimeUnixNano') }}
        ) as raw_ended_at,
        coalesce(
            {{ json_get_string('raw_line', 'status_code') }},
            {{ json_get_string(json_get('raw_line', 'status'), 'status_code') }}
        ) as raw_status_code,
        {{ map_merge([
            json_to_string_map(json_get('raw_line', 'resource')),
            json_to_string_map('raw_line'),
            json_to_string_map(json_get('raw_line', 'attributes'))
        ]) }} as attributes
    from records
)

select * from parsed
