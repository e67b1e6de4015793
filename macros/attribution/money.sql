{#- One money type everywhere: exact DECIMAL, wide enough for per-token
    prices times token counts with no rounding before the final sum. -#}
{% macro money_type() -%}
    decimal(38, 15)
{%- endmacro %}

{#- Cost of `tokens` at `usd_per_mtok` (USD per million tokens), exact. The
    division is a multiplication by a DECIMAL literal because DECIMAL / DECIMAL
    is DOUBLE on some engines. -#}
{% macro token_cost(tokens, usd_per_mtok) -%}
    cast(
        cast({{ tokens }} as decimal(18, 0))
        * cast({{ usd_per_mtok }} as decimal(18, 9))
        * cast(0.000001 as decimal(7, 6))
        as {{ money_type() }}
    )
{%- endmacro %}
