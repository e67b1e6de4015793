{#- The raw lines of span files (`raw_lines`: a relation or subquery with
    source_file, file_size, file_modified_at, line_number, raw_line; see
    read_raw_lines) parsed in ONE pass into the staged records
    (stg_traces__parsed_records' columns): each line is classified once
    (blank, malformed, a JSON object, or a JSON array of objects whose
    elements are records), each record's top-level keys are read once and
    say its format (an object with `resourceSpans` is an OTLP batch, any
    other a flat span), an OTLP batch is exploded into its spans, and the
    envelope fields and attribute map are taken from that one parse (on
    DuckDB a record whose text cannot hold `resourceSpans` is read straight
    into its map, which gives its keys too). The
    map is cleaned here: JSON-string containers (var json_string_containers)
    flattened into prefixed keys, prompt/completion content keys (var
    content_attribute_patterns, one combined regular expression) dropped;
    both only for the few records that carry such a key, found by one test
    over the record's key list. Every row of the pass flows through one
    stream: array elements and OTLP spans are unnested in the select list, so
    no step reads the lines a second time (on DuckDB the lines of one batch
    are gathered in memory first, so they are parsed by one parallel scan).
    Used by the model (other engines) and by insert_parsed_records_in_batches
    (DuckDB, one statement per batch of files). -#}
{% macro parse_span_lines(raw_lines) -%}
    {{ return(adapter.dispatch('parse_span_lines', 'llm_spend_attribution')(raw_lines)) }}
{%- endmacro %}

{#- Without JSON functions no line is recognised as a span: every line is
    kept as a malformed (or blank) record, so quarantine shows it and the
    reconciliation counts it (nothing is lost). -#}
{% macro default__parse_span_lines(raw_lines) -%}
    (
        select
            source_file,
            file_size,
            file_modified_at,
            line_number,
            cast(null as {{ dbt.type_string() }}) as batch_position,
            case when raw_line is null or trim(raw_line) = '' then 'blank' else 'malformed' end as record_format,
            substring(raw_line, 1, {{ var('raw_record_max_chars', 2000) }}) as raw_record,
            {%- for column in staged_span_field_columns() %}
            cast(null as {{ dbt.type_string() }}) as {{ column }},
            {%- endfor %}
            {{ null_string_map() }} as attributes
        from {{ raw_lines }}
    )
{%- endmacro %}

{#- The top-level keys a flat span's fields are read from (first present
    wins; docs/attribution_rules.md), by staged column. They are span fields,
    not attributes: the attribute map holds every other top-level key
    (span_field_keys_all). trace_id, span_id and status_code also come from a
    nested `context` / `status` object, which stays in the map. -#}
{% macro span_field_keys() -%}
    {{ return({
        'raw_trace_id': ['trace_id', 'traceId'],
        'raw_span_id': ['span_id', 'spanId'],
        'raw_parent_span_id': ['parent_span_id', 'parentSpanId', 'parent_id'],
        'span_name': ['name', 'span', 'span_name'],
        'raw_span_kind': ['kind'],
        'raw_started_at': ['timestamp', 'start_time', 'startTime', 'startTimeUnixNano'],
        'raw_ended_at': ['end_time', 'endTime', 'endTimeUnixNano'],
        'raw_status_code': ['status_code']
    }) }}
{%- endmacro %}

{#- A staged record that is a span: a flat JSON span or a span of an OTLP
    batch, not a malformed or blank line. -#}
{% macro is_span_record(record_format='record_format') -%}
    {{ record_format }} in ('flat_json', 'otlp_json')
{%- endmacro %}

{#- Every key of span_field_keys, as one list. -#}
{% macro span_field_keys_all() -%}
    {%- set keys = [] -%}
    {%- for spellings in span_field_keys().values() -%}
        {%- do keys.extend(spellings) -%}
    {%- endfor -%}
    {{ return(keys) }}
{%- endmacro %}

{#- The span fields as written, carried unchanged from every format. -#}
{% macro staged_span_field_columns() -%}
    {{ return(span_field_keys().keys() | list) }}
{%- endmacro %}

{% macro duckdb__parse_span_lines(raw_lines) -%}
    {%- set containers = json_string_containers() -%}
    {%- set content_patterns = content_attribute_patterns() -%}
    {%- set content_pattern = '^(' ~ (content_patterns | join('|')) ~ ')' -%}
    {%- set max_chars = var('raw_record_max_chars', 2000) -%}
    {%- set batch_shape = '{"resourceSpans":[{"resource":{"attributes":"JSON"},'
        ~ '"scopeSpans":[{"scope":{"name":"VARCHAR","version":"VARCHAR"},"spans":["JSON"]}]}]}' -%}
    (
        with

        -- The batch's lines gathered once (in memory, bounded by the batch)
        -- and parsed by one parallel scan: parsed inside each file's own
        -- read (a union of one scan per file), the whole expression set was
        -- set up again for every file, ~10 ms a file, which doubled a batch
        -- of 100 files.
        raw_lines as materialized (
            select * from {{ raw_lines }}
        ),

        shaped_lines as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                raw_line,
                -- The usual line starts with `{`: it is an object when it is
                -- valid JSON (one parse), never blank (trim makes a copy).
                case
                    when raw_line is null then 'blank'
                    when starts_with(raw_line, '{') then case when json_valid(raw_line) then 'object' else 'malformed' end
                    when trim(raw_line) = '' then 'blank'
                    when {{ json_is_object('raw_line') }} then 'object'
                    when {{ may_be_json_array('raw_line') }} and {{ json_is_array_of_objects('raw_line') }}
                        then 'span_array'
                    else 'malformed'
                end as line_shape
            from raw_lines
        ),

        -- One row per record: the line, or each element of a JSON array of
        -- spans with its 0-based position.
        records as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                line_shape,
                unnest(
                    case
                        when line_shape = 'span_array'
                            then list_transform(
                                {{ duckdb__with_positions("json_extract(raw_line, '$[*]')") }},
                                lambda element: {'array_position': element[2], 'text': cast(element[1] as varchar)}
                            )
                        else [{'array_position': cast(null as bigint), 'text': raw_line}]
                    end
                ) as record
            from shaped_lines
        ),

        -- A record that cannot be an OTLP batch (its text never holds the
        -- key resourceSpans) is read straight into its map: one parse that
        -- also gives its keys. A repeated key gives no map (null), and such a
        -- record, like an OTLP batch, has its keys and values read by
        -- themselves; so does a record with a value that may be a number
        -- in exponent form (the map renders 1.5e-7 as 1.5e-07).
        read_maps as (
            select
                *,
                case
                    when
                        line_shape in ('object', 'span_array')
                        and not {{ duckdb__json_may_hold_key('record.text', 'resourceSpans') }}
                        then {{ duckdb__json_object_string_map('record.text') }}
                end as read_map
            from records
        ),

        mapped_records as (
            select
                * exclude (read_map),
                case when not {{ duckdb__map_has_exponent_number('read_map') }} then read_map end as record_map
            from read_maps
        ),

        -- The record's top-level keys, read once, say its format.
        keyed as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                record.array_position as array_position,
                record.text as record_text,
                record_map,
                top_keys,
                case
                    when line_shape in ('blank', 'malformed') then line_shape
                    when list_contains(top_keys, 'resourceSpans') then 'otlp_json'
                    else 'flat_json'
                end as record_format
            from (
                select
                    *,
                    case
                        when record_map is not null then map_keys(record_map)
                        when line_shape in ('object', 'span_array') then {{ json_top_level_keys('record.text') }}
                    end as top_keys
                from mapped_records
            ) as records_with_keys
        ),

        -- An OTLP batch as the list of its spans (resource and scope carried
        -- down, 0-based indexes); a batch without any span, and every other
        -- record, one null element, so each keeps exactly one row.
        batches as (
            select
                *,
                case
                    when record_format = 'otlp_json'
                        then json_transform(record_text, {{ dbt.string_literal(batch_shape) }}).resourceSpans
                end as resource_spans
            from keyed
        ),

        batched as (
            select
                * exclude (resource_spans),
                case
                    when record_format = 'otlp_json'
                        then flatten(list_transform(
                            {{ duckdb__with_positions('resource_spans') }},
                            lambda resource_span: flatten(list_transform(
                                {{ duckdb__with_positions('resource_span[1].scopeSpans') }},
                                lambda scope_span: list_transform(
                                    {{ duckdb__with_positions('scope_span[1].spans') }},
                                    lambda span: {
                                        'resource_index': resource_span[2],
                                        'scope_index': scope_span[2],
                                        'span_index': span[2],
                                        'resource_attributes': resource_span[1].resource.attributes,
                                        'scope_name': scope_span[1].scope.name,
                                        'scope_version': scope_span[1].scope.version,
                                        'span_json': span[1]
                                    }
                                )
                            ))
                        ))
                end as otlp_span_list
            from batches
        ),

        exploded as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                array_position,
                record_text,
                record_map,
                top_keys,
                record_format,
                unnest(case when len(otlp_span_list) > 0 then otlp_span_list else [null] end) as otlp_span
            from batched
        ),

        fields as (
            select
                *,
                case
                    when record_format = 'flat_json' and record_map is not null then map_values(record_map)
                    when record_format = 'flat_json' then {{ json_top_level_values('record_text') }}
                end as top_values,
                case when record_format = 'otlp_json' then {{ otlp_span_fields('otlp_span.span_json') }} end
                    as span
            from exploded
        ),

        -- An OTLP span's own and its resource's attributes as entry lists
        -- (typed values as text).
        otlp_entries as (
            select
                *,
                case
                    when record_format = 'otlp_json' then {{ otlp_attribute_entries('span.attributes') }}
                end as span_attribute_entries,
                case
                    when record_format = 'otlp_json' then {{ otlp_attribute_entries('otlp_span.resource_attributes') }}
                end as resource_attribute_entries
            from fields
        ),

        -- Envelope fields and attribute entries. A flat record without
        -- nested resource/attributes objects (the usual case) builds its map
        -- straight from its key and value lists (no entry list at all).
        parsed as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                case
                    when otlp_span.span_index is not null
                        then coalesce('[' || cast(array_position as varchar) || '].', '')
                        || 'resourceSpans[' || cast(otlp_span.resource_index as varchar)
                        || '].scopeSpans[' || cast(otlp_span.scope_index as varchar)
                        || '].spans[' || cast(otlp_span.span_index as varchar) || ']'
                    when array_position is not null then '[' || cast(array_position as varchar) || ']'
                end as batch_position,
                record_format,
                -- Only for lines that are not records (quarantine shows a
                -- rejected span as staged: stg_traces__span_records).
                case when not {{ is_span_record() }} then record_text end as raw_record,
                case
                    when record_format = 'flat_json' then coalesce(
                        {{ first_top_level_value(span_field_keys()['raw_trace_id']) }},
                        case
                            when {{ list_has('top_keys', "'context'") }}
                                then {{ json_get_string(json_get('record_text', 'context'), 'trace_id') }}
                        end
                    )
                    else span.traceid
                end as raw_trace_id,
                case
                    when record_format = 'flat_json' then coalesce(
                        {{ first_top_level_value(span_field_keys()['raw_span_id']) }},
                        case
                            when {{ list_has('top_keys', "'context'") }}
                                then {{ json_get_string(json_get('record_text', 'context'), 'span_id') }}
                        end
                    )
                    else span.spanid
                end as raw_span_id,
                case
                    when record_format = 'flat_json'
                        then {{ first_top_level_value(span_field_keys()['raw_parent_span_id']) }}
                    else span.parentspanid
                end as raw_parent_span_id,
                case
                    when record_format = 'flat_json' then {{ first_top_level_value(span_field_keys()['span_name']) }}
                    else span.name
                end as span_name,
                case
                    when record_format = 'flat_json' then {{ first_top_level_value(span_field_keys()['raw_span_kind']) }}
                    else span.kind
                end as raw_span_kind,
                case
                    when record_format = 'flat_json'
                        then {{ first_top_level_value(span_field_keys()['raw_started_at']) }}
                    else span.starttimeunixnano
                end as raw_started_at,
                case
                    when record_format = 'flat_json'
                        then {{ first_top_level_value(span_field_keys()['raw_ended_at']) }}
                    else span.endtimeunixnano
                end as raw_ended_at,
                case
                    when record_format = 'flat_json' then coalesce(
                        {{ first_top_level_value(span_field_keys()['raw_status_code']) }},
                        case
                            when {{ list_has('top_keys', "'status'") }}
                                then {{ json_get_string(json_get('record_text', 'status'), 'status_code') }}
                        end
                    )
                    else span.status.code
                end as raw_status_code,
                -- Later sources lose on a repeated key: flat attributes over
                -- top-level keys over resource; OTLP span attributes over
                -- scope over resource.
                -- Repeats are kept here and resolved on the column below (the
                -- resolution reads its list once per entry).
                case
                    when record_format = 'otlp_json' then {{ entries_concat([
                        'span_attribute_entries',
                        entry_list_of(["'otel.scope.name'", "'otel.scope.version'"],
                            ['otlp_span.scope_name', 'otlp_span.scope_version']),
                        'resource_attribute_entries'
                    ]) }}
                    when {{ list_has('top_keys', "'resource'") }} or {{ list_has('top_keys', "'attributes'") }}
                        then {{ entries_concat([
                            map_entry_list(json_to_string_map(json_get('record_text', 'attributes'))),
                            entries_without_keys(entries_from_lists('top_keys', 'top_values'), span_field_keys_all()),
                            map_entry_list(json_to_string_map(json_get('record_text', 'resource')))
                        ]) }}
                end as attribute_entries_with_repeats,
                record_map,
                top_keys,
                top_values
            from otlp_entries
        ),

        -- On a repeated key the first entry wins; the resolution only runs
        -- for the rare record that repeats one.
        resolved as (
            select
                * exclude (attribute_entries_with_repeats),
                case
                    when
                        len(attribute_entries_with_repeats)
                        = len(list_distinct({{ entry_keys('attribute_entries_with_repeats') }}))
                        then attribute_entries_with_repeats
                    else {{ entries_first_wins(['attribute_entries_with_repeats']) }}
                end as attribute_entries
            from parsed
        ),

        mapped as (
            select
                * exclude (attribute_entries, record_map, top_keys, top_values),
                case
                    when not {{ is_span_record() }} then {{ null_string_map() }}
                    when attribute_entries is not null then {{ map_from_entry_list('attribute_entries') }}
                    when record_map is not null then {{ map_without_keys('record_map', span_field_keys_all()) }}
                    -- A repeated top-level key gives no map (as a JSON object
                    -- with repeated keys does).
                    when len(top_keys) = len(list_distinct(top_keys))
                        then {{ map_without_keys('map(top_keys, top_values)', span_field_keys_all()) }}
                    else map()
                end as uncleaned_attributes,
                case
                    when attribute_entries is not null then {{ entry_keys('attribute_entries') }}
                    else top_keys
                end as attribute_keys
            from resolved
        ),

        -- Which records need a clean-up: a container key or a content key
        -- present (one test of the key list each; few records have either).
        flagged as (
            select
                *,
                {%- if containers | length > 0 %}
                coalesce({{ list_has_any_text('attribute_keys', containers) }}, false) as has_container,
                {%- else %}
                false as has_container,
                {%- endif %}
                {%- if content_patterns | length > 0 %}
                {{ list_any_matches_prefix('attribute_keys', content_patterns | join('|')) }} as has_content
                {%- else %}
                false as has_content
                {%- endif %}
            from mapped
        ),

        -- JSON-string containers flattened two levels deep into
        -- `<container>.<key>` and `<container>.<key>.<key>` entries (first
        -- one wins on a repeat; keys already present win below).
        {%- if containers | length > 0 %}
        flattened as (
            select
                *,
                case
                    when has_container
                        then flatten([{{ containers_entries('uncleaned_attributes', containers) | join(', ') }}])
                end as container_entries_with_repeats
            from flagged
        ),

        with_containers as (
            select
                * exclude (container_entries_with_repeats),
                case
                    when has_container then map_concat(
                        coalesce(map_from_entries({{ duckdb__first_key_wins('container_entries_with_repeats') }}), map()),
                        uncleaned_attributes
                    )
                    else uncleaned_attributes
                end as contained_attributes
            from flattened
        ),
        {%- else %}
        with_containers as (
            select
                *,
                uncleaned_attributes as contained_attributes
            from flagged
        ),
        {%- endif %}

        final as (
            select
                source_file,
                file_size,
                file_modified_at,
                line_number,
                batch_position,
                record_format,
                -- Longer text is never shown (quarantine truncates to this length).
                substring(raw_record, 1, {{ max_chars }}) as raw_record,
                {%- for column in staged_span_field_columns() %}
                {{ column }},
                {%- endfor %}
                -- Content keys dropped (a container's flattened keys too).
                {%- if content_patterns | length > 0 %}
                case
                    when has_container or has_content
                        then {{ map_drop_keys_matching('contained_attributes', content_pattern) }}
                    else contained_attributes
                end as attributes
                {%- else %}
                contained_attributes as attributes
                {%- endif %}
            from with_containers
        )

        select * from final
    )
{%- endmacro %}

{#- The list (null: empty) as [element, 0-based position] pairs, for
    single-parameter lambdas (`lambda pair: pair[1], pair[2]`). -#}
{% macro duckdb__with_positions(list_expr) -%}
    list_zip(coalesce({{ list_expr }}, []), range(len(coalesce({{ list_expr }}, []))))
{%- endmacro %}

{#- The JSON object (text) as a map of key -> value as text (strings
    unquoted, nested values as JSON text, JSON null as null: the values
    json_top_level_values gives), in document order; null when a key
    repeats. One parse. The text must be a valid JSON object. -#}
{% macro duckdb__json_object_string_map(json_expr) -%}
    json_transform({{ json_expr }}, '"MAP(VARCHAR, VARCHAR)"')
{%- endmacro %}

{#- True when a value of the string map (duckdb__json_object_string_map)
    reads like a number in exponent form: such a map renders a JSON number
    with DuckDB's cast (1.5e-07, 1e+21) where json_top_level_values writes it
    as JSON (1.5e-7, 1e21); every other value is the same text in both. A
    string value that looks the same also says true (callers then only take
    the exact path). -#}
{% macro duckdb__map_has_exponent_number(map_expr) -%}
    coalesce(regexp_matches(
        array_to_string(map_values({{ map_expr }}), chr(10)), '(?m)^-?[0-9]+(\.[0-9]+)?e[-+][0-9]+$'
    ), false)
{%- endmacro %}

{#- False only when the JSON text cannot hold the key: it is written
    neither as is nor with a \u escape anywhere in the text (a plain
    substring test, no parse). -#}
{% macro duckdb__json_may_hold_key(json_expr, key) -%}
    (contains({{ json_expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(key)) }}) or contains({{ json_expr }}, '\u'))
{%- endmacro %}
