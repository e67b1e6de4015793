{#- Every record that was read but not used as a span, with its file, line,
    position in an OTLP batch, the raw record (truncated, prompt/completion
    content cut off) and a reason code (docs/bad_input.md). Nothing read is
    dropped silently: records read = spans staged + rows here. -#}
with

records as (
    select * from {{ ref('int_trace_lines__classified') }}
),

span_records as (
    select * from {{ ref('stg_traces__span_records') }}
),

bad_lines as (
    select
        source_file,
        line_number,
        record_format,
        'malformed_json' as reason,
        cast(null as {{ dbt.type_string() }}) as trace_id,
        cast(null as {{ dbt.type_string() }}) as span_id,
        {{ redact_raw_record('raw_line') }} as raw_record,
        cast(null as {{ dbt.type_string() }}) as batch_position
    from records
    where record_format = 'malformed'
),

rejected_spans as (
    select
        source_file,
        line_number,
        record_format,
        rejection_reason as reason,
        trace_id,
        span_id,
        raw_record,
        batch_position
    from span_records
    where rejection_reason is not null
),

final as (
    select * from bad_lines
    union all
    select * from rejected_spans
)

select * from final
