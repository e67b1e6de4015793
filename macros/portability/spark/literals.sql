{#- A SQL string literal for any text, regex patterns included. Spark SQL
    string literals treat a backslash as an escape character (DuckDB's do
    not), so the Spark version doubles backslashes as well as quoting. -#}
{% macro text_literal(value) -%}
    {{ return(adapter.dispatch('text_literal', 'llm_spend_attribution')(value)) }}
{%- endmacro %}

{% macro default__text_literal(value) -%}
    {{ dbt.string_literal(dbt.escape_single_quotes(value)) }}
{%- endmacro %}

{% macro spark__text_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
