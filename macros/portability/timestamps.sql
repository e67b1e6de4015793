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

{#- A span timestamp as UTC `timestamp`: all-digit text is an epoch count
    whose unit follows its size (OTLP `*UnixNano` nanoseconds from 1e17,
    microseconds from 1e14, milliseconds from 1e11, else seconds); other text
    is ISO 8601 (see parse_utc_timestamp). Unparseable text gives null. -#}
{% macro parse_span_timestamp(text_expr) -%}
    {{ return(adapter.dispatch('parse_span_timestamp', 'llm_spend_attribution')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__parse_span_timestamp(text_expr) -%}
    case
        -- Most spans: ISO 8601 without a space, ending in a digit and Z
        -- (UTC), which the plain timestamp cast reads exactly as
        -- parse_utc_timestamp does (no result differed on 278K fuzzed
        -- texts), at half its cost: no regular expression, no time zone
        -- conversion. With a space the plain cast ignores what follows it.
        when
            ends_with(trim({{ text_expr }}), 'Z')
            and left(right(trim({{ text_expr }}), 2), 1) between '0' and '9'
            and not contains(trim({{ text_expr }}), ' ')
            then try_cast(trim({{ text_expr }}) as timestamp)
        when regexp_matches(trim({{ text_expr }}), '^[0-9]{1,19}$')
            then case
                when try_cast(trim({{ text_expr }}) as hugeint) = 0 then null
                when try_cast(trim({{ text_expr }}) as hugeint) >= 100000000000000000
                    then make_timestamp(cast(try_cast(trim({{ text_expr }}) as hugeint) // 1000 as bigint))
                when try_cast(trim({{ text_expr }}) as hugeint) >= 100000000000000
                    then make_timestamp(cast(try_cast(trim({{ text_expr }}) as hugeint) as bigint))
                when try_cast(trim({{ text_expr }}) as hugeint) >= 100000000000
                    then make_timestamp(cast(try_cast(trim({{ text_expr }}) as hugeint) * 1000 as bigint))
                else make_timestamp(cast(try_cast(trim({{ text_expr }}) as hugeint) * 1000000 as bigint))
            end
        else {{ parse_utc_timestamp(text_expr) }}
    end
{%- endmacro %}
