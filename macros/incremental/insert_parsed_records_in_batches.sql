{#- Statements that stage this run's span files (traces_files_to_read) into
    the current model: the files' earlier rows are deleted by one DELETE
    (one scan of the table, not one per batch; the whole post-hook is one
    transaction, so a killed run keeps the old rows), then each batch of
    files (var raw_line_files_per_statement) is read and parsed by one
    INSERT (parse_span_lines over read_raw_lines). Used as a post-hook on
    DuckDB: one statement reading thousands of files held every file scan's
    buffers until it ended (out of memory at 10 million spans with a 3 GB
    limit); a statement per batch bounds memory by the batch, and reading
    and parsing in the same statement writes no line to a table first (the
    parse gathers the batch's lines in memory, see parse_span_lines).
    Ends by noting the files that may hold one multi-line JSON document
    (find_span_documents; the next post-hook stages them). -#}
{% macro insert_parsed_records_in_batches() -%}
    {%- set files = traces_files_to_read() -%}
    {%- if files | length > 0 %}
        delete from {{ this }} where source_file in (
            {%- for file in files -%}
                {{ dbt.string_literal(dbt.escape_single_quotes(file.path)) }}{{ ", " if not loop.last }}
            {%- endfor -%}
        );
    {%- endif %}
    {%- for batch in files | batch(var('raw_line_files_per_statement', 100)) %}
        insert into {{ this }}
        select
            *,
            {{ staged_invocation_id() }}
        from {{ parse_span_lines(read_raw_lines(batch)) }} as parsed_records;
    {%- else %}
        select 1;
    {%- endfor %}
    {{ find_span_documents(files) }}
{%- endmacro %}

{#- True when a raw line starts (after blanks) with `[`: only such a line can
    be a JSON array of spans, so the array test runs on no other line. -#}
{% macro may_be_json_array(raw_line_expr) -%}
    coalesce(left(ltrim({{ raw_line_expr }}), 1) = '[', false)
{%- endmacro %}

{#- The column naming the dbt invocation that staged a record
    (stg_traces__parsed_records): the last one in its select list. -#}
{% macro staged_invocation_id() -%}
    cast({{ dbt.string_literal(invocation_id) }} as {{ dbt.type_string() }}) as staged_invocation_id
{%- endmacro %}
