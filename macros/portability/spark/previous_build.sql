{#- dbt-spark's table materialization drops a table that is not Delta or
    Iceberg before it runs the model, so a model reading itself would find
    nothing (TABLE_OR_VIEW_NOT_FOUND on the second build). Its rows are first
    copied to `<name>__previous` (when a run or build executes the model),
    which the model reads instead. When the table is missing but the copy is
    there (the previous build failed after the drop), the copy is read, so
    published rows survive a failed build. Delta and Iceberg tables are
    replaced atomically and read directly. -#}
{% macro spark__previous_build_relation() -%}
    {%- set current = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if current is not none and (current.is_delta or current.is_iceberg) -%}
        {{ return(current) }}
    {%- endif -%}
    {%- set copy_name = this.identifier ~ '__previous' -%}
    {%- set copy = adapter.get_relation(database=this.database, schema=this.schema, identifier=copy_name) -%}
    {%- if current is none -%}
        {{ return(copy) }}
    {%- endif -%}
    {%- set copy = api.Relation.create(database=this.database, schema=this.schema, identifier=copy_name, type='table') -%}
    {%- if execute and flags.WHICH in ('run', 'build') -%}
        {%- do run_query('drop table if exists ' ~ copy) -%}
        {%- do run_query('create table ' ~ copy ~ ' using parquet as select * from ' ~ current) -%}
    {%- endif -%}
    {{ return(copy) }}
{%- endmacro %}
