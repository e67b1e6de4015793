{#- Small list and type helpers the staging models need besides lists.sql
    (Spark versions in macros/portability/spark/lists.sql). -#}

{#- True when the list holds any of the given texts (a Python list). -#}
{% macro list_has_any_text(list_expr, values) -%}
    {{ return(adapter.dispatch('list_has_any_text', 'llm_spend_attribution')(list_expr, values)) }}
{%- endmacro %}

{% macro duckdb__list_has_any_text(list_expr, values) -%}
    list_has_any({{ list_expr }}, [{{ sql_string_list(values) }}])
{%- endmacro %}

{#- The type of an attribute map (text keys and values), for typed nulls. -#}
{% macro type_string_map() -%}
    {{ return(adapter.dispatch('type_string_map', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro duckdb__type_string_map() -%}
    map(varchar, varchar)
{%- endmacro %}
