{#- Span files that hold ONE JSON document written over several lines (a
    pretty-printed array of spans, `json.dump(spans, f, indent=2)`, or a
    pretty-printed OTLP export `{"resourceSpans": [...]}`, or one span
    object): the line-by-line pass (insert_parsed_records_in_batches) sees
    such a file as malformed lines; these two steps read it again as one
    document, so each array element / OTLP span becomes one record, as if
    the document were written on one line (docs/bad_input.md).
    A file is a candidate only when its first non-blank line is malformed
    and starts with `[` or `{` (only a file's malformed lines are looked at,
    so a JSON lines file costs one filter over the staged rows); it is
    replaced only when its whole text parses as one object or one non-empty
    array of objects. Anything else (a truncated document, trailing text,
    `[1, 2]`) keeps its lines as they were staged: malformed, quarantined
    with file, line and reason, never lost.
    Two steps, because the second must see what the first pass staged:
    find_span_documents (SQL, ending insert_parsed_records_in_batches) notes
    the candidates among this run's files; insert_span_documents (the next
    post-hook, rendered after the first ran) reads each candidate whole and
    replaces its non-blank rows with the document's records. Engines that
    stage files in the model's own statement (Spark) do not read multi-line
    documents (default__: nothing; docs/spark.md). -#}
{% macro find_span_documents(files) -%}
    {{ return(adapter.dispatch('find_span_documents', 'llm_spend_attribution')(files)) }}
{%- endmacro %}

{% macro default__find_span_documents(files) -%}
{%- endmacro %}

