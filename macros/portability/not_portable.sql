{#- default__ versions of the dispatched macros that have no ANSI SQL form
    (maps, lists, JSON object walks, OTLP explode, file reading, timestamp
    parsing). Each fails compilation naming the macro to write for the
    adapter in use, instead of dbt's generic "macro not found"; DuckDB and
    Spark have their own versions (macros/portability/ and .../spark/). -#}
{% macro not_portable(macro_name) -%}
    {{ exceptions.raise_compiler_error(
        'No ANSI SQL for ' ~ macro_name ~ ': write ' ~ adapter.type() ~ '__' ~ macro_name
        ~ ' (see duckdb__' ~ macro_name ~ ' and spark__' ~ macro_name ~ ' in macros/portability/).'
    ) }}
{%- endmacro %}

{% macro default__entries_concat(list_exprs) -%}{{ not_portable('entries_concat') }}{%- endmacro %}

{% macro default__entries_first_wins(entry_list_exprs) -%}{{ not_portable('entries_first_wins') }}{%- endmacro %}

{% macro default__entries_from_lists(keys_expr, values_expr) -%}{{ not_portable('entries_from_lists') }}{%- endmacro %}

{% macro default__entry_keys(entries_expr) -%}{{ not_portable('entry_keys') }}{%- endmacro %}

{% macro default__entry_list_of(key_exprs, value_exprs) -%}{{ not_portable('entry_list_of') }}{%- endmacro %}

{% macro default__explode_map_keys(relation, map_column, columns) -%}{{ not_portable('explode_map_keys') }}{%- endmacro %}

{% macro default__explode_otlp_batches(relation) -%}{{ not_portable('explode_otlp_batches') }}{%- endmacro %}

{% macro default__flatten_json_string_containers(map_expr, containers) -%}{{ not_portable('flatten_json_string_containers') }}{%- endmacro %}

{% macro default__json_is_flat_object(json_expr) -%}{{ not_portable('json_is_flat_object') }}{%- endmacro %}

{% macro default__json_to_string_map(json_expr) -%}{{ not_portable('json_to_string_map') }}{%- endmacro %}

{% macro default__json_top_level_keys(json_expr) -%}{{ not_portable('json_top_level_keys') }}{%- endmacro %}

{% macro default__json_top_level_values(json_expr) -%}{{ not_portable('json_top_level_values') }}{%- endmacro %}

{% macro default__list_any_matches_prefix(list_expr, pattern) -%}{{ not_portable('list_any_matches_prefix') }}{%- endmacro %}

{% macro default__list_has(list_expr, value_expr) -%}{{ not_portable('list_has') }}{%- endmacro %}

{% macro default__list_has_any_text(list_expr, values) -%}{{ not_portable('list_has_any_text') }}{%- endmacro %}

{% macro default__list_lookup(keys_expr, values_expr, key) -%}{{ not_portable('list_lookup') }}{%- endmacro %}

{% macro default__list_trace_files(path_glob) -%}{{ not_portable('list_trace_files') }}{%- endmacro %}

{% macro default__map_drop_keys_matching(map_expr, pattern) -%}{{ not_portable('map_drop_keys_matching') }}{%- endmacro %}

{% macro default__map_entry_list(map_expr) -%}{{ not_portable('map_entry_list') }}{%- endmacro %}

{% macro default__map_from_entry_list(entries_expr) -%}{{ not_portable('map_from_entry_list') }}{%- endmacro %}

{% macro default__null_string_map() -%}{{ not_portable('null_string_map') }}{%- endmacro %}

{% macro default__otlp_attribute_entries(json_expr) -%}{{ not_portable('otlp_attribute_entries') }}{%- endmacro %}

{% macro default__otlp_span_fields(json_expr) -%}{{ not_portable('otlp_span_fields') }}{%- endmacro %}

{% macro default__parse_span_timestamp(text_expr) -%}{{ not_portable('parse_span_timestamp') }}{%- endmacro %}

{% macro default__parse_utc_timestamp(text_expr) -%}{{ not_portable('parse_utc_timestamp') }}{%- endmacro %}

{% macro default__read_raw_lines(files) -%}{{ not_portable('read_raw_lines') }}{%- endmacro %}

{% macro default__sorted_entries_text(entries_expr) -%}{{ not_portable('sorted_entries_text') }}{%- endmacro %}

{% macro default__staged_record_json(fields, map_expr) -%}{{ not_portable('staged_record_json') }}{%- endmacro %}

{% macro default__entries_without_keys(entries_expr, keys) -%}{{ not_portable('entries_without_keys') }}{%- endmacro %}

