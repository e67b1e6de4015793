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
