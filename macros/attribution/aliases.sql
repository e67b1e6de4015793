{#- The alias keys configured for one canonical field, in priority order. -#}
{% macro field_aliases(field) -%}
    {%- set identity = var('identity_aliases', {}) -%}
    {%- set execution = var('execution_aliases', {}) -%}
    {%- if field in identity -%}
        {{ return(identity[field]) }}
    {%- elif field in execution -%}
        {{ return(execution[field]) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("No alias list configured for field '" ~ field ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- A text value with blank (empty or all-space) treated as missing. The value
    itself is not trimmed: normalisation is a separate, explicit rule. -#}
{% macro nonblank(expr) -%}
    case when trim({{ expr }}) = '' then null else {{ expr }} end
{%- endmacro %}

{#- The first non-blank value among the field's alias keys. -#}
{% macro coalesce_aliases(map_expr, field) -%}
    coalesce(
        {%- for alias in field_aliases(field) %}
        {{ nonblank(map_get(map_expr, alias)) }}{{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- Which alias key supplied coalesce_aliases(map_expr, field); null if none. -#}
{% macro coalesce_aliases_source(map_expr, field) -%}
    case
        {%- for alias in field_aliases(field) %}
        when {{ nonblank(map_get(map_expr, alias)) }} is not null
            then {{ dbt.string_literal(dbt.escape_single_quotes(alias)) }}
        {%- endfor %}
    end
{%- endmacro %}

{#- A quoted SQL list of the given strings, for `in (...)`. -#}
{% macro sql_string_list(values) -%}
    {%- for value in values -%}
        {{ dbt.string_literal(dbt.escape_single_quotes(value)) }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
