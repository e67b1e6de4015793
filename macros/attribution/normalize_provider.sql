{#- Provider spellings to the OTel GenAI registry value (var provider_value_map);
    anything unlisted is lowercased and trimmed; a value mapped to null
    (LiteLLM's "Unknown") counts as no provider. -#}
{% macro normalize_provider(expr) -%}
    {%- set value_map = var('provider_value_map', {}) -%}
    case lower(trim({{ expr }}))
        {%- for raw, canonical in value_map.items() %}
        when {{ dbt.string_literal(dbt.escape_single_quotes(raw | lower)) }}
            then {{ 'null' if canonical is none else dbt.string_literal(dbt.escape_single_quotes(canonical)) }}
        {%- endfor %}
        else lower(trim({{ expr }}))
    end
{%- endmacro %}
