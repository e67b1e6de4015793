{#- Every physical line of the staged span files, numbered per file and
    classified by shape (one row per line, also for an OTLP batch of many
    spans or a JSON array of spans: record_format json_array). Derived from stg_traces__parsed_records, so it never re-reads
    raw files; raw_line is kept (truncated) for malformed and blank lines
    only, the ones quarantine shows. Its rows change only with the rows of
    their file in stg_traces__parsed_records, so its row-level data tests
    check only the files staged this run (meta file_key; docs/nightly.md). -#}
{{ config(materialized='view', meta={'file_key': 'source_file'}) }}
with

-- Only files under the current traces_path (as stg_traces__span_records).
parsed_records as {{ cte_inline_hint() }} (
    select * from {{ ref('stg_traces__parsed_records') }}
    where source_file in {{ files_under_traces_path(ref('stg_traces__parsed_records')) }}
),

single_record_lines as (
    select
        source_file,
        line_number,
        case when record_format in ('malformed', 'blank') then raw_record end as raw_line,
        record_format
    from parsed_records
    where record_format != 'otlp_json' and batch_position is null
),

-- A line of several records: an OTLP batch, or a JSON array of spans (its
-- elements' positions start with `[`).
batch_lines as (
    select distinct
        source_file,
        line_number,
        cast(null as {{ dbt.type_string() }}) as raw_line,
        case when batch_position like '[%' then 'json_array' else record_format end as record_format
    from parsed_records
    where record_format = 'otlp_json' or batch_position is not null
),

final as (
    select * from single_record_lines
    union all
    select * from batch_lines
)

select * from final
