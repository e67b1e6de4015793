{#- Contracts on Spark: dbt-spark sets NOT NULL on contract columns with
    ALTER TABLE ... CHANGE COLUMN ... SET NOT NULL unless file_format names a
    format other than delta, and the tables here set no file_format (Parquet
    through the session catalog), where that ALTER is refused. Only a Delta
    table gets the constraints persisted; elsewhere the not_null data tests
    on the same columns check the grain. -#}
{% macro spark__persist_constraints(relation, model) %}
    {%- if config.get('contract').enforced and config.get('file_format') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- endif -%}
{% endmacro %}
