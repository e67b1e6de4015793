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

{#- A decimal of the given scale as plain text with all its decimals
    (0.000000000000, never 0E-12), for numbers written into JSON text. -#}
{% macro decimal_text(decimal_expr, scale) -%}
    {{ return(adapter.dispatch('decimal_text', 'llm_spend_attribution')(decimal_expr, scale)) }}
{%- endmacro %}

{% macro default__decimal_text(decimal_expr, scale) -%}
    cast({{ decimal_expr }} as {{ dbt.type_string() }})
{%- endmacro %}
