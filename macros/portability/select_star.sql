{#- `<relation_alias>.*` without the listed columns, so a model can replace a
    few columns of its input and pass the rest through unchanged. -#}
{% macro star_except(relation_alias, columns) -%}
    {{ return(adapter.dispatch('star_except', 'llm_spend_attribution')(relation_alias, columns)) }}
{%- endmacro %}

{% macro duckdb__star_except(relation_alias, columns) -%}
    {{ relation_alias }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}
