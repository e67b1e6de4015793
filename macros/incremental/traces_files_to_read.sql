{#- Which span files the staging layer reads in this run (docs/nightly.md).
    A full build (no staged table yet, or --full-refresh) reads every file
    the glob var traces_path matches. An incremental run reads only the files
    that are new, whose size or modification time changed since they were
    staged, or that were modified within var staging_lookback_hours before
    the newest staged file (a collector may still have been appending to
    them). Returns the list of file paths (possibly empty; empty at parse
    time, when nothing is read). -#}
{% macro traces_files_to_read() -%}
    {%- set path_glob = var('traces_path') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set staged = adapter.get_relation(
        database=this.database, schema=this.schema, identifier='stg_traces__parsed_records'
    ) -%}
    {%- if flags.FULL_REFRESH or staged is none -%}
        {%- set every_file -%}
            select source_file from {{ list_trace_files(path_glob) }} order by source_file
        {%- endset -%}
        {{ return(run_query(every_file).columns[0].values() | list) }}
    {%- endif -%}
    {%- set lookback = var('staging_lookback_hours', 0) -%}
    {%- set selection -%}
        with

        on_disk as (
            select * from {{ list_trace_files(path_glob) }}
        ),

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

        select on_disk.source_file
        from on_disk
        cross join newest
        left join staged_files
            on on_disk.source_file = staged_files.source_file
        where
            staged_files.source_file is null
            or on_disk.file_size != staged_files.file_size
            or on_disk.file_modified_at != staged_files.file_modified_at
            or on_disk.file_modified_at >= {{ dbt.dateadd('hour', -1 * lookback, 'newest.newest_modified_at') }}
               and {{ lookback }} > 0
        order by on_disk.source_file
    {%- endset -%}
    {%- set files = run_query(selection).columns[0].values() | list -%}
    {{ log('staging reads ' ~ (files | length) ~ ' new or changed span file(s)', info=true) }}
    {{ return(files) }}
{%- endmacro %}
