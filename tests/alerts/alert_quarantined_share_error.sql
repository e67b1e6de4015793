{#- Error when quarantined records exceed var quarantine_share_error of all
    records read: bad records alone never fail the build, a feed that is
    mostly bad does. -#}
{{ config(severity='error') }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

with

span_records as (
    select count(*) as records from {{ ref('stg_traces__span_records') }}
),

malformed_lines as (
    select count(*) as records from {{ ref('int_trace_lines__classified') }}
    where record_format = 'malformed'
),

quarantined as (
    select count(*) as records from {{ ref('quarantined_spans') }}
),

shares as (
    select
        span_records.records + malformed_lines.records as records_read,
        quarantined.records as records_quarantined
    from span_records
    cross join malformed_lines
    cross join quarantined
)

select
    records_read,
    records_quarantined,
    cast(records_quarantined as {{ dbt.type_numeric() }}) / records_read as quarantined_share
from shares
where
    records_read > 0
    and cast(records_quarantined as {{ dbt.type_numeric() }}) / records_read
    > {{ var('quarantine_share_error', 0.25) }}
