{#- Regular expressions, dispatched per engine (POSIX-style classes only). -#}
{% macro regex_replace(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace', 'llm_spend_attribution')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro duckdb__regex_replace(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(pattern)) }}, {{ dbt.string_literal(dbt.escape_single_quotes(replacement)) }})
{%- endmacro %}

{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'llm_spend_attribution')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(pattern)) }})
{%- endmacro %}
