{#- JSON arrays of spans (a line holding `[{span}, {span}, ...]`): each
    element is one record. Engine-specific JSON and list functions live here
    so the staging models stay portable. -#}

{#- True when the text is a JSON array of one or more elements that are all
    objects (any other array stays a malformed line). -#}
{% macro json_is_array_of_objects(json_expr) -%}
    {{ return(adapter.dispatch('json_is_array_of_objects', 'llm_spend_attribution')(json_expr)) }}
{%- endmacro %}

{#- Without JSON functions in ANSI SQL no line is an array of spans: such
    lines stay malformed and are quarantined (never lost). -#}
{% macro default__json_is_array_of_objects(json_expr) -%}
    false
{%- endmacro %}

{#- A CASE, not AND: the JSON functions must only see valid JSON. -#}
{% macro duckdb__json_is_array_of_objects(json_expr) -%}
    case
        when left(ltrim({{ json_expr }}), 1) = '[' and coalesce(json_valid({{ json_expr }}), false)
            then coalesce(
                json_array_length({{ json_expr }}) > 0
                and list_bool_and(list_transform(
                    json_extract({{ json_expr }}, '$[*]'), lambda element: json_type(element) = 'OBJECT'
                )),
                false
            )
        else false
    end
{%- endmacro %}

{% macro spark__json_is_array_of_objects(json_expr) -%}
    coalesce(
        left(ltrim({{ json_expr }}), 1) = '['
        and size(from_json({{ json_expr }}, 'array<map<string, string>>')) > 0
        and not exists(
            from_json({{ json_expr }}, 'array<string>'),
            element -> element is null or left(ltrim(element), 1) != '{{ '{' }}'
        ),
        false
    )
{%- endmacro %}

{#- One row per element of the span-array lines in `relation` (columns
    source_file, file_size, file_modified_at, line_number, raw_line): the
    same columns with array_position (0-based) and raw_line the element's
    JSON text. -#}
{% macro explode_json_arrays(relation) -%}
    {{ return(adapter.dispatch('explode_json_arrays', 'llm_spend_attribution')(relation)) }}
{%- endmacro %}

{#- No array is recognised without JSON functions (default__json_is_array_of_objects). -#}
{% macro default__explode_json_arrays(relation) -%}
    (
        select
            source_file,
            file_size,
            file_modified_at,
            line_number,
            cast(null as {{ dbt.type_bigint() }}) as array_position,
            raw_line
        from {{ relation }}
        where 1 = 0
    )
{%- endmacro %}

{% macro duckdb__explode_json_arrays(relation) -%}
    (
        with elements as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                {{ duckdb__unnest_positioned("json_extract(raw_line, '$[*]')", 'false') }} as element
            from {{ relation }}
        )

        select
            source_file,
            file_size,
            file_modified_at,
            line_number,
            cast(element.position as bigint) as array_position,
            cast(element.element as varchar) as raw_line
        from elements
    )
{%- endmacro %}

{% macro spark__explode_json_arrays(relation) -%}
    (
        select
            arrays.source_file,
            arrays.file_size,
            arrays.file_modified_at,
            arrays.line_number,
            cast(el.array_position as bigint) as array_position,
            el.raw_line
        from {{ relation }} as arrays
        lateral view posexplode(from_json(arrays.raw_line, 'array<string>')) el as array_position, raw_line
    )
{%- endmacro %}
