{#- The physical lines (Parquet: rows) of the span files this run reads (all
    files on a full build, new or changed files on an incremental one:
    traces_files_to_read), numbered per file, as written: no parsing here.
    Each line carries its file's size and modification time as captured
    before the file was read: the identity the file is staged under, and a
    flag for lines that start with `[` (the only ones that can be JSON arrays
    of spans: the array path then skips every other line by a boolean
    column instead of reading each line's text again).
    On DuckDB a table filled by a post-hook, a statement per batch of files:
    reading thousands of files in one statement held every file scan's
    buffers and every parser's state until the statement ended (out of memory
    at 10 million spans with a 3 GB limit), and parsing from a table reads one
    scan. Other engines read the files in the view. -#}
{%- set on_duckdb = target.type == 'duckdb' -%}
{{ config(
    materialized=('table' if on_duckdb else 'view'),
    post_hook=(['{{ insert_raw_lines_in_batches() }}'] if on_duckdb else [])
) }}
with

raw_lines as (
    -- On DuckDB the table starts empty (typed) and the post-hook fills it.
    select
        *,
        {{ may_be_json_array('raw_line') }} as may_be_json_array
    from {{ read_raw_lines([] if on_duckdb else traces_files_to_read()) }}
)

select * from raw_lines
