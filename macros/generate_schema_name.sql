{#- Use the folder's custom schema name as is (staging, intermediate, marts,
    policy) so BI tools see stable names such as marts.fct_llm_calls. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
