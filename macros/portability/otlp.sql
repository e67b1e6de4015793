{#- OTLP JSON (ExportTraceServiceRequest, one batch per line as the Collector
    file exporter writes) exploded to one row per span. Engine-specific JSON
    and list functions live here so the staging model stays portable. -#}

{#- One row per span of the OTLP batches in `relation` (columns source_file,
    file_size, file_modified_at, line_number, array_position, raw_line), with 0-based
    resource/scope/span indexes, the span's own JSON text, the resource
    attributes (JSON) and the scope name and version. A batch that holds no
    span at all gives one row with null span_json, so every line is
    accounted for. Streams: each level is unnested in the select list (no
    lateral join, no second read of the spans). -#}
{% macro explode_otlp_batches(relation) -%}
    {{ return(adapter.dispatch('explode_otlp_batches', 'llm_spend_attribution')(relation)) }}
{%- endmacro %}

{#- Unnest of a list into {position (0-based), element} rows; when
    `keep_row_when` holds, one null row instead (an empty list otherwise
    gives no row). -#}
{% macro duckdb__unnest_positioned(list_expr, keep_row_when) -%}
    unnest(
        case
            when {{ keep_row_when }} then [null]
            else list_transform(
                coalesce({{ list_expr }}, []),
                lambda element, position: {'position': position - 1, 'element': element}
            )
        end
    )
{%- endmacro %}

{% macro duckdb__explode_otlp_batches(relation) -%}
    {%- set batch_shape = '{"resourceSpans":[{"resource":{"attributes":"JSON"},'
        ~ '"scopeSpans":[{"scope":{"name":"VARCHAR","version":"VARCHAR"},"spans":["JSON"]}]}]}' -%}
    (
        with batches as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                array_position,
                json_transform(raw_line, {{ dbt.string_literal(batch_shape) }}).resourceSpans as resource_spans
            from {{ relation }}
        ),

        counted as (
            select
                *,
                coalesce(list_sum(list_transform(
                    resource_spans,
                    lambda rs: coalesce(list_sum(list_transform(rs.scopeSpans, lambda ss: len(ss.spans))), 0)
                )), 0) as span_count
            from batches
        ),

        resources as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                array_position,
                -- A batch without any span keeps one row; otherwise empty
                -- resources and scopes give no row.
                {{ duckdb__unnest_positioned('resource_spans', 'span_count = 0') }} as resource_span
            from counted
        ),

        scopes as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                array_position,
                resource_span.position as resource_index,
                resource_span.element.resource.attributes as resource_attributes,
                {{ duckdb__unnest_positioned('resource_span.element.scopeSpans', 'resource_span is null') }}
                    as scope_span
            from resources
        ),

        spans as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                array_position,
                resource_index,
                scope_span.position as scope_index,
                resource_attributes,
                scope_span.element.scope.name as scope_name,
                scope_span.element.scope.version as scope_version,
                {{ duckdb__unnest_positioned('scope_span.element.spans', 'scope_span is null') }} as span
            from scopes
        )

        select
            source_file,
            file_size,
            file_modified_at,
            line_number,
            array_position,
            resource_index,
            scope_index,
            span.position as span_index,
            resource_attributes,
            scope_name,
            scope_version,
            span.element as span_json
        from spans
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
    list of {key, value} entries with text values: stringValue as is;
    intValue as its decimal string; doubleValue and boolValue as text;
    bytesValue (base64) as is; an arrayValue of one element as that
    element's text (`x-tenant: ["t_acme"]` -> `t_acme`), of several elements
    as a JSON array of their texts; a kvlistValue as a JSON object text.
    Entries without a key are dropped; repeated keys are kept in order (the
    caller picks, see entries_first_wins). Null or a non-list gives an empty
    list. One typed parse of the list; arrays and kvlists, which are rare,
    are parsed again only where present. -#}
{% macro otlp_attribute_entries(json_expr) -%}
    {{ return(adapter.dispatch('otlp_attribute_entries', 'llm_spend_attribution')(json_expr)) }}
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
    each key kept (map_from_entries rejects repeated keys). `list_expr`
    should be a column: it is read once per element. -#}
{% macro duckdb__first_key_wins(list_expr) -%}
    {#- list_zip makes a null list empty: null stays null. -#}
    case when {{ list_expr }} is not null then list_transform(
        list_filter(
            list_zip({{ list_expr }}, range(1, len({{ list_expr }}) + 1)),
            lambda entry: entry[1].key is not null
            and entry[2] = list_position(list_transform({{ list_expr }}, lambda e: e.key), entry[1].key)
        ),
        lambda entry: entry[1]
    ) end
{%- endmacro %}

{% macro duckdb__otlp_attribute_entries(json_expr) -%}
    {%- set any_value = '{"stringValue":"VARCHAR","intValue":"VARCHAR","doubleValue":"VARCHAR",'
        ~ '"boolValue":"VARCHAR","bytesValue":"VARCHAR","arrayValue":"JSON","kvlistValue":"JSON"}' -%}
    {%- set key_values = '[{"key":"VARCHAR","value":' ~ any_value ~ '}]' -%}
    coalesce(
        list_transform(
            list_filter(
                json_transform(
                    case when json_type({{ json_expr }}) = 'ARRAY' then {{ json_expr }} end,
                    {{ dbt.string_literal(key_values) }}
                ),
                lambda kv: kv.key is not null
            ),
            lambda kv: {
                'key': kv.key,
                'value': case
                    when kv.value.arrayValue is not null or kv.value.kvlistValue is not null
                        then {{ duckdb__otlp_any_value_text("json_object('arrayValue', kv.value.arrayValue, "
                            ~ "'kvlistValue', kv.value.kvlistValue)") }}
                    else coalesce(
                        kv.value.stringValue, kv.value.intValue, kv.value.doubleValue,
                        kv.value.boolValue, kv.value.bytesValue
                    )
                end
            }
        ),
        []
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
