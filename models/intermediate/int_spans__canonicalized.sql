{#- Every span with its canonical identity and execution fields, coalesced
    from the configured alias keys, and the key that supplied each one. -#}
{%- set text_fields = [
    'tenant_id', 'cost_center', 'workflow_id', 'actor_id', 'actor_type',
    'request_model', 'response_model', 'operation', 'response_id'
] -%}
{%- set token_fields = [
    'input_tokens', 'output_tokens', 'cache_read_tokens',
    'cache_write_tokens', 'reasoning_tokens'
] -%}
with

spans as (
    select * from {{ ref('stg_traces__spans') }}
),

canonical as (
    select
        span_key,
        trace_id,
        span_id,
        parent_span_key,
        span_name,
        span_kind,
        service_name,
        started_at,
        ended_at,
        {%- for field in text_fields %}
            {{ coalesce_aliases('attributes', field) }} as {{ field }},
            {{ coalesce_aliases_source('attributes', field) }} as {{ field }}_source_key,
        {%- endfor %}
        {{ normalize_provider(coalesce_aliases('attributes', 'provider')) }} as provider,
        {{ coalesce_aliases_source('attributes', 'provider') }} as provider_source_key,
        {%- for field in token_fields %}
            {{ parse_token_count(coalesce_aliases('attributes', field)) }} as {{ field }},
            {{ coalesce_aliases_source('attributes', field) }} as {{ field }}_source_key,
        {%- endfor %}
        source_file
    from spans
),

classified as (
    select
        *,
        coalesce(
            lower(operation) in ({{ sql_string_list(var('billable_operations')) }})
            or (
                operation is null
                and coalesce(response_model, request_model) is not null
                and coalesce(input_tokens, output_tokens) is not null
            ),
            false
        ) as is_model_call
    from canonical
)

select * from classified
