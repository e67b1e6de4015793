{#- The provider's name for finance (seed provider_display_names); an
    unlisted provider id is shown as is. -#}
{% macro provider_display_name(expr) -%}
    case {{ expr }}
        {%- for provider, display in mapping_rows('provider_display_names', 'provider', 'display_name', 'provider_display_names') %}
        when {{ dbt.string_literal(dbt.escape_single_quotes(provider)) }}
            then {{ dbt.string_literal(dbt.escape_single_quotes(display)) }}
        {%- endfor %}
        else {{ expr }}
    end
{%- endmacro %}
