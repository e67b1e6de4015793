{#- One row per (row of `relation`, map entry): the `keep_columns` of the row
    plus attribute_key and attribute_value. Rows with an empty map give no
    row. Dispatched because unnesting a map is engine-specific. -#}
{% macro map_entry_rows(relation, keep_columns, map_column) -%}
    {{ return(adapter.dispatch('map_entry_rows', 'llm_spend_attribution')(relation, keep_columns, map_column)) }}
{%- endmacro %}

{% macro duckdb__map_entry_rows(relation, keep_columns, map_column) -%}
    select
        {%- for column in keep_columns %}
            {{ column }},
        {%- endfor %}
        map_entry.key as attribute_key,
        map_entry.value as attribute_value
    from (
        select
            {%- for column in keep_columns %}
                {{ column }},
            {%- endfor %}
            unnest(map_entries({{ map_column }})) as map_entry
        from {{ relation }}
    ) as exploded
{%- endmacro %}
