{#- The UTC days this run rebuilds in the aggregates rebuilt by period
    (docs/nightly.md, "Aggregates rebuilt by period"): the days the traces
    listed in stg_traces__affected_traces had span records on before this
    run's rebuild (stg_traces__affected_days) and have after it
    (stg_traces__span_records, rebuilt by now). Computed once
    per run: in_rebuilt_periods (the aggregates' delete and select) and
    rows_rebuilt_in_periods (their tests) read this small table when they
    compile and write its days into their SQL as constants, which lets
    DuckDB skip the blocks of other days instead of testing every row
    against a subquery over every span record. On a run that rebuilds every
    trace (every period is rebuilt then): every day of the span records. -#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('stg_traces__affected_days') }}
-- depends_on: {{ ref('stg_traces__affected_traces') }}
with

days as (
    {%- if every_trace_reason() is none %}
        select affected_days.span_day
        from {{ ref('stg_traces__affected_days') }} as affected_days
        union
        {{ span_days_of_traces(ref('stg_traces__span_records'), ref('stg_traces__affected_traces')) }}
    {%- else %}
        select distinct {{ utc_day('started_at') }} as span_day
        from {{ ref('stg_traces__span_records') }}
        where started_at is not null
    {%- endif %}
),

final as (
    select span_day
    from days
    where span_day is not null
)

select * from final
