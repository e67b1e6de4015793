{#- Spark SQL version of parse_span_lines (macros/incremental/parse_span_lines.sql):
    the same records, built from the dispatched JSON, OTLP and entry-list
    macros (Spark has their spark__ versions). Spark inlines CTEs, so the
    flat, OTLP and bad-line paths each read the lines again (as the views
    did before the DuckDB single pass). Not exercised by the DuckDB tests:
    `make spark-equivalence` checks it. -#}
{% macro spark__parse_span_lines(raw_lines) -%}
    {%- set containers = json_string_containers() -%}
    {%- set content_patterns = content_attribute_patterns() -%}
    {%- set content_pattern = '^(' ~ (content_patterns | join('|')) ~ ')' -%}
    {%- set max_chars = var('raw_record_max_chars', 2000) -%}
    {%- set array_prefix = "coalesce("
        ~ dbt.concat(["'['", dbt.safe_cast('array_position', dbt.type_string()), "'].'"]) ~ ", '')" -%}
    (
        with

        raw_lines as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                raw_line,
                {{ may_be_json_array('raw_line') }} as may_be_json_array
            from {{ raw_lines }}
        ),

        span_array_lines as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                raw_line
            from raw_lines
            where may_be_json_array and {{ json_is_array_of_objects('raw_line') }}
        ),

        array_elements as (
            select * from {{ explode_json_arrays('span_array_lines') }}
        ),

        shaped as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                cast(null as {{ dbt.type_bigint() }}) as array_position,
                raw_line,
                case
                    when raw_line is null or trim(raw_line) = '' then 'blank'
                    when {{ json_is_object('raw_line') }} then null
                    when may_be_json_array and {{ json_is_array_of_objects('raw_line') }} then 'span_array'
                    else 'malformed'
                end as bad_format
            from raw_lines
        ),

        records as (
            select * from shaped
            where bad_format is null or bad_format != 'span_array'
            union all
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                array_position,
                raw_line,
                cast(null as {{ dbt.type_string() }}) as bad_format
            from array_elements
        ),

        classified as (
            select
                *,
                coalesce(
                    bad_format,
                    case when {{ list_has('top_keys', "'resourceSpans'") }} then 'otlp_json' else 'flat_json' end
                ) as record_format
            from (
                select
                    *,
                    case when bad_format is null then {{ json_top_level_keys('raw_line') }} end as top_keys
                from records
            ) as keyed
        ),

        flat_records as (
            select
                *,
                {{ json_top_level_values('raw_line') }} as top_values
            from classified
            where record_format = 'flat_json'
        ),

        flat_spans as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                case
                    when array_position is not null
                        then {{ dbt.concat(["'['", dbt.safe_cast('array_position', dbt.type_string()), "']'"]) }}
                end as batch_position,
                record_format,
                -- Span records keep no raw text (quarantine shows them as
                -- staged: stg_traces__span_records).
                cast(null as {{ dbt.type_string() }}) as raw_record,
                coalesce(
                    {{ first_top_level_value(span_field_keys()['raw_trace_id']) }},
                    case
                        when {{ list_has('top_keys', "'context'") }}
                            then {{ json_get_string(json_get('raw_line', 'context'), 'trace_id') }}
                    end
                ) as raw_trace_id,
                coalesce(
                    {{ first_top_level_value(span_field_keys()['raw_span_id']) }},
                    case
                        when {{ list_has('top_keys', "'context'") }}
                            then {{ json_get_string(json_get('raw_line', 'context'), 'span_id') }}
                    end
                ) as raw_span_id,
                {{ first_top_level_value(span_field_keys()['raw_parent_span_id']) }} as raw_parent_span_id,
                {{ first_top_level_value(span_field_keys()['span_name']) }} as span_name,
                {{ first_top_level_value(span_field_keys()['raw_span_kind']) }} as raw_span_kind,
                {{ first_top_level_value(span_field_keys()['raw_started_at']) }}
                    as raw_started_at,
                {{ first_top_level_value(span_field_keys()['raw_ended_at']) }} as raw_ended_at,
                coalesce(
                    {{ first_top_level_value(span_field_keys()['raw_status_code']) }},
                    case
                        when {{ list_has('top_keys', "'status'") }}
                            then {{ json_get_string(json_get('raw_line', 'status'), 'status_code') }}
                    end
                ) as raw_status_code,
                case
                    when {{ list_has('top_keys', "'resource'") }} or {{ list_has('top_keys', "'attributes'") }}
                        then {{ entries_first_wins([
                            map_entry_list(json_to_string_map(json_get('raw_line', 'attributes'))),
                            entries_without_keys(entries_from_lists('top_keys', 'top_values'), span_field_keys_all()),
                            map_entry_list(json_to_string_map(json_get('raw_line', 'resource')))
                        ]) }}
                    else {{ entries_without_keys(entries_from_lists('top_keys', 'top_values'), span_field_keys_all()) }}
                end as attribute_entries
            from flat_records
        ),

        otlp_records as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                array_position,
                raw_line
            from classified
            where record_format = 'otlp_json'
        ),

        otlp_exploded as (
            select
                *,
                {{ otlp_span_fields('span_json') }} as span
            from {{ explode_otlp_batches('otlp_records') }} as exploded
        ),

        otlp_entries as (
            select
                *,
                {{ entries_concat([
                    otlp_attribute_entries('span.attributes'),
                    entry_list_of(["'otel.scope.name'", "'otel.scope.version'"], ['scope_name', 'scope_version']),
                    otlp_attribute_entries('resource_attributes')
                ]) }} as all_entries
            from otlp_exploded
        ),

        otlp_spans as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                case
                    when span_index is not null
                        then {{ dbt.concat([
                            array_prefix,
                            "'resourceSpans['", dbt.safe_cast('resource_index', dbt.type_string()),
                            "'].scopeSpans['", dbt.safe_cast('scope_index', dbt.type_string()),
                            "'].spans['", dbt.safe_cast('span_index', dbt.type_string()), "']'"
                        ]) }}
                    when array_position is not null
                        then {{ dbt.concat(["'['", dbt.safe_cast('array_position', dbt.type_string()), "']'"]) }}
                end as batch_position,
                'otlp_json' as record_format,
                cast(null as {{ dbt.type_string() }}) as raw_record,
                span['traceid'] as raw_trace_id,
                span['spanid'] as raw_span_id,
                span['parentspanid'] as raw_parent_span_id,
                span['name'] as span_name,
                span['kind'] as raw_span_kind,
                span['starttimeunixnano'] as raw_started_at,
                span['endtimeunixnano'] as raw_ended_at,
                span['status']['code'] as raw_status_code,
                {{ entries_first_wins(['all_entries']) }} as attribute_entries
            from otlp_entries
        ),

        all_formats as (
            {%- for relation in ['flat_spans', 'otlp_spans'] %}
            select
                *,
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
                substring(raw_record, 1, {{ max_chars }}) as raw_record,
                {%- for column in staged_span_field_columns() %}
                {{ column }},
                {%- endfor %}
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

        bad_lines as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                cast(null as {{ dbt.type_string() }}) as batch_position,
                record_format,
                substring(raw_line, 1, {{ max_chars }}) as raw_record,
                {%- for column in staged_span_field_columns() %}
                cast(null as {{ dbt.type_string() }}) as {{ column }},
                {%- endfor %}
                {{ null_string_map() }} as attributes
            from classified
            where record_format in ('blank', 'malformed')
        )

        select * from cleaned
        union all
        select * from bad_lines
    )
{%- endmacro %}
