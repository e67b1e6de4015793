{#- The lines of the span files this run reads (base_traces__raw_lines),
    classified by shape, with the size and modification time their file had
    before it was read (its staged identity). A view, not an ephemeral CTE: the flat, OTLP and
    bad-line paths each read it, and a CTE read three times is held in memory
    whole, while each read of a view streams its lines again. The top-level
    key/value lists are parsed once, values only for flat lines (the OTLP
    path parses its batch itself). -#}
{{ config(materialized='view') }}
with

raw_lines as (
    select * from {{ ref('base_traces__raw_lines') }}
),

shaped as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        raw_line,
        case
            when raw_line is null or trim(raw_line) = '' then 'blank'
            when not {{ json_is_object('raw_line') }} then 'malformed'
        end as bad_format
    from raw_lines
),

keyed as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        raw_line,
        bad_format,
        case when bad_format is null then {{ json_top_level_keys('raw_line') }} end as top_keys
    from shaped
),

classified as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        raw_line,
        top_keys,
        coalesce(
            bad_format,
            case when {{ list_has('top_keys', "'resourceSpans'") }} then 'otlp_json' else 'flat_json' end
        ) as record_format
    from keyed
),

final as (
    select
        *,
        case when record_format = 'flat_json' then {{ json_top_level_values('raw_line') }} end as top_values
    from classified
)

select * from final
