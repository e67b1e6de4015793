{#- Integer quotient of two non-negative whole numbers, exact (no float):
    used for largest-remainder rounding. Both operands must be >= 0. -#}
{% macro integer_quotient(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_quotient', 'llm_spend_attribution')(dividend, divisor)) }}
{%- endmacro %}

{#- Exact in ANSI DECIMAL: the dividend less its remainder divides evenly. -#}
{% macro default__integer_quotient(dividend, divisor) -%}
    cast(
        (cast({{ dividend }} as decimal(38, 0)) - mod(cast({{ dividend }} as decimal(38, 0)), cast({{ divisor }} as decimal(38, 0))))
        / cast({{ divisor }} as decimal(38, 0))
        as decimal(38, 0)
    )
{%- endmacro %}

{% macro duckdb__integer_quotient(dividend, divisor) -%}
    (cast({{ dividend }} as hugeint) // cast({{ divisor }} as hugeint))
{%- endmacro %}
