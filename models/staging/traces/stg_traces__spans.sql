{#- One row per unique (trace_id, span_id): the usable first copy of each span. -#}
with

span_records as (
    select * from {{ ref('stg_traces__span_records') }}
),

final as (
    select
        {{ dbt.concat(['trace_id', "':'", 'span_id']) }} as span_key,
        trace_id,
        span_id,
        parent_span_id,
        case
            when parent_span_id is not null
                then {{ dbt.concat(['trace_id', "':'", 'parent_span_id']) }}
        end as parent_span_key,
        span_name,
        span_kind,
        service_name,
        started_at,
        ended_at,
        attributes,
        source_file,
        line_number,
        record_format
    from span_records
    where rejection_reason is null
)

select * from final
