{#- One `select ... union all select ...` over CTEs named like the models in
    model_names, matched by column name: every column of any of them, in
    order of first appearance, null (cast to that column's type) where a
    model lacks it. Columns are read from the built relations, so this runs
    only at execution time. -#}
{% macro union_by_column_name(model_names) -%}
    {%- if not execute -%}
        select 1 as placeholder
    {%- else -%}
        {%- set column_types = {} -%}
        {%- set column_order = [] -%}
        {%- set columns_by_model = {} -%}
        {%- for model_name in model_names -%}
            {%- set names = [] -%}
            {%- for column in adapter.get_columns_in_relation(ref(model_name)) -%}
                {%- if column.name not in column_types -%}
                    {%- do column_types.update({column.name: column.data_type}) -%}
                    {%- do column_order.append(column.name) -%}
                {%- endif -%}
                {%- do names.append(column.name) -%}
            {%- endfor -%}
            {%- do columns_by_model.update({model_name: names}) -%}
        {%- endfor -%}
        {%- for model_name in model_names %}
    select
        {%- for name in column_order %}
        {% if name in columns_by_model[model_name] %}{{ name }}{% else %}cast(null as {{ column_types[name] }}) as {{ name }}{% endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model_name }}
            {%- if not loop.last %}
    union all
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
