{#- MAP access and merging, dispatched per engine. -#}

{% macro map_get(map_expr, key) -%}
    {{ return(adapter.dispatch('map_get', 'llm_spend_attribution')(map_expr, key)) }}
{%- endmacro %}

{% macro default__map_get(map_expr, key) -%}
    {{ map_expr }}[{{ dbt.string_literal(dbt.escape_single_quotes(key)) }}]
{%- endmacro %}

{#- The map without the entries whose key matches the regular expression. -#}
{% macro map_drop_keys_matching(map_expr, pattern) -%}
    {{ return(adapter.dispatch('map_drop_keys_matching', 'llm_spend_attribution')(map_expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__map_drop_keys_matching(map_expr, pattern) -%}
    map_from_entries(list_filter(
        map_entries({{ map_expr }}),
        lambda entry: not regexp_matches(entry.key, {{ dbt.string_literal(dbt.escape_single_quotes(pattern)) }})
    ))
{%- endmacro %}

{#- Attributes whose value is a JSON object held as a string (OpenInference
    `metadata`, `langfuse.observation.usage_details`, ...) flattened two
    levels deep into `<container>.<key>` and `<container>.<key>.<key>`
    entries. Keys already present win over flattened ones; the first
    flattened entry wins over later ones. Text that is not a JSON object
    adds nothing. -#}
{% macro flatten_json_string_containers(map_expr, containers) -%}
    {{ return(adapter.dispatch('flatten_json_string_containers', 'llm_spend_attribution')(map_expr, containers)) }}
{%- endmacro %}

{% macro duckdb__json_text_entries(text_expr) -%}
    map_entries({{ json_to_string_map('case when json_valid(' ~ text_expr ~ ') then cast(' ~ text_expr ~ ' as json) end') }})
{%- endmacro %}

{% macro duckdb__flatten_json_string_containers(map_expr, containers) -%}
    {%- if containers | length == 0 -%}
        {{ map_expr }}
    {%- else -%}
    {#- One flatten over the parts (not nested list_concat calls): the SQL
        stays shallow enough for sqlfluff to parse. -#}
    map_concat(
        coalesce(map_from_entries({{ duckdb__first_key_wins(
            'flatten([' ~ (containers_entries(map_expr, containers) | join(', ')) ~ '])'
        ) }}), map()),
        {{ map_expr }}
    )
    {%- endif -%}
{%- endmacro %}

{#- The flattened entries of each container, as SQL list expressions. -#}
{% macro containers_entries(map_expr, containers) -%}
    {%- set parts = [] -%}
    {%- for container in containers -%}
        {%- set value = map_get(map_expr, container) -%}
        {%- set prefix = dbt.string_literal(dbt.escape_single_quotes(container ~ '.')) -%}
        {%- set level_1 = duckdb__json_text_entries(value) -%}
        {%- do parts.append(
            'list_transform(' ~ level_1 ~ ", lambda e1: {'key': " ~ prefix ~ " || e1.key, 'value': e1.value})"
        ) -%}
        {%- do parts.append(
            'flatten(list_transform(' ~ level_1 ~ ', lambda e1: list_transform('
            ~ duckdb__json_text_entries('e1.value')
            ~ ", lambda e2: {'key': " ~ prefix ~ " || e1.key || '.' || e2.key, 'value': e2.value})))"
        ) -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}

{#- A list of {key, value} entries (map_entry_list, entries_without_keys)
    as text, sorted by key, so equal maps give equal text whatever their
    insertion order; '[]' for none. The entries are sorted as they are, not
    rebuilt into a map first: 588K spans' fingerprints took 2.4-2.9 s against
    5.3-6.9 s (10M spans; BENCHMARKS.md, stop 56). -#}
{% macro sorted_entries_text(entries_expr) -%}
    {{ return(adapter.dispatch('sorted_entries_text', 'llm_spend_attribution')(entries_expr)) }}
{%- endmacro %}

{% macro duckdb__sorted_entries_text(entries_expr) -%}
    coalesce(cast(list_sort({{ entries_expr }}) as varchar), '[]')
{%- endmacro %}

{#- One row per (row of `relation`, key of its map column): the given
    columns plus `attribute_key`. -#}
{% macro explode_map_keys(relation, map_column, columns) -%}
    {{ return(adapter.dispatch('explode_map_keys', 'llm_spend_attribution')(relation, map_column, columns)) }}
{%- endmacro %}

{% macro duckdb__explode_map_keys(relation, map_column, columns) -%}
    (
        select
            {%- for column in columns %}
            {{ column }},
            {%- endfor %}
            unnest(map_keys({{ map_column }})) as attribute_key
        from {{ relation }}
    )
{%- endmacro %}

{#- A null of the attribute map type (text keys and values). -#}
{% macro null_string_map() -%}
    {{ return(adapter.dispatch('null_string_map', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro duckdb__null_string_map() -%}
    cast(null as map(varchar, varchar))
{%- endmacro %}

{#- The value of a MAP at a key given as a SQL expression (a column; null
    when the key is null or absent). DuckDB and Spark both index a map by
    an expression. -#}
{% macro map_value_at(map_expr, key_expr) -%}
    {{ return(adapter.dispatch('map_value_at', 'llm_spend_attribution')(map_expr, key_expr)) }}
{%- endmacro %}

{% macro default__map_value_at(map_expr, key_expr) -%}
    {{ map_expr }}[{{ key_expr }}]
{%- endmacro %}

{#- A guard that skips a row's look-ups when its MAP carries none of the
    literal keys (a Jinja list; false for none): true when it holds any of
    them. On DuckDB a long key list is tested with one regular expression
    over the keys joined by U+001F (RE2 matches in one pass over the text,
    however many keys): on 10M spans 2.8 s against 7.6 s for the 83 look-ups
    of the execution-field aliases (stop 39). A short one (at most
    map_key_tests_max keys) is tested key by key with map_contains, which
    skips building the joined text: on 3M spans 0.26 s against 1.05 s for
    the 4 usage-text keys, 0.56 s against 0.94 s for 16 keys, 1.8 s against
    0.9 s for 84 (stop 41). Either way it is also true for a key held with a
    null value, so it only guards look-ups that test the values themselves.
    default__: one look-up per key (a non-null value). -#}
{% macro map_has_any_key(map_expr, keys) -%}
    {%- if keys | length == 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {{ return(adapter.dispatch('map_has_any_key', 'llm_spend_attribution')(map_expr, keys)) }}
{%- endmacro %}

{% macro default__map_has_any_key(map_expr, keys) -%}
    (
        {%- for key in keys %}
        {{ "or " if not loop.first }}{{ map_get(map_expr, key) }} is not null
        {%- endfor %}
    )
{%- endmacro %}

{#- The longest key list duckdb__map_has_any_key tests key by key. -#}
{% macro map_key_tests_max() -%}
    {{ return(16) }}
{%- endmacro %}

{% macro duckdb__map_has_any_key(map_expr, keys) -%}
    {%- if keys | length <= map_key_tests_max() -%}
    coalesce(
        {%- for key in keys %}
        {{ "or " if not loop.first }}map_contains({{ map_expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(key)) }})
        {%- endfor %},
        false
    )
    {%- else -%}
    {%- set alternatives = [] -%}
    {%- for key in keys -%}
        {%- do alternatives.append(modules.re.escape(key)) -%}
    {%- endfor -%}
    coalesce(
        {{ regex_matches(
            'array_to_string(map_keys(' ~ map_expr ~ '), chr(31))',
            '(^|\\x1f)(' ~ (alternatives | join('|')) ~ ')(\\x1f|$)'
        ) }},
        false
    )
    {%- endif -%}
{%- endmacro %}

{#- A staged record shown as JSON text: an object of the given fields (a list
    of [name, text expression] pairs, JSON null when null) followed by
    `attributes`, the map with its entries sorted by key. Quarantine shows a
    rejected span this way, so staging keeps no raw text of span records;
    DuckDB and Spark write the same text for the same values. -#}
{% macro staged_record_json(fields, map_expr) -%}
    {{ return(adapter.dispatch('staged_record_json', 'llm_spend_attribution')(fields, map_expr)) }}
{%- endmacro %}

{% macro duckdb__staged_record_json(fields, map_expr) -%}
    cast(to_json(struct_pack(
        {%- for name, expr in fields %}
        "{{ name }}" := {{ expr }},
        {%- endfor %}
        "attributes" := map_from_entries(list_sort(map_entries({{ map_expr }})))
    )) as varchar)
{%- endmacro %}

{#- The map without the given keys (a list of key texts, matched exactly):
    its entries filtered (entries_without_keys), so every engine that has
    the entry macros has it. -#}
{% macro map_without_keys(map_expr, keys) -%}
    {{ map_from_entry_list(entries_without_keys(map_entry_list(map_expr), keys)) }}
{%- endmacro %}
