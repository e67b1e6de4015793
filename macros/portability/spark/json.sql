{#- Spark SQL versions of the JSON macros in macros/portability/json.sql and
    json_checks.sql. JSON stays text on Spark: get_json_object and from_json
    parse it where needed. -#}

{#- A JSONPath for one top-level key in Spark's bracket notation, so dots in
    attribute keys are taken literally. -#}
{% macro spark__json_key_path(key) -%}
    {{ text_literal("$['" ~ key ~ "']") }}
{%- endmacro %}

{% macro spark__json_get_string(json_expr, key) -%}
    get_json_object({{ json_expr }}, {{ spark__json_key_path(key) }})
{%- endmacro %}

{% macro spark__json_get(json_expr, key) -%}
    get_json_object({{ json_expr }}, {{ spark__json_key_path(key) }})
{%- endmacro %}

{#- from_json gives null for malformed text and for JSON that is not an
    object; an object (even {}) gives a map. -#}
{% macro spark__json_is_object(json_expr) -%}
    coalesce(
        left(ltrim({{ json_expr }}), 1) = '{{ '{' }}'
        and from_json({{ json_expr }}, 'map<string, string>') is not null,
        false
    )
{%- endmacro %}

{#- Scalars become their text and nested values their JSON text, as on
    DuckDB (Spark's JSON reader renders a non-string token read as string as
    its JSON text). -#}
{% macro spark__json_to_string_map(json_expr) -%}
    coalesce(
        from_json({{ json_expr }}, 'map<string, string>'),
        cast(map() as map<string, string>)
    )
{%- endmacro %}

{#- to_json drops null fields unless told not to; DuckDB's json_object keeps
    them. -#}
{% macro spark__json_object_text(pairs) -%}
    to_json(
        named_struct(
            {%- for key, value in pairs.items() %}
            {{ text_literal(key) }}, {{ value }}{{ "," if not loop.last }}
            {%- endfor %}
        ),
        map('ignoreNullFields', 'false')
    )
{%- endmacro %}

{#- Spark 4 VARIANT: parse_json rejects duplicate keys and malformed text
    (try_ gives null), and the variant's schema names nested objects and
    arrays. -#}
{% macro spark__json_is_flat_object(json_expr) -%}
    case
        when {{ json_expr }} is null then null
        when try_parse_json({{ json_expr }}) is null then false
        when schema_of_variant(try_parse_json({{ json_expr }})) not like 'OBJECT<%' then false
        else not substring(schema_of_variant(try_parse_json({{ json_expr }})), 8) rlike '(OBJECT|ARRAY)<'
    end
{%- endmacro %}

{% macro spark__json_top_level_keys(json_expr) -%}
    json_object_keys({{ json_expr }})
{%- endmacro %}

{#- from_json into a map keeps the keys in document order, so its values are
    parallel to json_object_keys when no key repeats (one parse). A repeated
    key collapses in the map (last wins), so such objects take one
    get_json_object per key instead, which gives the first value of a key,
    as DuckDB's list lookup does. -#}
{% macro spark__json_top_level_values(json_expr) -%}
    case
        when size(json_object_keys({{ json_expr }})) = size(from_json({{ json_expr }}, 'map<string, string>'))
            then map_values(from_json({{ json_expr }}, 'map<string, string>'))
        else transform(
            json_object_keys({{ json_expr }}),
            entry_key -> get_json_object({{ json_expr }}, concat('$[\'', entry_key, '\']'))
        )
    end
{%- endmacro %}
