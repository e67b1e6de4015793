{#- Spark SQL versions of read_raw_lines and list_trace_files
    (macros/portability/reading.sql).
    The text source gives one row per line (\n, \r\n or \r ends a line) but
    no line number. monotonically_increasing_id() grows in scan order within
    a task and a file's splits are scanned by tasks in offset order, so its
    rank per file is the line's position: exact when a file is read by one
    task (files below spark.sql.files.maxPartitionBytes, which the profile
    raises to 1 GB) and in order otherwise. The source file is a URI
    (file:/abs/path); the scheme is dropped and %-escapes decoded so local
    paths read as on DuckDB. -#}
{#- input_file_name() is %-encoded (a `+` stays literal, so it is encoded
    before url_decode, which reads `+` as a space); binaryFile's path is not. -#}
{% macro spark__local_path(uri_expr, encoded=true) -%}
    {%- if encoded -%}
    regexp_replace(url_decode(replace({{ uri_expr }}, '+', '%2B')), '^file:(//)?', '')
    {%- else -%}
    regexp_replace({{ uri_expr }}, '^file:(//)?', '')
    {%- endif -%}
{%- endmacro %}

{#- path_glob: a glob, or a list of files (the incremental selection): one
    text scan per file, unioned; an empty list reads nothing. -#}
{% macro spark__read_raw_lines(path_glob) -%}
    {%- set paths = [path_glob] if path_glob is string else path_glob -%}
    {%- if paths | length == 0 -%}
    (
        select
            cast(null as string) as source_file,
            cast(null as bigint) as scan_position,
            cast(null as string) as raw_line
        where false
    )
    {%- else -%}
    (
        {%- for path in paths %}
        select
            {{ spark__local_path('input_file_name()') }} as source_file,
            monotonically_increasing_id() as scan_position,
            value as raw_line
        from text.`{{ path }}`
        {{- "\n        union all" if not loop.last }}
        {%- endfor %}
    )
    {%- endif -%}
{%- endmacro %}

{#- The binaryFile source lists files with size and modification time; the
    content column is not selected, so the files are not read. -#}
{% macro spark__list_trace_files(path_glob) -%}
    (
        select
            {{ spark__local_path('path', encoded=false) }} as source_file,
            length as file_size,
            cast(modificationTime as timestamp) as file_modified_at
        from binaryFile.`{{ path_glob }}`
    )
{%- endmacro %}
