{#- Spark SQL versions of macros/portability/timestamps.sql. The session
    time zone must be UTC (profiles.example.yml sets
    spark.sql.session.timeZone); then text without a zone is read as UTC and
    text with a Z or offset is converted to UTC. -#}
{% macro spark__parse_utc_timestamp(text_expr) -%}
    try_cast(trim({{ text_expr }}) as timestamp)
{%- endmacro %}

{#- Epoch counts: unit by size, as on DuckDB; decimal(20, 0) holds any
    19-digit count (bigint does not), div floors non-negative counts. -#}
{% macro spark__parse_span_timestamp(text_expr) -%}
    {%- set number = 'try_cast(trim(' ~ text_expr ~ ') as decimal(20, 0))' -%}
    case
        when trim({{ text_expr }}) rlike '^[0-9]{1,19}$'
            then case
                when {{ number }} = 0 then null
                when {{ number }} >= 100000000000000000
                    then timestamp_micros(cast({{ number }} div 1000 as bigint))
                when {{ number }} >= 100000000000000
                    then timestamp_micros(cast({{ number }} as bigint))
                when {{ number }} >= 100000000000
                    then timestamp_millis(cast({{ number }} as bigint))
                else timestamp_seconds(cast({{ number }} as bigint))
            end
        else {{ spark__parse_utc_timestamp(text_expr) }}
    end
{%- endmacro %}
