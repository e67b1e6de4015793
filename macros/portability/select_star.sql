{#- `<relation_alias>.*` without the listed columns, so a model can replace a
    few columns of its input and pass the rest through unchanged. `relation`
    (the model the alias selects from) lets engines without `* exclude` list
    the columns. -#}
{% macro star_except(relation_alias, columns, relation=none) -%}
    {{ return(adapter.dispatch('star_except', 'llm_spend_attribution')(relation_alias, columns, relation)) }}
{%- endmacro %}

{% macro duckdb__star_except(relation_alias, columns, relation=none) -%}
    {{ relation_alias }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}
