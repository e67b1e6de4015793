{#- Nothing read is lost: per file, span records read = spans staged +
    records quarantined. -#}
{{ config(severity='error') }}

with

records as (
    select
        source_file,
        count(*) as records_read
    from {{ ref('base_traces__records') }}
    where record_format in ('flat_json', 'malformed')
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

compared as (
    select
        records.source_file,
        records.records_read,
        coalesce(staged.spans_staged, 0) as spans_staged,
        coalesce(quarantined.records_quarantined, 0) as records_quarantined
    from records
    left join staged
        on records.source_file = staged.source_file
    left join quarantined
        on records.source_file = quarantined.source_file
)

select * from compared
where records_read != spans_staged + records_quarantined
