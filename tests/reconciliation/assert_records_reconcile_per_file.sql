{#- Nothing read is lost. Per line: every flat or malformed line gives
    exactly one record and every OTLP line at least one (one per span, or
    one for a batch without spans). Per file: records read = spans staged +
    records quarantined. -#}
{{ config(severity='error') }}

with

lines as (
    select * from {{ ref('base_traces__records') }}
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
        or (record_format = 'otlp_json' and records_read < 1)
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
)

select * from lost_lines
union all
select * from unbalanced_files
