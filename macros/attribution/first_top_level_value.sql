{#- The first of the given top-level keys that the line carries. -#}
{% macro first_top_level_value(keys) -%}
    coalesce(
        {%- for key in keys %}
        {{ list_lookup('top_keys', 'top_values', key) }}{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
