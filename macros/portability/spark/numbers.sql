{#- Spark casts a decimal to text with Java's BigDecimal.toString, which
    turns to scientific notation when the number is below 1e-6 (a zero of
    scale 12 reads 0E-12); format_number writes it plainly with exactly
    `scale` decimals, and the thousands separators it adds are removed. -#}
{% macro spark__decimal_text(decimal_expr, scale) -%}
    replace(format_number({{ decimal_expr }}, {{ scale }}), ',', '')
{%- endmacro %}

{% macro spark__bit_or_aggregate(expr, bits) -%}
    bit_or({{ expr }})
{%- endmacro %}
