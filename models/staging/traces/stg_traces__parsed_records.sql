{#- Every record read, parsed once and kept: the staging layer's only model
    that reads raw files, in one pass per line (parse_span_lines: shape,
    format, envelope fields and the cleaned attribute map). Incremental by
    file (docs/nightly.md): a night's run parses only new or changed files
    (traces_files_to_read) and replaces their rows; everything downstream is
    rebuilt from this table, so seed and alias changes apply without
    re-parsing. Attribute maps are cleaned here: JSON-string containers
    flattened into prefixed keys and prompt/completion content keys dropped
    (changing those two seeds needs --full-refresh). Blank and malformed
    lines are kept as rows too (no span fields).
    On DuckDB the model's own statement reads no file (it creates or keeps
    the typed table) and a post-hook stages the files, a statement per batch
    of files (insert_parsed_records_in_batches), reading and parsing each
    batch in one statement; other engines read the files here (delete+insert
    by source_file; Spark overwrites source_file partitions:
    file_rebuild_config). Every row names the run that staged it
    (staged_invocation_id): stg_traces__affected_traces rebuilds the traces
    of rows staged since the last completed run. -#}
{%- set on_duckdb = stages_files_in_batches() -%}
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    post_hook=(['{{ insert_parsed_records_in_batches() }}', '{{ insert_span_documents() }}'] if on_duckdb else []),
    **file_rebuild_config()
) }}
with

parsed_records as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        batch_position,
        record_format,
        raw_record,
        raw_trace_id,
        raw_span_id,
        raw_parent_span_id,
        span_name,
        raw_span_kind,
        raw_started_at,
        raw_ended_at,
        raw_status_code,
        attributes,
        {{ staged_invocation_id() }}
    from {{ parse_span_lines(read_raw_lines([] if on_duckdb else traces_files_to_read())) }} as parsed
)

select * from parsed_records
