{#- True when the text is a FOCUS Key-Value object: a JSON object with unique
    keys whose values are scalars (string, number, true, false or null), never
    an object or array. Null text gives null (a test decides if null is fine). -#}
{% macro json_is_flat_object(json_expr) -%}
    {{ return(adapter.dispatch('json_is_flat_object', 'llm_spend_attribution')(json_expr)) }}
{%- endmacro %}

{% macro duckdb__json_is_flat_object(json_expr) -%}
    case
        when {{ json_expr }} is null then null
        when not coalesce(json_valid({{ json_expr }}), false) then false
        when json_type(cast({{ json_expr }} as json)) != 'OBJECT' then false
        -- duplicate keys survive json_keys, so compare with the distinct list
        when len(json_keys({{ json_expr }})) != len(list_distinct(json_keys({{ json_expr }}))) then false
        else len(list_filter(
            map_values(json_transform({{ json_expr }}, '"MAP(VARCHAR, JSON)"')),
            lambda v: coalesce(json_type(v), 'NULL') in ('OBJECT', 'ARRAY')
        )) = 0
    end
{%- endmacro %}
