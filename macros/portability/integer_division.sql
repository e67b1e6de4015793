{#- Integer quotient of two non-negative whole numbers, exact (no float):
    used for largest-remainder rounding. Both operands must be >= 0. -#}
{% macro integer_quotient(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_quotient', 'llm_spend_attribution')(dividend, divisor)) }}
{%- endmacro %}

{% macro duckdb__integer_quotient(dividend, divisor) -%}
    (cast({{ dividend }} as hugeint) // cast({{ divisor }} as hugeint))
{%- endmacro %}
