{#- The physical lines of the span files this run reads (all files on a full
    build, new or changed files on an incremental one: traces_files_to_read),
    numbered per file and classified by shape. A JSON object line is parsed
    once here into its top-level keys and values (as text); the flat and
    OTLP models work from those lists instead of re-parsing the line. -#}
{{ config(materialized='ephemeral') }}
with

raw_lines as (
    select * from {{ read_raw_lines(traces_files_to_read()) }}
),

files as (
    select * from {{ list_trace_files(var('traces_path')) }}
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

shaped as (
    select
        source_file,
        line_number,
        raw_line,
        case
            when raw_line is null or trim(raw_line) = '' then 'blank'
            when not {{ json_is_object('raw_line') }} then 'malformed'
        end as bad_format
    from numbered
),

parsed as (
    select
        shaped.source_file,
        files.file_size,
        files.file_modified_at,
        shaped.line_number,
        shaped.raw_line,
        shaped.bad_format,
        case when shaped.bad_format is null then {{ json_top_level_keys('shaped.raw_line') }} end as top_keys,
        case when shaped.bad_format is null then {{ json_top_level_values('shaped.raw_line') }} end as top_values
    from shaped
    left join files
        on shaped.source_file = files.source_file
),

final as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        raw_line,
        top_keys,
        top_values,
        coalesce(
            bad_format,
            case when {{ list_has('top_keys', "'resourceSpans'") }} then 'otlp_json' else 'flat_json' end
        ) as record_format
    from parsed
)

select * from final
