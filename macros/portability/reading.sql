{#- Raw records of the span files, one row per physical line (JSON lines
    files, plain or .gz / .zst compressed) or per row (Parquet files), with
    the file name, the file's size and modification time captured BEFORE it
    was read (its identity: docs/nightly.md) and the 1-based line (row)
    number within its file. Reading lines as text (not JSON) lets malformed
    lines be kept and quarantined instead of silently skipped. Parquet rows
    arrive as one JSON object text each (their columns as keys), so they
    take the same flat-span path as a JSON line.
    `files` is the list of this run's files (traces_files_to_read): dicts
    with `path`, `size` and `modified_at`; an empty list reads nothing. Each
    file is read on its own so line numbers come straight from the scan: no
    window over all lines, which would hold every line in memory at once. -#}
{% macro read_raw_lines(files) -%}
    {{ return(adapter.dispatch('read_raw_lines', 'llm_spend_attribution')(files)) }}
{%- endmacro %}

{#- For each file (dicts with `path`), in order, true when it names a
    Parquet file (by extension). One call for a whole list: a macro call per
    file cost ~0.1-0.3 ms of Jinja, and a run's list is read four times. -#}
{% macro parquet_file_flags(files) -%}
    {%- set flags = [] -%}
    {%- for file in files -%}
        {%- do flags.append(modules.re.search('\\.parq(uet)?$', file.path | lower) is not none) -%}
    {%- endfor -%}
    {{ return(flags) }}
{%- endmacro %}

{#- The captured identity of each file (traces_files_to_read dicts), in
    order, as SQL literals: per file the select-list items file_size (bytes)
    and file_modified_at (UTC timestamp; its text holds no quote, so it is
    quoted as written). One call for the whole list, the
    types rendered once: a call per file cost ~0.6 ms of Jinja (two
    dispatched type macros and a literal), about 1 s for the 1,518 files of
    1M spans, on every full build. -#}
{% macro file_identity_columns(files) -%}
    {%- set bigint_type = dbt.type_bigint() -%}
    {%- set timestamp_type = dbt.type_timestamp() -%}
    {%- set columns = [] -%}
    {%- for file in files -%}
        {%- do columns.append(
            'cast(' ~ (file.size | int) ~ ' as ' ~ bigint_type ~ ') as file_size, '
            ~ "cast('" ~ file.modified_at ~ "' as " ~ timestamp_type ~ ') as file_modified_at'
        ) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro duckdb__read_raw_lines(files) -%}
    {%- set path_literals = text_literals(files | map(attribute='path') | list) -%}
    {%- set is_parquet = parquet_file_flags(files) -%}
    {%- set identities = file_identity_columns(files) -%}
    {%- set max_line_bytes = var('max_line_bytes', 67108864) -%}
    (
    {%- for file in files %}
        {%- set file_literal = path_literals[loop.index0] %}
        {%- if is_parquet[loop.index0] %}
        select
            {{ file_literal }} as source_file,
            {{ identities[loop.index0] }},
            parquet_row.file_row_number + 1 as line_number,
            -- The row as one JSON object. Patching an empty object with it
            -- drops null columns (a fixed Parquet schema writes absent keys
            -- as nulls) and the reader's row-number column.
            cast(json_merge_patch('{}', to_json(parquet_row), '{"file_row_number": null}') as varchar) as raw_line
        from read_parquet({{ file_literal }}, file_row_number = true) as parquet_row
        {%- else %}
        -- new_line '\r\n' ends a line at LF or CRLF (with '\n' DuckDB also
        -- ends one at each CR, numbering CRLF lines 1, 3, 5, ...); .gz and
        -- .zst files are decompressed (compression detected by extension).
        select
            {{ file_literal }} as source_file,
            {{ identities[loop.index0] }},
            ordinality as line_number,
            raw_line
        from read_csv(
            {{ file_literal }},
            columns = {'raw_line': 'VARCHAR'},
            delim = '\x1e',
            quote = '',
            escape = '',
            header = false,
            auto_detect = false,
            new_line = '\r\n',
            strict_mode = false,
            max_line_size = {{ max_line_bytes }},
            buffer_size = {{ 2 * max_line_bytes }}
        ) with ordinality
        {%- endif %}
        union all
    {%- endfor %}
        select
            cast(null as varchar) as source_file,
            cast(null as bigint) as file_size,
            cast(null as timestamp) as file_modified_at,
            cast(null as bigint) as line_number,
            cast(null as varchar) as raw_line
        where false
    )
{%- endmacro %}

{#- The file names traces_path stands for (docs/nightly.md): a glob as
    written; a path without glob characters is that file, or every
    supported span file under that directory, recursively. -#}
{% macro traces_path_globs(path) -%}
    {%- if modules.re.search('[*?\\[]', path) -%}
        {{ return([path]) }}
    {%- endif -%}
    {{ return([path, path.rstrip('/') ~ '/**']) }}
{%- endmacro %}

{#- A regular expression (anchored) matching exactly the file names
    traces_path stands for, also for files no longer on disk (so staged
    files outside the current traces_path can be told apart). Glob `**/`
    matches any run of folders, `*` and `?` stay within one folder, `[...]`
    is a character class; a plain path matches itself or a supported span
    file (JSONL, JSON, Parquet, optionally .gz / .zst) below it. -#}
{% macro traces_path_regex(path) -%}
    {%- set supported = '\\.(jsonl|ndjson|json|parquet|parq)(\\.(gz|zst))?' -%}
    {%- if not modules.re.search('[*?\\[]', path) -%}
        {%- set folder = modules.re.escape(path.rstrip('/')) -%}
        {{ return('^(' ~ modules.re.escape(path) ~ '|' ~ folder ~ '/(.*/)?[^/]*' ~ supported ~ ')$') }}
    {%- endif -%}
    {%- set ns = namespace(regex='^', position=0, in_class=false) -%}
    {%- for char in path -%}
        {%- if loop.index0 >= ns.position -%}
            {%- set rest = path[loop.index0:] -%}
            {%- if ns.in_class -%}
                {%- set ns.regex = ns.regex ~ (char if char != '\\' else '\\\\') -%}
                {%- set ns.in_class = char != ']' -%}
            {%- elif rest.startswith('**/') -%}
                {%- set ns.regex = ns.regex ~ '(.*/)?' -%}
                {%- set ns.position = loop.index0 + 3 -%}
            {%- elif rest.startswith('**') -%}
                {%- set ns.regex = ns.regex ~ '.*' -%}
                {%- set ns.position = loop.index0 + 2 -%}
            {%- elif char == '*' -%}
                {%- set ns.regex = ns.regex ~ '[^/]*' -%}
            {%- elif char == '?' -%}
                {%- set ns.regex = ns.regex ~ '[^/]' -%}
            {%- elif char == '[' -%}
                {%- set ns.regex = ns.regex ~ '[' -%}
                {%- set ns.in_class = true -%}
                {%- if rest[1:2] == '!' -%}
                    {%- set ns.regex = ns.regex ~ '^' -%}
                    {%- set ns.position = loop.index0 + 2 -%}
                {%- endif -%}
            {%- else -%}
                {%- set ns.regex = ns.regex ~ modules.re.escape(char) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(ns.regex ~ '$') }}
{%- endmacro %}

{#- The span files' path as the engine names the files it lists: var
    traces_path as given, except where a relative path is listed under
    absolute names (Spark), whose version makes it absolute so the names
    match traces_path_regex. -#}
{% macro traces_path() -%}
    {{ return(adapter.dispatch('traces_path', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__traces_path() -%}
    {{ return(configured_traces_path()) }}
{%- endmacro %}

{#- The span files as configured: var traces_path where the run sets it,
    else env LLM_SPEND_TRACES_PATH, else the bundled sample. The environment
    is for whatever starts many runs on other landing paths (a scheduler,
    the test suite): a new --vars value makes dbt parse the whole project
    again (about 13 s), a new environment value nothing. The environment is
    read only while dbt runs or compiles (execute): what dbt parses (refs,
    configs) never depends on the path, and an env_var read while parsing
    would make dbt parse the models that read it again (~4 s) each time the
    value changes. -#}
{% macro configured_traces_path() -%}
    {%- set from_vars = var('traces_path', none) -%}
    {%- set default_path = 'data/sample/*.jsonl' -%}
    {%- if from_vars is not none -%}
        {{ return(from_vars) }}
    {%- endif -%}
    {{ return(env_var('LLM_SPEND_TRACES_PATH', default_path) if execute else default_path) }}
{%- endmacro %}

{#- True (SQL) when the file name in `source_file_expr` falls under the
    current traces path, whether or not the file is still on disk. -#}
{% macro is_under_traces_path(source_file_expr) -%}
    {{ regex_matches(source_file_expr, traces_path_regex(traces_path())) }}
{%- endmacro %}

{#- A subquery: the distinct files of `relation` (its source_file column)
    that fall under the current traces path, each tested once. For a
    filter `source_file in (...)` over many records per file, where the
    regular expression on every record costs more than the semi-join (10M
    spans: 1.1 s against 0.1 s). Tested on an aggregate of the file: on the
    group key DuckDB pushes the test down to every record again. -#}
{% macro files_under_traces_path(relation) -%}
    (
        select listed.source_file
        from {{ relation }} as listed
        group by listed.source_file
        having {{ is_under_traces_path('min(listed.source_file)') }}
    )
{%- endmacro %}

{#- Size and modification time of every file traces_path stands for
    (metadata only: the files are not read). Columns source_file,
    file_size, file_modified_at (UTC timestamp). -#}
{% macro list_trace_files(path) -%}
    {{ return(adapter.dispatch('list_trace_files', 'llm_spend_attribution')(path)) }}
{%- endmacro %}

{% macro duckdb__list_trace_files(path) -%}
    (
        select
            filename as source_file,
            size as file_size,
            cast(timezone('UTC', last_modified) as timestamp) as file_modified_at
        from read_blob([
            {%- for path_glob in traces_path_globs(path) -%}
                {{ dbt.string_literal(dbt.escape_single_quotes(path_glob)) }}{{ ", " if not loop.last }}
            {%- endfor -%}
        ])
        where {{ regex_matches('filename', traces_path_regex(path)) }}
    )
{%- endmacro %}
