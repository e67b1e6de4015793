{#- The provider's name for finance (var provider_display_names); an
    unlisted provider id is shown as is. -#}
{% macro provider_display_name(expr) -%}
    case {{ expr }}
        {%- for provider, display in var('provider_display_names', {}).items() %}
        when {{ dbt.string_literal(dbt.escape_single_quotes(provider)) }}
            then {{ dbt.string_literal(dbt.escape_single_quotes(display)) }}
        {%- endfor %}
        else {{ expr }}
    end
{%- endmacro %}
