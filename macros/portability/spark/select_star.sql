{#- OSS Spark SQL has no `* except`: the columns of `relation` (the model
    that `relation_alias` selects from) are listed instead. At parse time the
    relation does not exist yet, so a plain star is returned. -#}
{% macro spark__star_except(relation_alias, columns, relation=none) -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error('star_except on Spark needs the relation whose columns to list') }}
    {%- endif -%}
    {%- if not execute -%}
        {{ relation_alias }}.*
    {%- else -%}
        {%- set excluded = columns | map('lower') | list -%}
        {%- set kept = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower not in excluded -%}
                {%- do kept.append(relation_alias ~ '.' ~ column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {{ kept | join(',\n        ') }}
    {%- endif -%}
{%- endmacro %}
