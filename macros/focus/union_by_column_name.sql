{#- One `select ... union all select ...` over CTEs named like the models in
    model_names, matched by column name: every column of any of them, in
    order of first appearance, null (cast to that column's type) where a
    model lacks it. Columns are read from the built relations, so this runs
    only at execution time. -#}
{% macro union_by_column_name(model_names) -%}
    {%- if not execute -%}
        select 1 as placeholder
    {%- else -%}
        {%- set columns = union_columns(model_names) -%}
        {%- for model_name in model_names %}
    select
        {%- for column in columns %}
        {% if model_name in column.models %}{{ column.name }}{% else %}cast(null as {{ column.data_type }}) as {{ column.name }}{% endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model_name }}
            {%- if not loop.last %}
    union all
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
{%- endmacro %}

