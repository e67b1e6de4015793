{#- FOCUS column layout: every FOCUS 1.2/1.3 column (macro focus_column_names)
    is present, every other column starts with x_, and no FOCUS column comes
    after an x_ column. One row per problem. -#}
{% test focus_columns_conform(model) %}

{%- set problems = [] -%}
{%- if execute -%}
    {%- set focus_names = focus_column_names() -%}
    {%- set actual = columns_of_tested(model) | map(attribute='name') | list -%}
    {%- for name in focus_names if name not in actual -%}
        {%- do problems.append('missing FOCUS column ' ~ name) -%}
    {%- endfor -%}
    {%- set seen_custom = [] -%}
    {%- for name in actual -%}
        {%- if name in focus_names -%}
            {%- if seen_custom -%}
                {%- do problems.append('FOCUS column ' ~ name ~ ' after custom column ' ~ seen_custom[0]) -%}
            {%- endif -%}
        {%- elif name[:2] == 'x_' -%}
            {%- do seen_custom.append(name) -%}
        {%- else -%}
            {%- do problems.append('custom column without x_ prefix: ' ~ name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

{%- if problems %}
    {%- for problem in problems %}
        select {{ dbt.string_literal(dbt.escape_single_quotes(problem)) }} as problem
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- else %}
    select cast(null as {{ dbt.type_string() }}) as problem
    where 1 = 0
{%- endif %}

{% endtest %}
