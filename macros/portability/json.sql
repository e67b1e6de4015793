{#- JSON access, behind adapter.dispatch so models hold no engine-specific
    JSON syntax. `key` is a plain top-level key (dots are part of the key). -#}

{% macro json_get_string(json_expr, key) -%}
    {{ return(adapter.dispatch('json_get_string', 'llm_spend_attribution')(json_expr, key)) }}
{%- endmacro %}

{#- SQL:2016 JSON_VALUE. -#}
{% macro default__json_get_string(json_expr, key) -%}
    json_value({{ json_expr }}, {{ json_key_path(key) }})
{%- endmacro %}

{% macro duckdb__json_get_string(json_expr, key) -%}
    json_extract_string({{ json_expr }}, {{ json_key_path(key) }})
{%- endmacro %}

{% macro json_is_object(json_expr) -%}
    {{ return(adapter.dispatch('json_is_object', 'llm_spend_attribution')(json_expr)) }}
{%- endmacro %}

{#- SQL:2016 IS JSON OBJECT. -#}
{% macro default__json_is_object(json_expr) -%}
    coalesce({{ json_expr }} is json object, false)
{%- endmacro %}

{% macro duckdb__json_is_object(json_expr) -%}
    coalesce(json_type(try_cast({{ json_expr }} as json)) = 'OBJECT', false)
{%- endmacro %}

{% macro json_to_string_map(json_expr) -%}
    {{ return(adapter.dispatch('json_to_string_map', 'llm_spend_attribution')(json_expr)) }}
{%- endmacro %}

{#- Objects become a map of key -> scalar as text; nested values keep their
    JSON text. A non-object (or null) gives an empty map. -#}
{% macro duckdb__json_to_string_map(json_expr) -%}
    coalesce(
        case
            when json_type({{ json_expr }}) = 'OBJECT'
                then json_transform({{ json_expr }}, '"MAP(VARCHAR, VARCHAR)"')
        end,
        map()
    )
{%- endmacro %}

{#- A JSONPath for one top-level key, quoted so dots, quotes and other
    metacharacters in attribute keys are taken literally. -#}
{% macro json_key_path(key) -%}
    {%- set escaped = key | replace('\\', '\\\\') | replace('"', '\\"') -%}
    {{ dbt.string_literal(dbt.escape_single_quotes('$."' ~ escaped ~ '"')) }}
{%- endmacro %}

{#- The JSON value under a top-level key (still JSON), or null. -#}
{% macro json_get(json_expr, key) -%}
    {{ return(adapter.dispatch('json_get', 'llm_spend_attribution')(json_expr, key)) }}
{%- endmacro %}

{#- SQL:2016 JSON_QUERY. -#}
{% macro default__json_get(json_expr, key) -%}
    json_query({{ json_expr }}, {{ json_key_path(key) }})
{%- endmacro %}

{% macro duckdb__json_get(json_expr, key) -%}
    json_extract({{ json_expr }}, {{ json_key_path(key) }})
{%- endmacro %}

{#- A flat JSON object (as text) from {key: sql_expression} pairs, keys in
    the given order. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'llm_spend_attribution')(pairs)) }}
{%- endmacro %}

{#- SQL:2016 JSON_OBJECT(key VALUE value, ...). -#}
{% macro default__json_object_text(pairs) -%}
    cast(json_object(
        {%- for key, value in pairs.items() %}
        {{ dbt.string_literal(dbt.escape_single_quotes(key)) }} value {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__json_object_text(pairs) -%}
    cast(json_object(
        {%- for key, value in pairs.items() %}
        {{ dbt.string_literal(dbt.escape_single_quotes(key)) }}, {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as varchar)
{%- endmacro %}

{#- The top-level keys of a JSON object (text), in document order, repeats
    kept; and the values under them as text (strings unquoted, nested values
    as JSON text, JSON null as null), in the same order. One parse each. -#}
{% macro json_top_level_keys(json_expr) -%}
    {{ return(adapter.dispatch('json_top_level_keys', 'llm_spend_attribution')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__json_top_level_keys(json_expr) -%}
    json_keys({{ json_expr }})
{%- endmacro %}

{% macro json_top_level_values(json_expr) -%}
    {{ return(adapter.dispatch('json_top_level_values', 'llm_spend_attribution')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__json_top_level_values(json_expr) -%}
    json_extract_string({{ json_expr }}, '$.*')
{%- endmacro %}
