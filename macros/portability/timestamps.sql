{#- Text timestamps to UTC `timestamp`. An explicit Z or offset is honoured;
    text without one is read as UTC (never as the session's local zone). -#}
{% macro parse_utc_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'llm_spend_attribution')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__parse_utc_timestamp(text_expr) -%}
    case
        when regexp_matches(trim({{ text_expr }}), '([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$')
            then cast(timezone('UTC', try_cast(trim({{ text_expr }}) as timestamptz)) as timestamp)
        else try_cast(trim({{ text_expr }}) as timestamp)
    end
{%- endmacro %}
