{#- The current model's table as the previous build left it, for a model
    that keeps its own rows from build to build (chargeback_published,
    focus_published), or
    none on the first build. Dispatched because engines differ in when the
    old table disappears: dbt-duckdb builds the new table beside the old one
    and swaps them, so the model can read itself. -#}
{% macro previous_build_relation() -%}
    {{ return(adapter.dispatch('previous_build_relation', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__previous_build_relation() -%}
    {{ return(adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier)) }}
{%- endmacro %}