{#- Sets the session variable span_document_candidates to the candidates
    among `files` (this run's files, traces_files_to_read): a list of
    {path, size, modified_at, line_number} structs, the staged identity and
    the document's first line; empty when there is none. -#}
{% macro duckdb__find_span_documents(files) -%}
    {%- set is_parquet = parquet_file_flags(files) -%}
    {%- set text_files = [] -%}
    {%- for file in files -%}
        {%- if not is_parquet[loop.index0] -%}
            {%- do text_files.append(file.path) -%}
        {%- endif -%}
    {%- endfor %}
        set variable span_document_candidates = (
            with

            openers as (
                select
                    source_file,
                    min(line_number) as line_number
                from {{ this }}
                where
                    record_format = 'malformed'
                    and left(ltrim(raw_record), 1) in ('[', '{')
                group by source_file
            ),

            first_records as (
                select
                    source_file,
                    file_size,
                    file_modified_at,
                    min(line_number) as line_number
                from {{ this }}
                where
                    record_format != 'blank'
                    and source_file in (select openers.source_file from openers)
                group by source_file, file_size, file_modified_at
            )

            select
                coalesce(
                    list(
                        {
                            'path': first_records.source_file,
                            'size': first_records.file_size,
                            'modified_at': first_records.file_modified_at,
                            'line_number': first_records.line_number
                        }
                        order by first_records.source_file
                    ),
                    []
                )
            from first_records
            inner join openers
                on
                    first_records.source_file = openers.source_file
                    and first_records.line_number = openers.line_number
            {%- if text_files | length > 0 %}
            where first_records.source_file in (
                {%- for path in text_files -%}
                    {{ dbt.string_literal(dbt.escape_single_quotes(path)) }}{{ ", " if not loop.last }}
                {%- endfor -%}
            )
            {%- else %}
            where false
            {%- endif %}
        );
{%- endmacro %}

{#- Statements that stage the candidates find_span_documents noted as
    documents: empty (no statement) when there is none. -#}
{% macro insert_span_documents() -%}
    {{ return(adapter.dispatch('insert_span_documents', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__insert_span_documents() -%}
{%- endmacro %}

{#- Each candidate's lines (read_raw_lines: the same reader, .gz / .zst
    included) joined into one text and parsed by parse_span_lines as one
    line numbered with the document's first line: an array element's
    record keeps batch_position `[i]` and is numbered with the line where
    the element starts (span_document_element_starts); an OTLP span keeps
    `resourceSpans[r].scopeSpans[s].spans[k]` and the document's first
    line, as does a single span object. A candidate whose text is not one
    document gives one malformed record and is left alone. -#}
{% macro duckdb__insert_span_documents() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = run_query(
        "select unnest(coalesce(getvariable('span_document_candidates'), []), recursive := true)"
    ) -%}
    {%- if found.rows | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set candidates = [] -%}
    {%- for row in found.rows -%}
        {%- do candidates.append({
            'path': row['path'], 'size': row['size'], 'modified_at': row['modified_at'],
            'line_number': row['line_number']
        }) -%}
    {%- endfor -%}
    {{ log('staging re-reads ' ~ (candidates | length) ~ ' span file(s) that may hold one multi-line JSON document',
        info=true) }}
    create or replace temporary table span_documents__parsed as
    select
        *,
        {{ staged_invocation_id() }}
    from {{ parse_span_lines(span_document_texts(candidates)) }} as parsed
    where record_format != 'malformed';

    -- An element of an array document is numbered with its own first line.
    update span_documents__parsed
    set line_number = element_starts.line_number
    from {{ span_document_element_starts(candidates) }} as element_starts
    where
        span_documents__parsed.source_file = element_starts.source_file
        and span_documents__parsed.batch_position like '[%'
        and cast(regexp_extract(span_documents__parsed.batch_position, '^\[([0-9]+)\]', 1) as bigint)
        = element_starts.array_position;

    delete from {{ this }}
    where
        record_format != 'blank'
        and source_file in (select span_documents__parsed.source_file from span_documents__parsed);

    insert into {{ this }} by name
    select * from span_documents__parsed;

    drop table span_documents__parsed;
{%- endmacro %}

{#- One row per candidate file (read_raw_lines columns): its lines joined
    by line feeds, numbered with the document's first non-blank line. -#}
{% macro span_document_texts(candidates) -%}
    (
        select
            lines.source_file,
            lines.file_size,
            lines.file_modified_at,
            starts.line_number,
            string_agg(lines.raw_line, chr(10) order by lines.line_number) as raw_line
        from {{ read_raw_lines(candidates) }} as lines
        inner join (
            {%- for candidate in candidates %}
            select
                {{ dbt.string_literal(dbt.escape_single_quotes(candidate.path)) }} as source_file,
                cast({{ candidate.line_number | int }} as {{ dbt.type_bigint() }}) as line_number
            {{ "union all" if not loop.last }}
            {%- endfor %}
        ) as starts
            on lines.source_file = starts.source_file
        group by lines.source_file, lines.file_size, lines.file_modified_at, starts.line_number
    )
{%- endmacro %}

{#- For each candidate, the line where each `{` one level inside the
    top-level value opens, numbered 0, 1, ... in file order (array_position):
    in a document that is an array of objects, the line where element i
    starts. Exact for any valid document: a JSON string cannot span lines,
    so each line's strings are removed (escaped quotes included) before its
    brackets are counted, and the depth is the running count over the
    file. Only candidate files are read (a second time). -#}
{% macro span_document_element_starts(candidates) -%}
    (
        with

        structures as (
            select
                source_file,
                line_number,
                regexp_replace(
                    regexp_replace(coalesce(raw_line, ''), '"(?:[^"\\]|\\.)*"', '', 'g'),
                    '[^\[\]{}]', '', 'g'
                ) as structure
            from {{ read_raw_lines(candidates) }} as lines
        ),

        tokens as (
            select
                source_file,
                line_number,
                structure,
                unnest(generate_series(1, length(structure))) as token_position
            from structures
            where structure != ''
        ),

        depths as (
            select
                source_file,
                line_number,
                token_position,
                substr(structure, token_position, 1) as token,
                sum(case when substr(structure, token_position, 1) in ('[', '{') then 1 else -1 end) over (
                    partition by source_file order by line_number, token_position rows unbounded preceding
                ) as depth_after
            from tokens
        )

        select
            source_file,
            line_number,
            row_number() over (partition by source_file order by line_number, token_position) - 1 as array_position
        from depths
        where token = '{' and depth_after = 2
    )
{%- endmacro %}
