{#- Drift alert: attribute keys that look like token counts or identity
    (var drift_key_pattern) but that no alias list maps, with how many spans
    carry each. A new SDK spelling shows up here before it silently loses
    cost or attribution. Mapped keys: seeds attribute_aliases,
    json_string_containers, usage_text_keys; known, deliberately unmapped
    keys: seed drift_ignored_keys. -#}
{{ config(severity='warn') }}
{%- set known = [] -%}
{%- for aliases in attribute_alias_map().values() -%}
    {%- do known.extend(aliases) -%}
{%- endfor -%}
{%- do known.extend(json_string_containers()) -%}
{%- set usage_text = usage_text_aliases() -%}
{%- do known.extend(usage_text.get('span_keys', []) + usage_text.get('child_span_keys', [])) -%}
{%- do known.extend(drift_ignored_keys()) -%}

-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)
with

spans as (
    select * from {{ ref('stg_traces__spans') }}
),

span_keys as (
    select * from {{ explode_map_keys('spans', 'attributes', ['span_key', 'service_name']) }}
),

unmapped as (
    select
        attribute_key,
        count(*) as spans_carrying_key,
        count(distinct service_name) as services,
        min(service_name) as example_service
    from span_keys
    where
        {{ regex_matches('attribute_key', var('drift_key_pattern')) }}
        and attribute_key not in ({{ sql_string_list(known | unique | list) }})
    group by attribute_key
)

select * from unmapped
