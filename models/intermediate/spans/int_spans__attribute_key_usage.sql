{#- The slim daily fact behind the drift alert alert_unmapped_attribute_keys:
    per UTC day, attribute key and hop service, how many spans (the usable
    first copy of each, stg_traces__spans) carried the key, whatever its
    value. Every key is kept, mapped or not: which keys are unmapped depends
    on the alias seeds and the drift pattern, so the alert decides that over
    these few rows, and a changed seed or var needs no rebuild here.
    Rebuilt by span_date on nightly runs (period_rebuild_config): a row
    counts the spans of one UTC day, so a night explodes only the attribute
    maps of the days it rebuilds, and the alert sums every day's rows
    instead of every span's keys. -#}
{{ config(**period_rebuild_config('span_date')) }}
with

-- The spans of the days rebuilt this run (every span on a full build).
spans as (
    select
        service_name,
        attributes,
        {{ utc_day('started_at') }} as span_date
    from {{ ref('stg_traces__spans') }}
    where {{ in_rebuilt_periods('started_at') }}
),

span_keys as (
    select * from {{ explode_map_keys('spans', 'attributes', ['span_date', 'service_name']) }}
),

final as (
    select
        span_date,
        attribute_key,
        service_name,
        cast(count(*) as {{ dbt.type_bigint() }}) as span_count
    from span_keys
    group by span_date, attribute_key, service_name
)

select * from final
