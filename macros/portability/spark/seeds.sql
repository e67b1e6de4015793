{#- Seeds on Spark: dbt-spark's session method pastes seed values into the
    INSERT unescaped ('%s'), so a quote in a value breaks the load, Spark
    unescapes backslashes (regex seeds lose them) and numbers go through
    float. This writes every value as an escaped literal cast to the
    column's type instead. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            ({%- for col_name in agate_table.column_names -%}
                {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                {%- set value = row[loop.index0] -%}
                cast({{ spark_seed_literal(value) }} as {{ type }}){{ "," if not loop.last }}
            {%- endfor -%}){{ "," if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is boolean -%}
        {{ 'true' if value else 'false' }}
    {%- elif value.hour is defined -%}
        '{{ value.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
    {%- elif value.year is defined -%}
        '{{ value.strftime("%Y-%m-%d") }}'
    {%- else -%}
        {{ text_literal(value | string) }}
    {%- endif -%}
{%- endmacro %}
