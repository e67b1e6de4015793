{#- Text as decimal(38, 6), or null when it is not a number (never an
    error: dbt.safe_cast renders a plain cast on duckdb). -#}
{% macro try_cast_decimal(text_expr) -%}
    {{ return(adapter.dispatch('try_cast_decimal', 'llm_spend_attribution')(text_expr)) }}
{%- endmacro %}

{% macro default__try_cast_decimal(text_expr) -%}
    {{ dbt.safe_cast(text_expr, 'decimal(38, 6)') }}
{%- endmacro %}

{% macro duckdb__try_cast_decimal(text_expr) -%}
    try_cast({{ text_expr }} as decimal(38, 6))
{%- endmacro %}
