{#- Nothing read is lost, and nothing on disk is left unread. Per line:
    every flat or malformed line gives exactly one record and every OTLP line
    or JSON array of spans at least one (one per span, or one for a batch
    without spans). Per file:
    records read = spans staged + records quarantined. Per file on disk
    (listed when this test runs, after staging): its bytes are all staged,
    i.e. its size and modification time are the ones captured before its
    lines were read; bytes appended after that capture are a shortfall until
    the next run reads the file again (docs/nightly.md). -#}
{{ config(severity='error') }}

with

lines as (
    select * from {{ ref('int_trace_lines__classified') }}
    where record_format != 'blank'
),

span_records as (
    select
        source_file,
        line_number,
        count(*) as records
    from {{ ref('stg_traces__span_records') }}
    group by source_file, line_number
),

line_records as (
    select
        lines.source_file,
        lines.line_number,
        lines.record_format,
        case
            when lines.record_format = 'malformed' then 1
            else coalesce(span_records.records, 0)
        end as records_read
    from lines
    left join span_records
        on
            lines.source_file = span_records.source_file
            and lines.line_number = span_records.line_number
),

lost_lines as (
    select
        source_file,
        'line ' || cast(line_number as {{ dbt.type_string() }}) || ' (' || record_format || ') gave '
        || cast(records_read as {{ dbt.type_string() }}) || ' records' as problem
    from line_records
    where
        (record_format in ('flat_json', 'malformed') and records_read != 1)
        or (record_format in ('otlp_json', 'json_array') and records_read < 1)
),

records as (
    select
        source_file,
        sum(records_read) as records_read
    from line_records
    group by source_file
),

staged as (
    select
        source_file,
        count(*) as spans_staged
    from {{ ref('stg_traces__spans') }}
    group by source_file
),

quarantined as (
    select
        source_file,
        count(*) as records_quarantined
    from {{ ref('quarantined_spans') }}
    group by source_file
),

unbalanced_files as (
    select
        records.source_file,
        {{ dbt.concat([
            "'read '", 'cast(records.records_read as ' ~ dbt.type_string() ~ ')',
            "', staged '", 'cast(coalesce(staged.spans_staged, 0) as ' ~ dbt.type_string() ~ ')',
            "', quarantined '", 'cast(coalesce(quarantined.records_quarantined, 0) as ' ~ dbt.type_string() ~ ')'
        ]) }} as problem
    from records
    left join staged
        on records.source_file = staged.source_file
    left join quarantined
        on records.source_file = quarantined.source_file
    where
        records.records_read
        != coalesce(staged.spans_staged, 0) + coalesce(quarantined.records_quarantined, 0)
),

on_disk as (
    select * from {{ list_trace_files(traces_path()) }}
),

staged_files as (
    select
        source_file,
        max(file_size) as file_size,
        max(file_modified_at) as file_modified_at
    from {{ ref('stg_traces__parsed_records') }}
    where {{ is_under_traces_path('source_file') }}
    group by source_file
),

unstaged_bytes as (
    select
        on_disk.source_file,
        case
            when staged_files.source_file is null
                then {{ dbt.concat([
                    "'not staged: '", 'cast(on_disk.file_size as ' ~ dbt.type_string() ~ ')',
                    "' bytes on disk'"
                ]) }}
            else {{ dbt.concat([
                "'staged '", 'cast(staged_files.file_size as ' ~ dbt.type_string() ~ ')',
                "' bytes, '", 'cast(on_disk.file_size as ' ~ dbt.type_string() ~ ')',
                "' on disk (written after it was read; the next run reads it again)'"
            ]) }}
        end as problem
    from on_disk
    left join staged_files
        on on_disk.source_file = staged_files.source_file
    where
        (staged_files.source_file is null and on_disk.file_size > 0)
        or on_disk.file_size != staged_files.file_size
        or on_disk.file_modified_at > staged_files.file_modified_at
)

select * from lost_lines
union all
select * from unbalanced_files
union all
select * from unstaged_bytes
