{#- Spark SQL versions of the MAP macros in macros/portability/maps.sql and
    map_entries.sql. Spark's map_concat and map_from_entries fail on repeated
    keys (spark.sql.mapKeyDedupPolicy=EXCEPTION), so "which entry wins" is
    written out instead of left to a session setting. -#}

{#- A value of an absent key is null (no error, ANSI mode or not). -#}
{% macro spark__map_get(map_expr, key) -%}
    try_element_at({{ map_expr }}, {{ text_literal(key) }})
{%- endmacro %}

{#- Later maps win on key collisions. -#}
{% macro spark__map_merge(map_exprs) -%}
    {%- set ns = namespace(merged=map_exprs[0]) -%}
    {%- for later in map_exprs[1:] -%}
        {%- set ns.merged = 'map_concat(map_filter(' ~ ns.merged ~ ', (k, v) -> not map_contains_key('
            ~ later ~ ', k)), ' ~ later ~ ')' -%}
    {%- endfor -%}
    {{ ns.merged }}
{%- endmacro %}

{% macro spark__map_of(key_exprs, value_exprs) -%}
    map_from_arrays(array({{ key_exprs | join(', ') }}), array({{ value_exprs | join(', ') }}))
{%- endmacro %}

{% macro spark__map_drop_keys_matching(map_expr, pattern) -%}
    map_filter({{ map_expr }}, (k, v) -> not k rlike {{ text_literal(pattern) }})
{%- endmacro %}

{% macro spark__map_key_list(map_expr) -%}
    map_keys({{ map_expr }})
{%- endmacro %}

{#- An array of (key, value) structs without null keys, the first
    occurrence of each key kept. -#}
{% macro spark__first_key_wins(array_expr) -%}
    filter(
        {{ array_expr }},
        (entry, i) -> entry.key is not null
        and array_position(transform({{ array_expr }}, e -> e.key), entry.key) = i + 1
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
    {{ spark__map_merge([
        'map_from_entries(' ~ spark__first_key_wins('concat(' ~ parts | join(', ') ~ ')') ~ ')',
        map_expr
    ]) }}
    {%- endif -%}
{%- endmacro %}

{#- Only compared for equality (duplicate-span fingerprints), never across
    engines, so any canonical text does. -#}
{% macro spark__sorted_map_text(map_expr) -%}
    to_json(array_sort(map_entries({{ map_expr }})))
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

{% macro spark__map_entry_rows(relation, keep_columns, map_column) -%}
    select
        {%- for column in keep_columns %}
            {{ column }},
        {%- endfor %}
        explode({{ map_column }}) as (attribute_key, attribute_value)
    from {{ relation }}
{%- endmacro %}
