{#- OTLP JSON (ExportTraceServiceRequest, one batch per line as the Collector
    file exporter writes) exploded to one row per span. Engine-specific JSON
    and list functions live here so the staging model stays portable. -#}

{#- One row per span of the OTLP batches in `relation` (columns source_file,
    line_number, raw_line), with 0-based resource/scope/span indexes, the
    span's own JSON text and the resource and scope attributes. A batch that
    holds no span at all gives one row with null span_json, so every line is
    accounted for. -#}
{% macro explode_otlp_batches(relation) -%}
    {{ return(adapter.dispatch('explode_otlp_batches', 'llm_spend_attribution')(relation)) }}
{%- endmacro %}

{% macro duckdb__explode_otlp_batches(relation) -%}
    {%- set batch_shape = '{"resourceSpans":[{"resource":{"attributes":"JSON"},'
        ~ '"scopeSpans":[{"scope":{"name":"VARCHAR","version":"VARCHAR"},"spans":["JSON"]}]}]}' -%}
    (
        with batches as (
            select
                source_file,
                line_number,
                json_transform(raw_line, {{ dbt.string_literal(batch_shape) }}).resourceSpans as resource_spans
            from {{ relation }}
        ),

        resources as (
            select
                batches.source_file,
                batches.line_number,
                rs.resource_index - 1 as resource_index,
                rs.resource_span.resource.attributes as resource_attributes,
                rs.resource_span.scopeSpans as scope_spans
            from batches
            cross join unnest(coalesce(batches.resource_spans, [])) with ordinality
                as rs (resource_span, resource_index)
        ),

        scopes as (
            select
                resources.source_file,
                resources.line_number,
                resources.resource_index,
                ss.scope_index - 1 as scope_index,
                resources.resource_attributes,
                ss.scope_span.scope.name as scope_name,
                ss.scope_span.scope.version as scope_version,
                ss.scope_span.spans as spans
            from resources
            cross join unnest(coalesce(resources.scope_spans, [])) with ordinality
                as ss (scope_span, scope_index)
        ),

        spans as (
            select
                scopes.source_file,
                scopes.line_number,
                scopes.resource_index,
                scopes.scope_index,
                sp.span_index - 1 as span_index,
                scopes.resource_attributes,
                scopes.scope_name,
                scopes.scope_version,
                sp.span_json
            from scopes
            cross join unnest(coalesce(scopes.spans, [])) with ordinality
                as sp (span_json, span_index)
        ),

        empty_batches as (
            select
                batches.source_file,
                batches.line_number,
                cast(null as bigint) as resource_index,
                cast(null as bigint) as scope_index,
                cast(null as bigint) as span_index,
                cast(null as json) as resource_attributes,
                cast(null as varchar) as scope_name,
                cast(null as varchar) as scope_version,
                cast(null as json) as span_json
            from batches
            left join (select distinct source_file, line_number from spans) as with_spans
                on batches.source_file = with_spans.source_file
                and batches.line_number = with_spans.line_number
            where with_spans.line_number is null
        )

        select * from spans
        union all
        select * from empty_batches
    )
{%- endmacro %}

{#- The fields of one OTLP span (JSON) as a struct: traceId, spanId,
    parentSpanId, name, kind, startTimeUnixNano, endTimeUnixNano, attributes
    (list of {key, value JSON}), status {code, message}. Wrong types give null
    fields, never an error. -#}
{% macro otlp_span_fields(json_expr) -%}
    {{ return(adapter.dispatch('otlp_span_fields', 'llm_spend_attribution')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__otlp_span_fields(json_expr) -%}
    {%- set span_shape = '{"traceId":"VARCHAR","spanId":"VARCHAR","parentSpanId":"VARCHAR",'
        ~ '"name":"VARCHAR","kind":"VARCHAR","startTimeUnixNano":"VARCHAR","endTimeUnixNano":"VARCHAR",'
        ~ '"attributes":"JSON","status":{"code":"VARCHAR","message":"VARCHAR"}}' -%}
    json_transform({{ json_expr }}, {{ dbt.string_literal(span_shape) }})
{%- endmacro %}

{#- An OTLP KeyValue list (JSON array of {"key", "value": AnyValue}) as a
    MAP(VARCHAR, VARCHAR) of text values:
    stringValue as is; intValue as its decimal string; doubleValue and
    boolValue as JSON text; bytesValue (base64) as is; an arrayValue of one
    element as that element's text (`x-tenant: ["t_acme"]` -> `t_acme`), of
    several elements as a JSON array of their texts; a kvlistValue as a JSON
    object text. When a key repeats, the first occurrence wins. Null or a
    non-list gives an empty map. -#}
{% macro otlp_attributes_map(json_expr) -%}
    {{ return(adapter.dispatch('otlp_attributes_map', 'llm_spend_attribution')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__otlp_attribute_scalar(v) -%}
    coalesce(
        json_extract_string({{ v }}, '$.stringValue'),
        json_extract_string({{ v }}, '$.intValue'),
        json_extract_string({{ v }}, '$.doubleValue'),
        json_extract_string({{ v }}, '$.boolValue'),
        json_extract_string({{ v }}, '$.bytesValue')
    )
{%- endmacro %}

{#- A list of {key, value} structs without null keys, first occurrence of
    each key kept (map_from_entries rejects repeated keys). -#}
{% macro duckdb__first_key_wins(list_expr) -%}
    list_filter(
        {{ list_expr }},
        lambda entry, position: entry.key is not null
        and position = list_position(list_transform({{ list_expr }}, lambda e: e.key), entry.key)
    )
{%- endmacro %}

{% macro duckdb__otlp_attributes_map(json_expr) -%}
    coalesce(
        map_from_entries({{ duckdb__first_key_wins(
            "list_transform(json_extract(case when json_type(" ~ json_expr ~ ") = 'ARRAY' then "
            ~ json_expr ~ " end, '$[*]'), lambda kv: {'key': json_extract_string(kv, '$.key'), 'value': "
            ~ duckdb__otlp_any_value_text("json_extract(kv, '$.value')") ~ "})"
        ) }}),
        map()
    )
{%- endmacro %}

{#- One AnyValue (JSON) as text; see otlp_attributes_map. -#}
{% macro duckdb__otlp_any_value_text(v) -%}
    case
        when json_type({{ v }}, '$.arrayValue') = 'OBJECT' then
            case
                when coalesce(json_array_length({{ v }}, '$.arrayValue.values'), 0) = 1
                    then {{ duckdb__otlp_attribute_scalar("json_extract(" ~ v ~ ", '$.arrayValue.values[0]')") }}
                else cast(to_json(list_transform(
                    json_extract({{ v }}, '$.arrayValue.values[*]'),
                    lambda e: {{ duckdb__otlp_attribute_scalar('e') }}
                )) as varchar)
            end
        when json_type({{ v }}, '$.kvlistValue') = 'OBJECT' then
            cast(to_json(map_from_entries({{ duckdb__first_key_wins(
                "list_transform(json_extract(" ~ v ~ ", '$.kvlistValue.values[*]'), lambda e: {'key': json_extract_string(e, '$.key'), 'value': "
                ~ duckdb__otlp_attribute_scalar("json_extract(e, '$.value')") ~ "})"
            ) }})) as varchar)
        else {{ duckdb__otlp_attribute_scalar(v) }}
    end
{%- endmacro %}
