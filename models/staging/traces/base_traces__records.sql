{#- Every physical line of the span files under var traces_path, numbered
    per file and classified by shape. Nothing is filtered here: malformed
    lines stay, so they can be quarantined and counted. -#}
with

raw_lines as (
    select * from {{ read_raw_lines(var('traces_path')) }}
),

numbered as (
    select
        source_file,
        raw_line,
        scan_position
        - min(scan_position) over (partition by source_file)
        + 1 as line_number
    from raw_lines
),

classified as (
    select
        source_file,
        line_number,
        raw_line,
        case
            when raw_line is null or trim(raw_line) = '' then 'blank'
            when not {{ json_is_object('raw_line') }} then 'malformed'
            when {{ json_has_key('raw_line', 'resourceSpans') }} then 'otlp_json'
            else 'flat_json'
        end as record_format
    from numbered
)

select * from classified
