{#- Spark SQL (Java regex) versions of the regex and string macros. DuckDB's
    regexp_replace replaces the first match only and writes groups as \1;
    Spark's replaces every match and writes $1, so the pattern is anchored
    after a lazy prefix and groups are renumbered. -#}
{% macro spark__regex_replace(expr, pattern, replacement) -%}
    {%- if pattern.startswith('^') -%}
        {%- set anchored = pattern -%}
        {%- set shift = 0 -%}
    {%- else -%}
        {%- set anchored = '^(?s:(.*?))(?:' ~ pattern ~ ')' -%}
        {%- set shift = 1 -%}
    {%- endif -%}
    {%- set ns = namespace(out='$1' if shift else '') -%}
    {%- set parts = replacement.split('\\') -%}
    {%- set ns.out = ns.out ~ (parts[0] | replace('$', '\\$')) -%}
    {%- for part in parts[1:] -%}
        {%- if part[:1] is string and part[:1] in '0123456789' and part[:1] != '' -%}
            {%- set ns.out = ns.out ~ '$' ~ ((part[:1] | int) + shift) ~ (part[1:] | replace('$', '\\$')) -%}
        {%- else -%}
            {%- set ns.out = ns.out ~ '\\' ~ (part | replace('$', '\\$')) -%}
        {%- endif -%}
    {%- endfor -%}
    regexp_replace({{ expr }}, {{ text_literal(anchored) }}, {{ text_literal(ns.out) }})
{%- endmacro %}

{% macro spark__regex_matches(expr, pattern) -%}
    ({{ expr }} rlike {{ text_literal(pattern) }})
{%- endmacro %}

{% macro spark__regex_search(expr, pattern_expr) -%}
    ({{ expr }} rlike {{ pattern_expr }})
{%- endmacro %}

{% macro spark__try_cast_as(expr, data_type) -%}
    try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}

{% macro spark__try_cast_decimal(text_expr) -%}
    try_cast({{ text_expr }} as decimal(38, 6))
{%- endmacro %}

{#- div truncates toward zero; the operands are non-negative, so it is the
    floor, as DuckDB's //. -#}
{% macro spark__integer_quotient(dividend, divisor) -%}
    (cast({{ dividend }} as decimal(38, 0)) div cast({{ divisor }} as decimal(38, 0)))
{%- endmacro %}

{% macro spark__regex_extract_first_group(expr, pattern) -%}
    nullif(regexp_extract({{ expr }}, {{ text_literal(pattern) }}, 1), '')
{%- endmacro %}
