{#- Raw lines of the span files; one row per physical line with the file
    name and the line's scan position. Reading lines as text (not JSON)
    lets malformed lines be kept and quarantined instead of silently skipped. -#}
{% macro read_raw_lines(path_glob) -%}
    {{ return(adapter.dispatch('read_raw_lines', 'llm_spend_attribution')(path_glob)) }}
{%- endmacro %}

{% macro duckdb__read_raw_lines(path_glob) -%}
    (
        select
            filename as source_file,
            ordinality as scan_position,
            raw_line
        from read_csv(
            {{ dbt.string_literal(dbt.escape_single_quotes(path_glob)) }},
            columns = {'raw_line': 'VARCHAR'},
            delim = '\x1e',
            quote = '',
            escape = '',
            header = false,
            auto_detect = false,
            filename = true,
            new_line = '\n',
            strict_mode = false,
            max_line_size = {{ var('max_line_bytes', 67108864) }},
            buffer_size = {{ 2 * var('max_line_bytes', 67108864) }}
        ) with ordinality
    )
{%- endmacro %}
