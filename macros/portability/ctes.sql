{#- Written between `as` and `(` of an import CTE that is read more than once.
    DuckDB materializes such a CTE: a copy of every row and column used (an
    attribute map or the raw record, for a span table) held in memory before
    the query goes on, which spills at scale. Inlined, the table is just
    scanned again, reading only the columns each use needs. Engines without
    the hint (Spark) inline on their own. -#}
{% macro cte_inline_hint() -%}
    {{ return(adapter.dispatch('cte_inline_hint', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__cte_inline_hint() -%}
{%- endmacro %}

{% macro duckdb__cte_inline_hint() -%}
    not materialized
{%- endmacro %}

{#- Written between `as` and `(` of a small CTE read more than once that
    should be computed once (a few keys out of every span), so the CTEs that
    read it can stay inlined. Engines without the hint (Spark) decide on
    their own. -#}
{% macro cte_materialize_hint() -%}
    {{ return(adapter.dispatch('cte_materialize_hint', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__cte_materialize_hint() -%}
{%- endmacro %}

{% macro duckdb__cte_materialize_hint() -%}
    materialized
{%- endmacro %}
