{#- The physical lines (Parquet: rows) of the span files this run reads (all
    files on a full build, new or changed files on an incremental one:
    traces_files_to_read), numbered per file, as written: no parsing here.
    A table on DuckDB: each file is its own scan in one UNION ALL, and DuckDB
    keeps the state of every expression above a union in every branch until
    the query ends, so JSON parsing over thousands of file scans held memory
    growing with the input (out of memory at 10 million spans with a 3 GB
    limit). Written to a table first, the lines are parsed by one scan with
    one state per thread. Other engines read the files in the view above. -#}
{{ config(materialized=('table' if target.type == 'duckdb' else 'view')) }}
with

raw_lines as (
    select * from {{ read_raw_lines(traces_files_to_read()) }}
)

select * from raw_lines
