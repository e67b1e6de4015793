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

{#- A path inside a Hadoop glob: glob characters escaped with a backslash,
    backticks doubled (the path sits in a quoted identifier). -#}
{% macro spark__glob_escaped(path) -%}
    {%- set ns = namespace(text=path | replace('\\', '\\\\')) -%}
    {%- for char in ['{', '}', '[', ']', '*', '?', ','] -%}
        {%- set ns.text = ns.text | replace(char, '\\' ~ char) -%}
    {%- endfor -%}
    {{ ns.text | replace('`', '``') }}
{%- endmacro %}

{#- files: the list of files of this run (traces_files_to_read: dicts with
    absolute `path`, as list_trace_files gives them on Spark, and the
    captured `size` and `modified_at`). JSON lines files are read in one text
    scan (a Hadoop glob `/{a,b,...}` naming each file), numbered per file by
    scan order and joined to their captured identity; Parquet files are read
    one by one, each row as a JSON object (to_json drops null fields, as
    DuckDB's version does), numbered by the reader's row index. An empty
    list reads nothing. -#}
{% macro spark__read_raw_lines(files) -%}
    {%- set text_files = [] -%}
    {%- set parquet_files = [] -%}
    {%- set is_parquet = parquet_file_flags(files) -%}
    {%- for file in files -%}
        {%- if not file.path.startswith('/') -%}
            {{ exceptions.raise_compiler_error('spark__read_raw_lines needs absolute paths, got ' ~ file.path) }}
        {%- endif -%}
        {%- do (parquet_files if is_parquet[loop.index0] else text_files).append(file) -%}
    {%- endfor -%}
    (
    {%- if text_files | length > 0 %}
        select
            scanned.source_file,
            identities.file_size,
            identities.file_modified_at,
            row_number() over (partition by scanned.source_file order by scanned.scan_position) as line_number,
            scanned.raw_line
        from (
            select
                {{ spark__local_path('input_file_name()') }} as source_file,
                monotonically_increasing_id() as scan_position,
                value as raw_line
            from text.`/{{ '{' }}{% for file in text_files %}{{ spark__glob_escaped(file.path[1:]) }}{{ "," if not loop.last }}{% endfor %}{{ '}' }}`
        ) as scanned
        inner join (
            {%- set text_identities = file_identity_columns(text_files) %}
            {%- for file in text_files %}
            select {{ text_literal(file.path) }} as source_file, {{ text_identities[loop.index0] }}
            {{ "union all" if not loop.last }}
            {%- endfor %}
        ) as identities
            on scanned.source_file = identities.source_file
        union all
    {%- endif %}
    {%- set parquet_identities = file_identity_columns(parquet_files) %}
    {%- for file in parquet_files %}
        select
            {{ text_literal(file.path) }} as source_file,
            {{ parquet_identities[loop.index0] }},
            _metadata.row_index + 1 as line_number,
            to_json(struct(*)) as raw_line
        from parquet.`{{ spark__glob_escaped(file.path) }}`
        union all
    {%- endfor %}
        select
            cast(null as string) as source_file,
            cast(null as bigint) as file_size,
            cast(null as timestamp) as file_modified_at,
            cast(null as bigint) as line_number,
            cast(null as string) as raw_line
        where false
    )
{%- endmacro %}

{#- The binaryFile source lists files with size and modification time; the
    content column is not selected, so the files are not read. -#}
{#- Files outside what traces_path stands for (traces_path_regex) are
    dropped. A directory is listed as the path source lists it (its files,
    not sub-folders: the SQL path source takes no recursiveFileLookup). -#}
{% macro spark__list_trace_files(path) -%}
    (
        select * from (
            select
                {{ spark__local_path('path', encoded=false) }} as source_file,
                length as file_size,
                cast(modificationTime as timestamp) as file_modified_at
            from binaryFile.`{{ path }}`
        ) as listed
        where {{ regex_matches('source_file', traces_path_regex(path)) }}
    )
{%- endmacro %}

{#- Spark resolves a relative path against the driver's working directory
    and lists it under absolute names (file:/abs/...), so a relative
    traces_path is made absolute from that directory (Java's user.dir), and
    names, regex and the text/Parquet reads (which need absolute paths) all
    agree. A leading `./` is dropped; a URI (`scheme:...`) is kept as is. -#}
{% macro spark__traces_path() -%}
    {%- set path = modules.re.sub('^(\\./)+', '', configured_traces_path()) -%}
    {%- if path.startswith('/') or ':' in path.split('/')[0] or not execute -%}
        {{ return(path) }}
    {%- endif -%}
    {%- set cwd = run_query("select reflect('java.lang.System', 'getProperty', 'user.dir')").columns[0].values()[0] -%}
    {{ return(cwd.rstrip('/') ~ '/' ~ path) }}
{%- endmacro %}
