{#- Exact median on Spark (percentile interpolates like percentile_cont). -#}
{% macro spark__median_of(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}
