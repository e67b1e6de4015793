{#- Small list and type helpers the staging models need besides lists.sql
    (Spark versions in macros/portability/spark/lists.sql). -#}

{#- True when the list holds any of the given texts (a Python list). -#}
{% macro list_has_any_text(list_expr, values) -%}
    {{ return(adapter.dispatch('list_has_any_text', 'llm_spend_attribution')(list_expr, values)) }}
{%- endmacro %}

{% macro duckdb__list_has_any_text(list_expr, values) -%}
    list_has_any({{ list_expr }}, [{{ sql_string_list(values) }}])
{%- endmacro %}

{#- An entry list ({key, value} structs) from equal-length lists of key and
    value SQL expressions. -#}
{% macro entry_list_of(key_exprs, value_exprs) -%}
    {{ return(adapter.dispatch('entry_list_of', 'llm_spend_attribution')(key_exprs, value_exprs)) }}
{%- endmacro %}

{% macro duckdb__entry_list_of(key_exprs, value_exprs) -%}
    [{% for key in key_exprs %}{'key': {{ key }}, 'value': {{ value_exprs[loop.index0] }}}{{ ", " if not loop.last }}{% endfor %}]
{%- endmacro %}
