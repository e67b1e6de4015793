{#- Incremental strategy per engine, for models that rebuild whole days
    (e.g. staged spans partitioned by span day): DuckDB deletes and inserts
    the rebuilt days; Spark overwrites the day partitions (parquet or delta,
    with partition_by); other engines merge on the unique key. -#}
{% macro day_rebuild_strategy() -%}
    {{ return(adapter.dispatch('day_rebuild_strategy', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__day_rebuild_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{% macro duckdb__day_rebuild_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__day_rebuild_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
