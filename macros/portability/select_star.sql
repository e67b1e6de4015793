{#- `<relation_alias>.*` without the listed columns, so a model can replace a
    few columns of its input and pass the rest through unchanged. The default
    is dbt_utils.star, which lists the columns of `relation`; DuckDB keeps
    `* exclude`, because dbt_utils.star cannot list the columns of a unit
    test's fixture (it refuses CTEs), and the unit tests run on DuckDB. -#}
{% macro star_except(relation_alias, columns, relation) -%}
    {{ return(adapter.dispatch('star_except', 'llm_spend_attribution')(relation_alias, columns, relation)) }}
{%- endmacro %}

{% macro default__star_except(relation_alias, columns, relation) -%}
    {{ dbt_utils.star(from=relation, relation_alias=relation_alias, except=columns) }}
{%- endmacro %}

{% macro duckdb__star_except(relation_alias, columns, relation) -%}
    {{ relation_alias }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}
