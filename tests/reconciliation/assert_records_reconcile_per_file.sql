{#- Nothing read is lost, and nothing on disk is left unread.
    Per file, every file under traces_path: every span record parsed gives
    exactly one record of stg_traces__span_records, and records read (span
    records and malformed lines) = spans staged + records quarantined.
    Per line, in the files staged this run (rows_of_files_staged_this_run:
    every file on a full refresh or under `dbt test`): every flat or
    malformed line gives exactly one record and every OTLP line or JSON
    array of spans at least one. In another file the records read per line
    are the ones a completed run checked: its parsed records are replaced
    only when it is staged again, and its span records only by a trace
    rebuild, which derives them again from those parsed records; a copy is
    an error of the grain test of stg_traces__span_records, so equal counts
    per file are the same records.
    Per file on disk (listed when this test runs, after staging): its bytes
    are all staged, i.e. its size and modification time are the ones
    captured before its lines were read; bytes appended after that capture
    are a shortfall until the next run reads it again (docs/nightly.md). -#}
{{ config(severity='error') }}

with

-- Per file: the grouping needs no join of records, so it reads every file.
parsed_files as (
    select
        source_file,
        count(case when {{ is_span_record() }} then 1 end) as span_records_parsed,
        count(case when record_format = 'malformed' then 1 end) as malformed_lines,
        max(file_size) as file_size,
        max(file_modified_at) as file_modified_at
    from {{ ref('stg_traces__parsed_records') }}
    where source_file in {{ files_under_traces_path(ref('stg_traces__parsed_records')) }}
    group by source_file
),

span_record_files as (
    select
        source_file,
        count(*) as span_records
    from {{ ref('stg_traces__span_records') }}
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

file_counts as (
    select
        parsed_files.source_file,
        parsed_files.span_records_parsed,
        coalesce(span_record_files.span_records, 0) as span_records,
        coalesce(span_record_files.span_records, 0) + parsed_files.malformed_lines as records_read,
        coalesce(staged.spans_staged, 0) as spans_staged,
        coalesce(quarantined.records_quarantined, 0) as records_quarantined
    from parsed_files
    left join span_record_files
        on parsed_files.source_file = span_record_files.source_file
    left join staged
        on parsed_files.source_file = staged.source_file
    left join quarantined
        on parsed_files.source_file = quarantined.source_file
),

unbalanced_files as (
    select
        source_file,
        {{ dbt.concat([
            "'parsed '", 'cast(span_records_parsed as ' ~ dbt.type_string() ~ ')',
            "' span records, typed '", 'cast(span_records as ' ~ dbt.type_string() ~ ')',
            "'; read '", 'cast(records_read as ' ~ dbt.type_string() ~ ')',
            "', staged '", 'cast(spans_staged as ' ~ dbt.type_string() ~ ')',
            "', quarantined '", 'cast(records_quarantined as ' ~ dbt.type_string() ~ ')'
        ]) }} as problem
    from file_counts
    where
        span_records_parsed != span_records
        or records_read != spans_staged + records_quarantined
),

-- Per line, in the files staged this run.
lines as (
    select
        source_file,
        line_number,
        record_format
    from {{ ref('int_trace_lines__classified') }}
    where
        record_format != 'blank'
        and {{ rows_of_files_staged_this_run('source_file') }}
),

span_records_per_line as (
    select
        source_file,
        line_number,
        count(*) as records
    from {{ ref('stg_traces__span_records') }}
    where {{ rows_of_files_staged_this_run('source_file') }}
    group by source_file, line_number
),

line_records as (
    select
        lines.source_file,
        lines.line_number,
        lines.record_format,
        case
            when lines.record_format = 'malformed' then 1
            else coalesce(span_records_per_line.records, 0)
        end as records_read
    from lines
    left join span_records_per_line
        on
            lines.source_file = span_records_per_line.source_file
            and lines.line_number = span_records_per_line.line_number
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

on_disk as (
    select * from {{ list_trace_files(traces_path()) }}
),

unstaged_bytes as (
    select
        on_disk.source_file,
        case
            when parsed_files.source_file is null
                then {{ dbt.concat([
                    "'not staged: '", 'cast(on_disk.file_size as ' ~ dbt.type_string() ~ ')',
                    "' bytes on disk'"
                ]) }}
            else {{ dbt.concat([
                "'staged '", 'cast(parsed_files.file_size as ' ~ dbt.type_string() ~ ')',
                "' bytes, '", 'cast(on_disk.file_size as ' ~ dbt.type_string() ~ ')',
                "' on disk (written after it was read; the next run reads it again)'"
            ]) }}
        end as problem
    from on_disk
    left join parsed_files
        on on_disk.source_file = parsed_files.source_file
    where
        (parsed_files.source_file is null and on_disk.file_size > 0)
        or on_disk.file_size != parsed_files.file_size
        or on_disk.file_modified_at > parsed_files.file_modified_at
)

select * from lost_lines
union all
select * from unbalanced_files
union all
select * from unstaged_bytes
