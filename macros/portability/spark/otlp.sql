{#- Spark SQL versions of the OTLP macros (macros/portability/otlp.sql).
    from_json reads the nested batch with a schema; JSON-valued parts are
    read as string, which Spark fills with their JSON text. -#}

{% macro spark__explode_otlp_batches(relation) -%}
    {%- set batch_shape = 'struct<resourceSpans: array<struct<resource: struct<attributes: string>, '
        ~ 'scopeSpans: array<struct<scope: struct<name: string, version: string>, spans: array<string>>>>>>' -%}
    (
        with batches as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                array_position,
                from_json(raw_line, {{ text_literal(batch_shape) }}).resourceSpans as resource_spans
            from {{ relation }}
        ),

        resources as (
            select
                batches.source_file,
                batches.file_size,
                batches.file_modified_at,
                batches.line_number,
                batches.array_position,
                rs.resource_index,
                rs.resource_span.resource.attributes as resource_attributes,
                rs.resource_span.scopeSpans as scope_spans
            from batches
            lateral view posexplode(batches.resource_spans) rs as resource_index, resource_span
        ),

        scopes as (
            select
                resources.source_file,
                resources.file_size,
                resources.file_modified_at,
                resources.line_number,
                resources.array_position,
                resources.resource_index,
                ss.scope_index,
                resources.resource_attributes,
                ss.scope_span.scope.name as scope_name,
                ss.scope_span.scope.version as scope_version,
                ss.scope_span.spans as spans
            from resources
            lateral view posexplode(resources.scope_spans) ss as scope_index, scope_span
        ),

        spans as (
            select
                scopes.source_file,
                scopes.file_size,
                scopes.file_modified_at,
                scopes.line_number,
                scopes.array_position,
                cast(scopes.resource_index as bigint) as resource_index,
                cast(scopes.scope_index as bigint) as scope_index,
                cast(sp.span_index as bigint) as span_index,
                scopes.resource_attributes,
                scopes.scope_name,
                scopes.scope_version,
                sp.span_json
            from scopes
            lateral view posexplode(scopes.spans) sp as span_index, span_json
        ),

        empty_batches as (
            select
                batches.source_file,
                batches.file_size,
                batches.file_modified_at,
                batches.line_number,
                batches.array_position,
                cast(null as bigint) as resource_index,
                cast(null as bigint) as scope_index,
                cast(null as bigint) as span_index,
                cast(null as string) as resource_attributes,
                cast(null as string) as scope_name,
                cast(null as string) as scope_version,
                cast(null as string) as span_json
            from batches
            left anti join (select distinct source_file, line_number, array_position from spans) as with_spans
                on batches.source_file = with_spans.source_file
                and batches.line_number = with_spans.line_number
                and batches.array_position <=> with_spans.array_position
        )

        select * from spans
        union all
        select * from empty_batches
    )
{%- endmacro %}

{% macro spark__otlp_span_fields(json_expr) -%}
    {%- set span_shape = 'struct<traceId: string, spanId: string, parentSpanId: string, name: string, '
        ~ 'kind: string, startTimeUnixNano: string, endTimeUnixNano: string, attributes: string, '
        ~ 'status: struct<code: string, message: string>>' -%}
    from_json({{ json_expr }}, {{ text_literal(span_shape) }})
{%- endmacro %}

{%- macro spark__otlp_scalar_shape() -%}
    stringValue: string, intValue: string, doubleValue: string, boolValue: string, bytesValue: string
{%- endmacro -%}

{% macro spark__otlp_attribute_scalar(v) -%}
    coalesce({{ v }}.stringValue, {{ v }}.intValue, {{ v }}.doubleValue, {{ v }}.boolValue, {{ v }}.bytesValue)
{%- endmacro %}

{#- See otlp_attribute_entries: keyless entries dropped, repeats kept in
    order; a one-element array is its element's text; longer arrays and
    kvlists are JSON text. Only a JSON array is read (Spark's from_json
    would read a lone object as a one-element array). -#}
{% macro spark__otlp_attribute_entries(json_expr) -%}
    {%- set scalar = spark__otlp_scalar_shape() -%}
    {%- set shape = 'array<struct<key: string, value: struct<' ~ scalar
        ~ ', arrayValue: struct<values: array<struct<' ~ scalar ~ '>>>'
        ~ ', kvlistValue: struct<values: array<struct<key: string, value: struct<' ~ scalar ~ '>>>>>>>' -%}
    coalesce(
        transform(
            filter(
                from_json(
                    case when ltrim({{ json_expr }}) like '[%' then {{ json_expr }} end,
                    {{ text_literal(shape) }}
                ),
                kv -> kv.key is not null
            ),
            kv -> named_struct('key', kv.key, 'value', {{ spark__otlp_any_value_text('kv.value') }})
        ),
        cast(array() as {{ spark__entry_list_type() }})
    )
{%- endmacro %}

{% macro spark__otlp_any_value_text(v) -%}
    case
        when {{ v }}.arrayValue is not null then
            case
                when coalesce(size({{ v }}.arrayValue.`values`), 0) = 1
                    then {{ spark__otlp_attribute_scalar(v ~ '.arrayValue.`values`[0]') }}
                else to_json(transform({{ v }}.arrayValue.`values`, e -> {{ spark__otlp_attribute_scalar('e') }}))
            end
        when {{ v }}.kvlistValue is not null then
            to_json({{ spark__first_key_wins_map(
                'transform(' ~ v ~ '.kvlistValue.`values`, e -> named_struct(\'key\', e.key, \'value\', '
                ~ spark__otlp_attribute_scalar('e.value') ~ '))'
            ) }})
        else {{ spark__otlp_attribute_scalar(v) }}
    end
{%- endmacro %}
