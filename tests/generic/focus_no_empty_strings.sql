{#- FOCUS: a value that does not apply is null, never ''. Fails for every
    row with an empty or all-space text value in any text column. -#}
{% test focus_no_empty_strings(model) %}

{%- set text_columns = [] -%}
{%- if execute -%}
    {%- for column in columns_of_tested(model) if column.is_string() -%}
        {%- do text_columns.append(column.name) -%}
    {%- endfor -%}
{%- endif %}

select *
from {{ model }}
where
    {%- for name in text_columns %}
    trim({{ adapter.quote(name) }}) = ''{{ ' or' if not loop.last }}
    {%- else %}
    1 = 0
    {%- endfor %}

{% endtest %}
