{#- MAP access and merging, dispatched per engine. -#}

{% macro map_get(map_expr, key) -%}
    {{ return(adapter.dispatch('map_get', 'llm_spend_attribution')(map_expr, key)) }}
{%- endmacro %}

{% macro default__map_get(map_expr, key) -%}
    {{ map_expr }}[{{ dbt.string_literal(dbt.escape_single_quotes(key)) }}]
{%- endmacro %}

{% macro map_merge(map_exprs) -%}
    {{ return(adapter.dispatch('map_merge', 'llm_spend_attribution')(map_exprs)) }}
{%- endmacro %}

{#- Later maps win on key collisions. -#}
{% macro duckdb__map_merge(map_exprs) -%}
    map_concat({{ map_exprs | join(', ') }})
{%- endmacro %}
