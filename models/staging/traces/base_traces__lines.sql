{#- The records of the span files this run reads (base_traces__raw_lines),
    classified by shape, with the size and modification time their file had
    before it was read (its staged identity): one row per line, except that
    a line holding a JSON array of objects (`[{span}, {span}, ...]`) gives
    one row per element, with its 0-based array_position. A view, not an
    ephemeral CTE: the flat, OTLP and bad-line paths each read it, and a CTE
    read three times is held in memory whole, while each read of a view
    streams its lines again. The top-level key/value lists are parsed once,
    values only for flat records (the OTLP path parses its batch itself). -#}
{{ config(materialized='view') }}
with

raw_lines as {{ cte_inline_hint() }} (
    select * from {{ ref('base_traces__raw_lines') }}
),

span_array_lines as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        raw_line
    from raw_lines
    where may_be_json_array and {{ json_is_array_of_objects('raw_line') }}
),

-- noqa: disable=PRS
-- (sqlfluff's duckdb grammar does not parse the lambdas the macros render)
array_elements as (
    select * from {{ explode_json_arrays('span_array_lines') }}
),

shaped as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        cast(null as {{ dbt.type_bigint() }}) as array_position,
        raw_line,
        case
            when raw_line is null or trim(raw_line) = '' then 'blank'
            when {{ json_is_object('raw_line') }} then null
            when may_be_json_array and {{ json_is_array_of_objects('raw_line') }} then 'span_array'
            else 'malformed'
        end as bad_format
    from raw_lines
),

records as (
    select * from shaped
    where bad_format is null or bad_format != 'span_array'
    union all
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        array_position,
        raw_line,
        cast(null as {{ dbt.type_string() }}) as bad_format
    from array_elements
),

keyed as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        array_position,
        raw_line,
        bad_format,
        case when bad_format is null then {{ json_top_level_keys('raw_line') }} end as top_keys
    from records
),

classified as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        array_position,
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

-- noqa: enable=PRS
select * from final
