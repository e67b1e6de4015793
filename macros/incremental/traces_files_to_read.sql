{#- Which span files the staging layer reads in this run (docs/nightly.md),
    each with the identity it is staged under: its size and modification
    time, captured here, before any of its lines is read. A line appended
    after this point is not lost: the file's size on disk no longer matches
    the staged one, so the next run reads the file again (its rows are
    replaced: no line twice, none lost).
    A full build (no staged table yet, or --full-refresh) reads every file
    traces_path stands for (a glob, a file, or a directory: every supported
    file under it). An incremental run reads only the files that are new,
    whose size or modification time changed since they were staged, or that
    were modified within var staging_lookback_hours before the newest staged
    file (a collector may still have been appending to them).
    traces_path matching no file at all fails the run, naming the path,
    unless var allow_empty_traces_path is true.
    Returns a list of dicts {path, size, modified_at} (possibly empty; empty
    at parse time, when nothing is read). -#}
{% macro traces_files_to_read() -%}
    {%- set path = traces_path() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set staged = adapter.get_relation(
        database=this.database, schema=this.schema, identifier='stg_traces__parsed_records'
    ) -%}
    {%- set full_build = flags.FULL_REFRESH or staged is none -%}
    {%- set lookback = var('staging_lookback_hours', 0) -%}
    {%- set selection -%}
        with

        on_disk as (
            select * from {{ list_trace_files(path) }}
        )
        {%- if not full_build %},

        staged_files as (
            select
                source_file,
                max(file_size) as file_size,
                max(file_modified_at) as file_modified_at
            from {{ staged }}
            group by source_file
        ),

        newest as (
            select max(file_modified_at) as newest_modified_at from staged_files
        )
        {%- endif %}

        select
            on_disk.source_file,
            on_disk.file_size,
            on_disk.file_modified_at,
            {%- if full_build %}
            true as is_read
            {%- else %}
            (
                staged_files.source_file is null
                or on_disk.file_size != staged_files.file_size
                or on_disk.file_modified_at != staged_files.file_modified_at
                or on_disk.file_modified_at >= {{ dbt.dateadd('hour', -1 * lookback, 'newest.newest_modified_at') }}
                and {{ lookback }} > 0
            ) as is_read
            {%- endif %}
        from on_disk
        {%- if not full_build %}
        cross join newest
        left join staged_files
            on on_disk.source_file = staged_files.source_file
        {%- endif %}
        order by on_disk.source_file
    {%- endset -%}
    {%- set listed = run_query(selection) -%}
    {%- if listed.rows | length == 0 and not var('allow_empty_traces_path', false) -%}
        {{ exceptions.raise_compiler_error(
            'traces_path matches no span file: "' ~ path ~ '". Point var traces_path at a glob, a file or a '
            ~ 'directory of span files (JSONL, JSON, Parquet, optionally .gz / .zst), or set var '
            ~ 'allow_empty_traces_path: true if the landing area is empty on purpose.'
        ) }}
    {%- endif -%}
    {%- set files = [] -%}
    {%- for row in listed.rows if row['is_read'] -%}
        {%- do files.append({
            'path': row['source_file'], 'size': row['file_size'], 'modified_at': row['file_modified_at']
        }) -%}
    {%- endfor -%}
    {{ log('staging reads ' ~ (files | length) ~ ' new or changed span file(s)', info=true) }}
    {{ return(files) }}
{%- endmacro %}
