{#- Raw records of the span files, one row per physical line (JSON lines
    files) or per row (Parquet files), with the file name and the 1-based
    line (row) number within its file. Reading lines as text (not JSON) lets
    malformed lines be kept and quarantined instead of silently skipped.
    Parquet rows arrive as one JSON object text each (their columns as keys),
    so they take the same flat-span path as a JSON line.
    `files` is the list of file paths of this run (traces_files_to_read); an
    empty list reads nothing. Each file is read on its own so line numbers
    come straight from the scan: no window over all lines, which would hold
    every line in memory at once. -#}
{% macro read_raw_lines(files) -%}
    {{ return(adapter.dispatch('read_raw_lines', 'llm_spend_attribution')(files)) }}
{%- endmacro %}

{#- True when the path names a Parquet file (by extension). -#}
{% macro is_parquet_path(path) -%}
    {{ return(modules.re.search('\\.parq(uet)?$', path | lower) is not none) }}
{%- endmacro %}

{% macro duckdb__read_raw_lines(files) -%}
    (
    {%- for file in files %}
        {%- set file_literal = dbt.string_literal(dbt.escape_single_quotes(file)) %}
        {%- if is_parquet_path(file) %}
        select
            {{ file_literal }} as source_file,
            parquet_row.file_row_number + 1 as line_number,
            -- The row as one JSON object. Patching an empty object with it
            -- drops null columns (a fixed Parquet schema writes absent keys
            -- as nulls) and the reader's row-number column.
            cast(json_merge_patch('{}', to_json(parquet_row), '{"file_row_number": null}') as varchar) as raw_line
        from read_parquet({{ file_literal }}, file_row_number = true) as parquet_row
        {%- else %}
        select
            {{ file_literal }} as source_file,
            ordinality as line_number,
            raw_line
        from read_csv(
            {{ file_literal }},
            columns = {'raw_line': 'VARCHAR'},
            delim = '\x1e',
            quote = '',
            escape = '',
            header = false,
            auto_detect = false,
            new_line = '\n',
            strict_mode = false,
            max_line_size = {{ var('max_line_bytes', 67108864) }},
            buffer_size = {{ 2 * var('max_line_bytes', 67108864) }}
        ) with ordinality
        {%- endif %}
        union all
    {%- endfor %}
        select
            cast(null as varchar) as source_file,
            cast(null as bigint) as line_number,
            cast(null as varchar) as raw_line
        where false
    )
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
