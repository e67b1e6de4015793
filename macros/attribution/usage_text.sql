{#- Token counts held inside usage text that is not JSON: LiteLLM writes
    Python's str() of its Usage object (`... cached_tokens=1536 ...`) and of
    the provider's raw usage dict (`... 'cached_tokens': 1536 ...`). The
    number after a field name is read with a regular expression, never
    evaluated; `None` or an absent field gives null. Keys and field names:
    seeds usage_text_keys / usage_text_fields. -#}

{#- The pattern whose first group is the number written after `field`
    (`field=N`, `'field': N`, `"field": N`), the field name standing alone. -#}
{% macro usage_text_pattern(field) -%}
    {{- return('(?:^|[^A-Za-z0-9_])' ~ field ~ '[\'"]?[ ]*[=:][ ]*([0-9]+)') -}}
{%- endmacro %}

{#- The first number found for any of `fields` in the text of any of `keys`
    of the attribute map, keys first, then fields, in the order given. -#}
{% macro usage_text_count(map_expr, keys, fields) -%}
    coalesce(
        {%- for key in keys %}
            {%- set key_loop = loop %}
            {%- for field in fields %}
        {{ regex_extract_first_group(map_get(map_expr, key), usage_text_pattern(field)) }}{{ "," if not (key_loop.last and loop.last) }}
            {%- endfor %}
        {%- endfor %}
    )
{%- endmacro %}

{#- Which `key[field]` supplied usage_text_count(map_expr, keys, fields),
    prefixed with `prefix`; null if none. -#}
{% macro usage_text_count_source(map_expr, keys, fields, prefix='') -%}
    case
        {%- for key in keys %}
            {%- for field in fields %}
        when {{ regex_extract_first_group(map_get(map_expr, key), usage_text_pattern(field)) }} is not null
            then {{ dbt.string_literal(dbt.escape_single_quotes(prefix ~ key ~ '[' ~ field ~ ']')) }}
            {%- endfor %}
        {%- endfor %}
    end
{%- endmacro %}

{#- The token count columns of a span or call, in output order: the one
    list staging, the span models and the call models iterate. -#}
{% macro token_count_fields() -%}
    {{ return(['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens']) }}
{%- endmacro %}
