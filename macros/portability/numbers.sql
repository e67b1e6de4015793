{#- A token count from attribute text: a whole, non-negative number or null.
    "12", "12.0" and 12 all give 12; fractional or negative text gives null
    (staging flags it). -#}
{% macro parse_token_count(text_expr) -%}
    case
        when {{ dbt.safe_cast(text_expr, 'decimal(38, 6)') }} >= 0
            and {{ dbt.safe_cast(text_expr, 'decimal(38, 6)') }}
            = floor({{ dbt.safe_cast(text_expr, 'decimal(38, 6)') }})
            then cast({{ dbt.safe_cast(text_expr, 'decimal(38, 6)') }} as bigint)
    end
{%- endmacro %}

{#- Text as decimal(38, 6), or null when it is not a number (never an
    error: dbt.safe_cast renders a plain cast on duckdb). -#}
{% macro try_cast_decimal(text_expr) -%}
    {{ return(adapter.dispatch('try_cast_decimal', 'llm_spend_attribution')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__try_cast_decimal(text_expr) -%}
    try_cast({{ text_expr }} as decimal(38, 6))
{%- endmacro %}
