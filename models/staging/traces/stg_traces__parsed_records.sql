{#- Every record read, parsed once and kept: the staging layer's only model
    that reads raw files. Incremental by file (docs/nightly.md): a night's
    run parses only new or changed files (traces_files_to_read) and replaces
    their rows; everything downstream is rebuilt from this table, so seed and
    alias changes apply without re-parsing. Attribute maps are cleaned here:
    JSON-string containers flattened into prefixed keys and prompt/completion
    content keys dropped (changing those two seeds needs --full-refresh).
    Blank and malformed lines are kept as rows too (no span fields). -#}
{#- delete+insert by source_file; Spark overwrites source_file partitions
    (file_rebuild_config). -#}
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **file_rebuild_config()
) }}
{%- set containers = json_string_containers() -%}
{%- set content_patterns = content_attribute_patterns() -%}
{%- set content_pattern = '^(' ~ (content_patterns | join('|')) ~ ')' -%}
{#- The span fields as written, carried unchanged from both formats. -#}
{%- set raw_span_fields = [
    'raw_trace_id', 'raw_span_id', 'raw_parent_span_id', 'span_name', 'raw_span_kind',
    'raw_started_at', 'raw_ended_at', 'raw_status_code'
] -%}
-- noqa: disable=PRS
-- (the flattened-container expression nests deeper than sqlfluff's parser limit)
with

flat_spans as (
    select * from {{ ref('base_traces__flat_spans') }}
),

otlp_spans as (
    select * from {{ ref('base_traces__otlp_spans') }}
),

lines as (
    select * from {{ ref('base_traces__lines') }}
),

all_formats as (
    {%- for relation in ['flat_spans', 'otlp_spans'] %}
        select
            source_file,
            file_size,
            file_modified_at,
            line_number,
            batch_position,
            record_format,
            raw_record,
            {%- for column in raw_span_fields %}
                {{ column }},
            {%- endfor %}
            attribute_entries,
            {{ entry_keys('attribute_entries') }} as attribute_keys
        from {{ relation }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

cleaned as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        batch_position,
        record_format,
        -- Longer text is never shown (quarantine truncates to this length).
        substring(raw_record, 1, {{ var('raw_record_max_chars', 2000) }}) as raw_record,
        {%- for column in raw_span_fields %}
            {{ column }},
        {%- endfor %}
        -- The full clean-up only for the few spans that need it (a container
        -- key or a content key present); every other span builds its map
        -- once, straight from its entries.
        case
            {%- if containers | length > 0 %}
                when {{ list_has_any_text('attribute_keys', containers) }}
                    then {{ map_drop_keys_matching(
                        flatten_json_string_containers(map_from_entry_list('attribute_entries'), containers),
                        content_pattern
                    ) if content_patterns | length > 0 else
                        flatten_json_string_containers(map_from_entry_list('attribute_entries'), containers) }}
            {%- endif %}
            {%- if content_patterns | length > 0 %}
                when {{ list_any_matches_prefix('attribute_keys', content_patterns | join('|')) }}
                    then {{ map_drop_keys_matching(map_from_entry_list('attribute_entries'), content_pattern) }}
            {%- endif %}
            else {{ map_from_entry_list('attribute_entries') }}
        end as attributes
    from all_formats
),

fingerprinted as (
    select
        *,
        -- What a copy says about the span; equal fingerprints = identical copies.
        {{ dbt.hash(dbt.concat([
            "coalesce(" ~ normalize_hex_id('raw_parent_span_id') ~ ", '')", "'|'",
            "coalesce(span_name, '')", "'|'",
            "coalesce(" ~ normalize_span_kind('raw_span_kind') ~ ", '')", "'|'",
            "coalesce(cast(" ~ parse_span_timestamp('raw_started_at') ~ " as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(" ~ parse_span_timestamp('raw_ended_at') ~ " as " ~ dbt.type_string() ~ "), '')", "'|'",
            sorted_map_text('attributes')
        ])) }} as content_fingerprint
    from cleaned
),

bad_lines as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        cast(null as {{ dbt.type_string() }}) as batch_position,
        record_format,
        substring(raw_line, 1, {{ var('raw_record_max_chars', 2000) }}) as raw_record,
        {%- for column in raw_span_fields %}
            cast(null as {{ dbt.type_string() }}) as {{ column }},
        {%- endfor %}
        {{ null_string_map() }} as attributes,
        cast(null as {{ dbt.type_string() }}) as content_fingerprint
    from lines
    where record_format in ('blank', 'malformed')
),

final as (
    -- Same columns in the same order in both.
    select * from fingerprinted
    union all
    select * from bad_lines
)

select * from final
