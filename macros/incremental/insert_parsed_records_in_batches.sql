{#- Statements that stage this run's span files (traces_files_to_read) into
    the current model: the files' earlier rows are deleted by one DELETE
    (one scan of the table, not one per batch; the whole post-hook is one
    transaction, so a killed run keeps the old rows), then each batch of
    files (span_file_batches) is read and parsed by one INSERT
    (parse_span_lines over read_raw_lines). Used as a post-hook on DuckDB:
    one statement reading thousands of files held every file scan's
    buffers until it ended (out of memory at 10 million spans with a 3 GB
    limit); a statement per batch bounds memory by the batch, and reading
    and parsing in the same statement writes no line to a table first (the
    parse gathers the batch's lines in memory, see parse_span_lines).
    Ends by noting the files that may hold one multi-line JSON document
    (find_span_documents; the next post-hook stages them). -#}
{% macro insert_parsed_records_in_batches() -%}
    {%- set files = traces_files_to_read() -%}
    {%- if files | length > 0 %}
        delete from {{ this }} where source_file in ({{ text_literals(files | map(attribute='path') | list) | join(', ') }});
    {%- endif %}
    {#- The parse is the same text for every batch (it reads CTE batch_lines):
        rendered once, not once per batch (~0.1 s of Jinja and two seed
        queries each; 18 batches at 10M spans), and not at all with no file. #}
    {%- set parsed_batch = parse_span_lines('batch_lines') if files | length > 0 else '' %}
    {%- for batch in span_file_batches(files) %}
        insert into {{ this }}
        with batch_lines as {{ read_raw_lines(batch) }}
        select
            *,
            {{ staged_invocation_id() }}
        from {{ parsed_batch }} as parsed_records;
    {%- else %}
        select 1;
    {%- endfor %}
    {{ find_span_documents(files) }}
{%- endmacro %}

{#- This run's files (traces_files_to_read) in consecutive batches, one
    INSERT each: a batch closes before it would exceed var
    raw_line_bytes_per_statement bytes or var raw_line_files_per_statement
    files (a file larger than the budget is a batch of its own). Bytes are
    the files' sizes on disk, a compressed (.gz / .zst) or Parquet file
    counted 10 times (compressed_size_factor: its lines take about that much
    more room once read). Bounding bytes, not only files, lets a small night
    or a 1M-span history be one or two statements (each statement has a
    fixed cost: 1M spans in 1,518 files, 11.3-12.3 s in sixteen batches of
    100 files against 8.7-10.0 s in two) while a large history is still read
    a bounded slice at a time (docs/nightly.md). -#}
{% macro span_file_batches(files) -%}
    {%- set compressed_size_factor = 10 -%}
    {%- set max_bytes = var('raw_line_bytes_per_statement', 268435456) | int -%}
    {%- set max_files = var('raw_line_files_per_statement', 1000) | int -%}
    {%- set batches = [] -%}
    {%- set current = namespace(files=[], bytes=0) -%}
    {%- set is_parquet = parquet_file_flags(files) -%}
    {%- for file in files -%}
        {%- set is_compressed = is_parquet[loop.index0]
            or modules.re.search('\\.(gz|zst)$', file.path | lower) is not none -%}
        {%- set file_bytes = (file.size | int) * (compressed_size_factor if is_compressed else 1) -%}
        {%- if current.files | length > 0 and (
            current.bytes + file_bytes > max_bytes or current.files | length >= max_files
        ) -%}
            {%- do batches.append(current.files) -%}
            {%- set current.files = [] -%}
            {%- set current.bytes = 0 -%}
        {%- endif -%}
        {%- do current.files.append(file) -%}
        {%- set current.bytes = current.bytes + file_bytes -%}
    {%- endfor -%}
    {%- if current.files | length > 0 -%}
        {%- do batches.append(current.files) -%}
    {%- endif -%}
    {{ return(batches) }}
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
