{#- Regular expressions, dispatched per engine (POSIX-style classes only). -#}
{% macro regex_replace(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace', 'llm_spend_attribution')(expr, pattern, replacement)) }}
{%- endmacro %}

{#- SQL:2023 REGEXP_REPLACE (every occurrence). -#}
{% macro default__regex_replace(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(pattern)) }}, {{ dbt.string_literal(dbt.escape_single_quotes(replacement)) }})
{%- endmacro %}

{% macro duckdb__regex_replace(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(pattern)) }}, {{ dbt.string_literal(dbt.escape_single_quotes(replacement)) }})
{%- endmacro %}

{% macro regex_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'llm_spend_attribution')(expr, pattern)) }}
{%- endmacro %}

{#- SQL:2023 REGEXP_LIKE (a match anywhere in the text). -#}
{% macro default__regex_matches(expr, pattern) -%}
    regexp_like({{ expr }}, {{ dbt.string_literal(pattern) }})
{%- endmacro %}

{% macro duckdb__regex_matches(expr, pattern) -%}
    regexp_matches({{ expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(pattern)) }})
{%- endmacro %}

{#- The text matched by the first capture group of `pattern`, or null when
    nothing matches (DuckDB and Spark return '' then). Write any other
    group as non-capturing `(?:...)`. -#}
{% macro regex_extract_first_group(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_extract_first_group', 'llm_spend_attribution')(expr, pattern)) }}
{%- endmacro %}

{#- SQL:1999 regular-expression substring (PostgreSQL: the first
    parenthesised group's text). -#}
{% macro default__regex_extract_first_group(expr, pattern) -%}
    substring({{ expr }} from {{ dbt.string_literal(dbt.escape_single_quotes(pattern)) }})
{%- endmacro %}

{% macro duckdb__regex_extract_first_group(expr, pattern) -%}
    nullif(regexp_extract({{ expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(pattern)) }}, 1), '')
{%- endmacro %}
