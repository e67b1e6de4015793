{#- Spark SQL version of read_raw_lines (macros/portability/reading.sql).
    The text source gives one row per line (\n, \r\n or \r ends a line) but
    no line number. monotonically_increasing_id() grows in scan order within
    a task and a file's splits are scanned by tasks in offset order, so its
    rank per file is the line's position: exact when a file is read by one
    task (files below spark.sql.files.maxPartitionBytes, which the profile
    raises to 1 GB) and in order otherwise. The source file is a URI
    (file:/abs/path); the scheme is dropped and %-escapes decoded so local
    paths read as on DuckDB. -#}
{% macro spark__read_raw_lines(path_glob) -%}
    (
        select
            regexp_replace(url_decode(input_file_name()), '^file:(//)?', '') as source_file,
            monotonically_increasing_id() as scan_position,
            value as raw_line
        from text.`{{ path_glob }}`
    )
{%- endmacro %}
