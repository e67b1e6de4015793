{#- One row per unique (trace_id, span_id): the usable first copy of each span.
    A view: a filter of stg_traces__span_records, read by a few intermediate
    models, so no second copy of every span and its map is written. A
    trace's rows are its rows of stg_traces__span_records, so its row-level
    data tests check only the traces rebuilt this run (meta trace_key, as on
    the per-trace models; docs/nightly.md). -#}
{{ config(materialized='view', meta={'trace_key': 'trace_id'}) }}
{%- set token_fields = [
    'input_tokens', 'output_tokens', 'cache_read_tokens',
    'cache_write_tokens', 'reasoning_tokens'
] -%}
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
        status_code,
        attributes,
        provider,
        provider_source_key,
        {%- for field in token_fields %}
            {{ field }},
            {{ field }}_source_key,
        {%- endfor %}
        source_file,
        line_number,
        batch_position,
        record_format
    from span_records
    where rejection_reason is null
)

select * from final
