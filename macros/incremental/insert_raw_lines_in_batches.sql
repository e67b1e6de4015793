{#- Statements that insert the raw lines of this run's span files
    (traces_files_to_read) into the current model, a batch of files per
    statement (var raw_line_files_per_statement). Used as a post-hook on
    DuckDB: one statement reading thousands of files held every file scan's
    buffers until it ended (out of memory at 10 million spans with a 3 GB
    limit); a statement per batch bounds memory by the batch. -#}
{% macro insert_raw_lines_in_batches() -%}
    {%- set batches = traces_files_to_read() | batch(var('raw_line_files_per_statement', 100)) | list -%}
    {%- for files in batches %}
        insert into {{ this }}
        select *, {{ may_be_json_array('raw_line') }} from {{ read_raw_lines(files) }};
    {%- else %}
        select 1;
    {%- endfor %}
{%- endmacro %}

{#- True when a raw line starts (after blanks) with `[`: only such a line can
    be a JSON array of spans (base_traces__lines). Computed once when lines
    are stored, so the array path filters on a boolean column. -#}
{% macro may_be_json_array(raw_line_expr) -%}
    coalesce(left(ltrim({{ raw_line_expr }}), 1) = '[', false)
{%- endmacro %}
