{#- Every record that was read but not used as a span, with its file, line,
    the raw record (first 2,000 characters) and a reason code. Nothing read
    is dropped silently: records read = spans staged + rows here. -#}
with

records as (
    select * from {{ ref('base_traces__records') }}
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
        raw_line
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
        raw_line
    from span_records
    where rejection_reason is not null
),

unioned as (
    select * from bad_lines
    union all
    select * from rejected_spans
),

final as (
    select
        source_file,
        line_number,
        record_format,
        reason,
        trace_id,
        span_id,
        substring(raw_line, 1, 2000) as raw_record
    from unioned
)

select * from final
