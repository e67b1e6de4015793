{#- Drift alert: attribute keys that look like token counts or identity
    (var drift_key_pattern) but that no alias list maps, with how many spans
    carry each. A new SDK spelling shows up here before it silently loses
    cost or attribution. Mapped keys: seeds attribute_aliases,
    json_string_containers, usage_text_keys; known, deliberately unmapped
    keys: seed drift_ignored_keys. Over every day, from the daily key counts
    of int_spans__attribute_key_usage (a night rebuilds only its days), not
    from every span's attribute map. -#}
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

key_usage as (
    select * from {{ ref('int_spans__attribute_key_usage') }}
),

unmapped as (
    select
        attribute_key,
        cast(sum(span_count) as {{ dbt.type_bigint() }}) as spans_carrying_key,
        count(distinct service_name) as services,
        min(service_name) as example_service
    from key_usage
    where
        {{ regex_matches('attribute_key', var('drift_key_pattern')) }}
        and attribute_key not in ({{ sql_string_list(known | unique | list) }})
    group by attribute_key
)

select * from unmapped
