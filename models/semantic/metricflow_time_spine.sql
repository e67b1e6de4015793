{#- One row per UTC day: the time spine MetricFlow joins metrics to (cumulative
    metrics, gap filling). Covers the years traces can plausibly carry. -#}
{{ config(materialized='table', schema='semantic') }}

with

days as (
    {{ dbt.date_spine(
        'day',
        "cast('2020-01-01' as date)",
        "cast('2036-01-01' as date)"
    ) }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
