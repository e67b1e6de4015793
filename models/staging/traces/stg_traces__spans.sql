{#- One row per unique (trace_id, span_id): the usable first copy of each span
    (macro usable_spans). A view of stg_traces__span_records, so no second
    copy of every span and its map is written; read by the drift report
    (alias_usage_by_hop), alerts and reconciliation tests. The per-trace
    models read stg_traces__span_records through the same macro instead,
    keeping the chain from span files to FOCUS rows short. A trace's rows
    are its rows of stg_traces__span_records, so its row-level data tests
    check only the traces rebuilt this run (meta trace_key, as on the
    per-trace models; docs/nightly.md). -#}
{{ config(materialized='view', meta={'trace_key': 'trace_id'}) }}
{%- set token_fields = token_count_fields() -%}
{%- set columns = [
    'trace_id', 'span_id', 'parent_span_id', 'span_name', 'span_kind',
    'service_name', 'started_at', 'ended_at', 'status_code', 'attributes',
    'request_model', 'request_model_source_key', 'response_model', 'response_model_source_key',
    'provider', 'provider_source_key'
] -%}
{%- for field in token_fields -%}
    {%- do columns.extend([field, field ~ '_source_key']) -%}
{%- endfor -%}
{%- do columns.extend(['source_file', 'line_number', 'batch_position', 'record_format']) -%}
with

usable_spans as (
    {{ usable_spans(ref('stg_traces__span_records'), columns) }}
),

final as (
    select * from usable_spans
)

select * from final
