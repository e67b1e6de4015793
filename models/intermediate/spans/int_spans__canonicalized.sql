{#- Every span with its canonical execution fields, coalesced from the
    configured alias keys, and the key that supplied each one. Request and
    response model, provider and token counts arrive resolved (and
    validated) from staging, where their aliases are read once; operation
    and response id are read here; the identity fields in
    int_spans__identity_hops, the one place that reads them from the span
    attributes (`<field>__near`: the first non-blank alias; its key:
    macro alias_key_of_rank). is_model_call marks call-level spans;
    is_billed_call keeps one of them per response id (the same call seen at
    two hops). -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{#- Read from their alias keys here (the model fields come from staging). -#}
{%- set text_fields = ['operation', 'response_id'] -%}
{%- set model_fields = ['request_model', 'response_model'] -%}
{%- set token_fields = token_count_fields() -%}
{%- set span_columns = [
    'trace_id', 'span_id', 'span_name', 'span_kind', 'service_name',
    'started_at', 'ended_at', 'attributes'
] -%}
{%- for field in model_fields -%}
    {%- do span_columns.extend([field, field ~ '_source_key']) -%}
{%- endfor -%}
{%- do span_columns.extend(['provider', 'provider_source_key']) -%}
{%- for field in token_fields -%}
    {%- do span_columns.extend([field, field ~ '_source_key']) -%}
{%- endfor -%}
{%- do span_columns.append('source_file') -%}
{#- The columns it passes on, in order (the attribute map stays behind). -#}
{%- set output_columns = [
    'span_key', 'trace_id', 'span_id', 'parent_span_key', 'span_name', 'span_kind',
    'service_name', 'started_at', 'ended_at'
] -%}
{%- for field in model_fields + text_fields -%}
    {%- do output_columns.extend(['raw_operation' if field == 'operation' else field, field ~ '_source_key']) -%}
{%- endfor -%}
{%- do output_columns.extend(['provider', 'provider_source_key']) -%}
{%- for field in token_fields -%}
    {%- do output_columns.extend([field, field ~ '_source_key']) -%}
{%- endfor -%}
{%- do output_columns.extend(['source_file', 'operation', 'is_model_call']) -%}
{%- set operation_map = mapping_rows('operation_spellings', 'spelling', 'operation', 'operation_value_map') -%}
{%- set billable = var('billable_operations') -%}
with

-- The usable first copy of each span (macro usable_spans), read from
-- stg_traces__span_records directly: the view stg_traces__spans would be one
-- more model between the span files and the FOCUS rows. Read three times. A
-- full build reads every span: inlined, so that no attribute map is copied.
-- A night reads its traces' spans: computed once, after the semi-join on
-- the trace list; inlined, DuckDB pushed the filters of the response id and
-- copy reads below that semi-join, onto every staged span (a 10M-span
-- night's select: 8.8-8.9 s, against 1.6 s computed once).
spans as {{ rebuilt_traces_cte_hint() }} (
    {{ usable_spans(
        ref('stg_traces__span_records'),
        span_columns,
        in_rebuilt_traces('trace_id')
    ) }}
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
        {%- for field in model_fields %}
            {{ field }},
            {{ field }}_source_key,
        {%- endfor %}
        {%- for field in text_fields %}
            {%- if field == 'operation' %}
                {{ coalesce_aliases('attributes', field) }} as raw_operation,
            {%- else %}
                {{ coalesce_aliases('attributes', field) }} as {{ field }},
            {%- endif %}
            {{ coalesce_aliases_source('attributes', field) }} as {{ field }}_source_key,
        {%- endfor %}
        provider,
        provider_source_key,
        {%- for field in token_fields %}
            {{ field }},
            {{ field }}_source_key,
        {%- endfor %}
        source_file,
        -- Read again by call_copies only, for the few call copies.
        attributes
    from spans
),

operations as (
    select
        *,
        -- One vocabulary (seed operation_spellings); without any operation
        -- key, the span name's first word counts when it is a known one
        -- (`chat gpt-4o` per the OTel span-name convention).
        coalesce(
            case lower(trim(raw_operation))
                {%- for raw, mapped in operation_map %}
                    when {{ dbt.string_literal(dbt.escape_single_quotes(raw | lower)) }}
                        then {{ dbt.string_literal(dbt.escape_single_quotes(mapped)) }}
                {%- endfor %}
                else lower(trim(raw_operation))
            end,
            case
                when lower({{ dbt.split_part('trim(span_name)', "' '", 1) }}) in ({{ sql_string_list(billable) }})
                    then lower({{ dbt.split_part('trim(span_name)', "' '", 1) }})
            end
        ) as operation
    from canonical
),

classified as (
    select
        *,
        coalesce(
            operation in ({{ sql_string_list(billable) }})
            or (
                operation is null
                and coalesce(response_model, request_model) is not null
                and coalesce(input_tokens, output_tokens) is not null
            ),
            false
        ) as is_model_call
    from operations
),

-- The same call seen at two hops (gateway span and SDK client span) shares
-- its response id. Only response ids found on more than one span can have
-- copies to choose between: found from the response id aliases alone, so
-- that the copies are ranked on the spans carrying them instead of
-- classifying every span a second time (10M spans, where no two calls
-- share one: the model 36-43 s -> 22-25 s). Any such span counts, whatever
-- its provider and whether it is a model call: the ranking below takes the
-- model calls among them, by provider and response id.
response_spans as (
    select {{ coalesce_aliases('attributes', 'response_id') }} as response_id
    from spans
),

shared_response_ids as (
    select response_id
    from response_spans
    where response_id is not null
    group by response_id
    having count(*) > 1
),

-- Of the copies of one call, keep the one with the fullest usage, then the
-- one that carries a tenant (a non-blank tenant alias: looked up here, on
-- those copies only), then a server-kind span (the gateway receiving it),
-- then the earliest; the others are model calls but not billed. A call
-- alone with its response id is its own billed copy (final).
call_copies as (
    select
        span_key,
        first_value(span_key) over (
            partition by provider, response_id
            order by
                (
                    {%- for field in token_fields %}
                        case when {{ field }} is null then 0 else 1 end{{ " +" if not loop.last }}
                    {%- endfor %}
                ) desc,
                case when {{ coalesce_aliases('attributes', 'tenant_id') }} is null then 1 else 0 end,
                case when span_kind = 'server' then 0 else 1 end,
                started_at,
                span_key
        ) as billed_span_key
    from classified
    where
        is_model_call
        and response_id in (select shared_response_ids.response_id from shared_response_ids)
),

final as (
    select
        {%- for column in output_columns %}
            classified.{{ column }},
        {%- endfor %}
        case
            when classified.is_model_call and classified.response_id is not null
                then coalesce(call_copies.billed_span_key, classified.span_key)
        end as billed_copy_span_key,
        classified.is_model_call
        and coalesce(call_copies.billed_span_key = classified.span_key, true) as is_billed_call
    from classified
    left join call_copies
        on classified.span_key = call_copies.span_key
)

select * from final
