{#- Raw lines of the span files; one row per physical line with the file
    name and the line's scan position. Reading lines as text (not JSON)
    lets malformed lines be kept and quarantined instead of silently skipped. -#}
{#- path_glob is a glob string, or a list of file paths (the incremental
    selection, see traces_files_to_read); an empty list reads nothing. -#}
{% macro read_raw_lines(path_glob) -%}
    {{ return(adapter.dispatch('read_raw_lines', 'llm_spend_attribution')(path_glob)) }}
{%- endmacro %}

{% macro duckdb__read_raw_lines(path_glob) -%}
    {%- if path_glob is not string and path_glob | length == 0 -%}
    (
        select
            cast(null as varchar) as source_file,
            cast(null as bigint) as scan_position,
            cast(null as varchar) as raw_line
        where false
    )
    {%- else -%}
    (
        select
            filename as source_file,
            ordinality as scan_position,
            raw_line
        from read_csv(
            {%- if path_glob is string %}
            {{ dbt.string_literal(dbt.escape_single_quotes(path_glob)) }},
            {%- else %}
            [{% for file in path_glob %}{{ dbt.string_literal(dbt.escape_single_quotes(file)) }}{{ ", " if not loop.last }}{% endfor %}],
            {%- endif %}
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
    {%- endif -%}
{%- endmacro %}

{#- Size and modification time of every file matched by the glob (metadata
    only: the files are not read). Columns source_file, file_size,
    file_modified_at (UTC timestamp). -#}
{% macro list_trace_files(path_glob) -%}
    {{ return(adapter.dispatch('list_trace_files', 'llm_spend_attribution')(path_glob)) }}
{%- endmacro %}

{% macro duckdb__list_trace_files(path_glob) -%}
    (
        select
            filename as source_file,
            size as file_size,
            cast(timezone('UTC', last_modified) as timestamp) as file_modified_at
        from read_blob({{ dbt.string_literal(dbt.escape_single_quotes(path_glob)) }})
    )
{%- endmacro %}
