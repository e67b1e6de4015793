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

{#- A whole number unique to each row of a table scan within one query, the
    same on every read of that table in the query (both sides of a
    self-join), written in the scan's own select list. ANSI: the row's rank
    in `unique_order` (a sort of every row). DuckDB: the row's rowid + 1, no
    sort (10M spans: int_spans__identity_hops 67-69 -> 37-40 s); a unit
    test's input is a query, not a table, so it has no rowid and gets the
    ANSI number. Not stable from one run to the next: for keys that a query
    joins on, never for anything published. -#}
{% macro record_number(unique_order) -%}
    {{ return(adapter.dispatch('record_number', 'llm_spend_attribution')(unique_order)) }}
{%- endmacro %}

{% macro default__record_number(unique_order) -%}
    row_number() over (order by {{ unique_order }})
{%- endmacro %}

{% macro duckdb__record_number(unique_order) -%}
    {%- if rendering_unit_test() -%}
        {{ default__record_number(unique_order) }}
    {%- else -%}
        rowid + 1
    {%- endif -%}
{%- endmacro %}

{#- Bit `bit` (a power of two) of a whole number >= 0, as the number 0 or 1
    (the alias bits of int_spans__identity_hops' `<field>__present_aliases`
    are read with it). -#}
{% macro bit_value(whole_expr, bit) -%}
    mod({{ integer_quotient(whole_expr, bit) }}, 2)
{%- endmacro %}

{#- The bitwise or of a whole-number column over a group (an aggregate): bit
    k set when any row of the group has it; `bits` is how many low bits a
    value can have set (at most 62). ANSI: per bit, the largest of that
    bit's values (bit_value), summed back into one number. -#}
{% macro bit_or_aggregate(expr, bits) -%}
    {{ return(adapter.dispatch('bit_or_aggregate', 'llm_spend_attribution')(expr, bits)) }}
{%- endmacro %}

{% macro default__bit_or_aggregate(expr, bits) -%}
    cast(
        {%- for bit in range(bits) %}
            max({{ bit_value(expr, 2 ** bit) }}) * {{ 2 ** bit }} +
        {%- endfor %}
        0 as {{ dbt.type_bigint() }}
    )
{%- endmacro %}

{% macro duckdb__bit_or_aggregate(expr, bits) -%}
    bit_or({{ expr }})
{%- endmacro %}
