{#- The columns of the union of the built models in model_names, in order
    of first appearance: a list of {name, data_type (of its first model),
    models (the models that have it)}. Execution time only (reads the
    relations). -#}
{% macro union_columns(model_names) -%}
    {%- set columns = [] -%}
    {%- set by_name = {} -%}
    {%- for model_name in model_names -%}
        {%- for column in adapter.get_columns_in_relation(ref(model_name)) -%}
            {%- if column.name not in by_name -%}
                {%- do by_name.update({column.name: {'name': column.name, 'data_type': column.data_type, 'models': []}}) -%}
                {%- do columns.append(by_name[column.name]) -%}
            {%- endif -%}
            {%- do by_name[column.name].models.append(model_name) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
