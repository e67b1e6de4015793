{#- Median of a numeric expression as an aggregate (interpolated for an even
    count). -#}
{% macro median_of(expr) -%}
    {{ return(adapter.dispatch('median_of', 'llm_spend_attribution')(expr)) }}
{%- endmacro %}

{% macro default__median_of(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median_of(expr) -%}
    median({{ expr }})
{%- endmacro %}
