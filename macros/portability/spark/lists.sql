{#- Spark SQL versions of the list and entry-list macros in
    macros/portability/lists.sql and collections.sql. Lists are arrays,
    entries are array<struct<key: string, value: string>> (the element type
    of map_entries). Lambda variables are named entry_* so they never shadow
    a column. -#}

{% macro spark__list_has(list_expr, value_expr) -%}
    coalesce(array_contains({{ list_expr }}, {{ value_expr }}), false)
{%- endmacro %}

{#- array_position gives 0 when the key is absent; element_at(0) is an
    error, element_at(null) is null. -#}
{% macro spark__list_lookup(keys_expr, values_expr, key) -%}
    try_element_at({{ values_expr }}, cast(nullif(array_position({{ keys_expr }}, {{ text_literal(key) }}), 0) as int))
{%- endmacro %}

{% macro spark__entry_list_type() -%}
    array<struct<key: string, value: string>>
{%- endmacro %}

{#- size(null) is -1 on Spark (null on DuckDB), hence the explicit null
    check: null keys give an empty list, as on DuckDB. -#}
{% macro spark__entries_from_lists(keys_expr, values_expr) -%}
    case
        when {{ keys_expr }} is not null and size({{ keys_expr }}) = size(array_distinct({{ keys_expr }}))
            then zip_with(
                {{ keys_expr }}, {{ values_expr }},
                (entry_key, entry_value) -> named_struct('key', entry_key, 'value', entry_value)
            )
        else cast(array() as {{ spark__entry_list_type() }})
    end
{%- endmacro %}

{% macro spark__entry_keys(entries_expr) -%}
    transform({{ entries_expr }}, entry -> entry.key)
{%- endmacro %}

{#- concat() is null when any part is null (DuckDB's list_concat skips a
    null list), so each part defaults to an empty list. -#}
{% macro spark__entries_first_wins(entry_list_exprs) -%}
    map_entries({{ spark__first_key_wins_map(spark__entries_concat(entry_list_exprs)) }})
{%- endmacro %}

{% macro spark__map_from_entry_list(entries_expr) -%}
    coalesce(map_from_entries({{ entries_expr }}), cast(map() as map<string, string>))
{%- endmacro %}

{% macro spark__map_entry_list(map_expr) -%}
    map_entries({{ map_expr }})
{%- endmacro %}

{#- Per element (no line-joining needed): exact, so also a valid prefilter. -#}
{% macro spark__list_any_matches_prefix(list_expr, pattern) -%}
    coalesce(exists({{ list_expr }}, entry -> entry rlike {{ text_literal('^(' ~ pattern ~ ')') }}), false)
{%- endmacro %}

{% macro spark__list_has_any_text(list_expr, values) -%}
    coalesce(arrays_overlap(
        {{ list_expr }},
        {{ spark__text_array(values) }}
    ), false)
{%- endmacro %}

{% macro spark__null_string_map() -%}
    cast(null as map<string, string>)
{%- endmacro %}

{% macro spark__entries_concat(list_exprs) -%}
    {%- set parts = [] -%}
    {%- for part in list_exprs -%}
        {%- do parts.append('coalesce(' ~ part ~ ', cast(array() as ' ~ spark__entry_list_type() ~ '))') -%}
    {%- endfor -%}
    concat({{ parts | join(', ') }})
{%- endmacro %}

{% macro spark__entry_list_of(key_exprs, value_exprs) -%}
    array(
        {%- for key in key_exprs %}
        named_struct('key', {{ key }}, 'value', {{ value_exprs[loop.index0] }}){{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__entries_without_keys(entries_expr, keys) -%}
    filter({{ entries_expr }}, entry -> not array_contains({{ spark__text_array(keys) }}, entry.key))
{%- endmacro %}

{#- An array literal of texts. -#}
{% macro spark__text_array(values) -%}
    array({%- for value in values -%}{{ text_literal(value) }}{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
