{#- Spark SQL versions of the MAP macros in macros/portability/maps.sql.
    Spark's map_concat and map_from_entries fail on repeated
    keys (spark.sql.mapKeyDedupPolicy=EXCEPTION), so "which entry wins" is
    written out instead of left to a session setting. -#}

{#- A value of an absent key is null (no error, ANSI mode or not). -#}
{% macro spark__map_get(map_expr, key) -%}
    try_element_at({{ map_expr }}, {{ text_literal(key) }})
{%- endmacro %}

{% macro spark__map_drop_keys_matching(map_expr, pattern) -%}
    map_filter({{ map_expr }}, (k, v) -> not k rlike {{ text_literal(pattern) }})
{%- endmacro %}

{#- A map from an array of (key, value) structs: null keys dropped, the
    first entry of each key kept. A fold, so the array is evaluated once
    (a filter comparing positions would re-evaluate it per element). -#}
{% macro spark__first_key_wins_map(array_expr) -%}
    aggregate(
        {{ array_expr }},
        cast(map() as map<string, string>),
        (acc, entry) -> case
            when entry.key is null or map_contains_key(acc, entry.key) then acc
            else map_concat(acc, map(entry.key, entry.value))
        end
    )
{%- endmacro %}

{% macro spark__json_text_entries(text_expr) -%}
    map_entries({{ spark__json_to_string_map(text_expr) }})
{%- endmacro %}

{% macro spark__flatten_json_string_containers(map_expr, containers) -%}
    {%- if containers | length == 0 -%}
        {{ map_expr }}
    {%- else -%}
    {%- set parts = [] -%}
    {%- for container in containers -%}
        {%- set value = spark__map_get(map_expr, container) -%}
        {%- set prefix = text_literal(container ~ '.') -%}
        {%- set level_1 = spark__json_text_entries(value) -%}
        {%- do parts.append(
            'transform(' ~ level_1 ~ ', e1 -> named_struct(\'key\', concat(' ~ prefix ~ ', e1.key), \'value\', e1.value))'
        ) -%}
        {%- do parts.append(
            'flatten(transform(' ~ level_1 ~ ', e1 -> transform('
            ~ spark__json_text_entries('e1.value')
            ~ ', e2 -> named_struct(\'key\', concat(' ~ prefix ~ ', e1.key, \'.\', e2.key), \'value\', e2.value))))'
        ) -%}
    {%- endfor %}
    {{ spark__first_key_wins_map('concat(map_entries(' ~ map_expr ~ '), ' ~ parts | join(', ') ~ ')') }}
    {%- endif -%}
{%- endmacro %}

{#- Only compared for equality (duplicate-span fingerprints), never across
    engines, so any canonical text does. -#}
{% macro spark__sorted_entries_text(entries_expr) -%}
    coalesce(to_json(array_sort({{ entries_expr }})), '[]')
{%- endmacro %}

{% macro spark__explode_map_keys(relation, map_column, columns) -%}
    (
        select
            {%- for column in columns %}
            {{ column }},
            {%- endfor %}
            explode(map_keys({{ map_column }})) as attribute_key
        from {{ relation }}
    )
{%- endmacro %}

{#- ignoreNullFields false: a null field is written as null, as DuckDB's
    to_json does. -#}
{% macro spark__staged_record_json(fields, map_expr) -%}
    to_json(
        named_struct(
            {%- for name, expr in fields %}
            '{{ name }}', {{ expr }},
            {%- endfor %}
            'attributes', map_from_entries(array_sort(map_entries({{ map_expr }})))
        ),
        map('ignoreNullFields', 'false')
    )
{%- endmacro %}
