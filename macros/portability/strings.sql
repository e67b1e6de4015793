{#- String tests whose second argument is a SQL expression (a column), not a
    literal, dispatched per engine. The default_ versions are ANSI SQL. -#}
{% macro string_starts_with(expr, prefix_expr) -%}
    {{ return(adapter.dispatch('string_starts_with', 'llm_spend_attribution')(expr, prefix_expr)) }}
{%- endmacro %}

{% macro default__string_starts_with(expr, prefix_expr) -%}
    (substring({{ expr }}, 1, {{ dbt.length(prefix_expr) }}) = {{ prefix_expr }})
{%- endmacro %}

{% macro duckdb__string_starts_with(expr, prefix_expr) -%}
    starts_with({{ expr }}, {{ prefix_expr }})
{%- endmacro %}

{% macro string_ends_with(expr, suffix_expr) -%}
    {{ return(adapter.dispatch('string_ends_with', 'llm_spend_attribution')(expr, suffix_expr)) }}
{%- endmacro %}

{% macro default__string_ends_with(expr, suffix_expr) -%}
    ({{ dbt.right(expr, dbt.length(suffix_expr)) }} = {{ suffix_expr }})
{%- endmacro %}

{% macro duckdb__string_ends_with(expr, suffix_expr) -%}
    ends_with({{ expr }}, {{ suffix_expr }})
{%- endmacro %}

{% macro string_contains(expr, part_expr) -%}
    {{ return(adapter.dispatch('string_contains', 'llm_spend_attribution')(expr, part_expr)) }}
{%- endmacro %}

{% macro default__string_contains(expr, part_expr) -%}
    ({{ dbt.position(part_expr, expr) }} > 0)
{%- endmacro %}

{% macro duckdb__string_contains(expr, part_expr) -%}
    contains({{ expr }}, {{ part_expr }})
{%- endmacro %}

{#- Regex search (unanchored) with the pattern taken from a SQL expression,
    e.g. a seed column; patterns are RE2-compatible. -#}
{% macro regex_search(expr, pattern_expr) -%}
    {{ return(adapter.dispatch('regex_search', 'llm_spend_attribution')(expr, pattern_expr)) }}
{%- endmacro %}

{#- SQL:2023 REGEXP_LIKE with a pattern expression. -#}
{% macro default__regex_search(expr, pattern_expr) -%}
    regexp_like({{ expr }}, {{ pattern_expr }})
{%- endmacro %}

{% macro duckdb__regex_search(expr, pattern_expr) -%}
    regexp_matches({{ expr }}, {{ pattern_expr }})
{%- endmacro %}

{#- Cast that yields null instead of failing (dbt.safe_cast compiles to a
    plain cast on dbt-duckdb 1.11). -#}
{% macro try_cast_as(expr, data_type) -%}
    {{ return(adapter.dispatch('try_cast_as', 'llm_spend_attribution')(expr, data_type)) }}
{%- endmacro %}

{#- dbt-core's cross-database safe cast (each adapter's null-on-failure cast). -#}
{% macro default__try_cast_as(expr, data_type) -%}
    {{ dbt.safe_cast(expr, data_type) }}
{%- endmacro %}

{% macro duckdb__try_cast_as(expr, data_type) -%}
    try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}
