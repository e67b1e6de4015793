{#- Every span record from every supported format, typed, with the reason it
    cannot be used (null when it can) and its rank among copies of the same
    (trace_id, span_id) in landing order (file modification time, then path).
    Only files under the current traces_path. Attribute maps are cleaned here
    once for everything downstream: JSON-string containers are flattened into prefixed keys and
    prompt/completion content keys are dropped. The model, provider and
    token aliases are resolved here, once (the first non-blank alias, and
    its key): request and response model as sent, the provider put on one
    spelling, token counts validated and put on one convention (input includes
    cache tokens, output includes reasoning tokens); counts that only sit
    in LiteLLM's Python-repr usage text, on the span or on its raw-request
    child span, come last (seeds usage_text_keys / usage_text_fields). Reason codes:
    docs/bad_input.md.
    One stream over the staged records: nothing of every span is copied
    into memory; the duplicate ranking derives again only the records whose
    (trace_id, span_id) repeats, found first from the ids alone.
    Rebuilt per trace on nightly runs (trace_rebuild_config): only the
    records of the traces in stg_traces__affected_traces are read and
    replaced, and every record without a trace id (their copies are ranked
    together). -#}
{{ config(**trace_rebuild_config('trace_id', with_missing_trace_id=true)) }}
-- The days its rows held before this run's rebuild are read first (the
-- aggregates rebuilt by period rebuild them, docs/nightly.md).
-- depends_on: {{ ref('stg_traces__affected_days') }}
{%- set reads_every_record = rebuilds_every_trace() -%}
{#- Taken on every parse (it refs the affected list), used on a night only. -#}
{%- set in_night_traces = in_rebuilt_traces(normalize_hex_id('raw_trace_id')) -%}
{%- set token_fields = token_count_fields() -%}
{%- set exclusive = token_exclusive_sources() -%}
{%- set usage_text = usage_text_aliases() -%}
{%- set usage_text_fields = usage_text.get('fields', {}) -%}
{%- set usage_text_span_keys = usage_text.get('span_keys', []) -%}
{%- set usage_text_child_keys = usage_text.get('child_span_keys', []) -%}
{#- The execution fields read from alias keys here, and every key they name. -#}
{%- set alias_fields = ['provider', 'response_model', 'request_model'] + token_fields -%}
{%- set execution_alias_keys = [] -%}
{%- for field in alias_fields -%}
    {%- for alias in field_aliases(field) if alias not in execution_alias_keys -%}
        {%- do execution_alias_keys.append(alias) -%}
    {%- endfor -%}
{%- endfor -%}
{#- A record a night reads (the test in the comment above parsed_records). -#}
{%- set night_record -%}
    {{ is_span_record() }}
    and case
        when
            {{ normalize_hex_id('raw_trace_id') }} is null
            or {{ in_night_traces }}
            then {{ is_under_traces_path('source_file') }}
        else false
    end
{%- endset -%}
-- Jinja loops generate most columns here; sqlfluff's layout rules misread
-- their rendered indentation (it parses the model: no PRS exemption).
-- noqa: disable=LT02,LT05
with

-- Only files under the current traces_path: the marts describe it alone
-- (files staged under an earlier traces_path stay staged, unbilled). Only
-- the records of the traces this run rebuilds (every record on a full
-- build). The path is tested once per file when the run reads every record
-- (a materialized list of a few rows, instead of a regular expression on
-- every record in each of the three scans below: 10M spans, ~1.5 s of
-- ~44). A night tests it only on the records of its rebuilt traces: in one
-- expression with the trace test, DuckDB evaluates it after the join on
-- the affected list, not on every record of the history (10M spans on 30
-- days: ~0.6 s of ~5; joined to the list of files, the model took 2-3 s
-- more).
{%- if reads_every_record %}
files_under_traces_path as {{ cte_materialize_hint() }} (
    select listed_files.source_file
    from {{ files_under_traces_path(ref('stg_traces__parsed_records')) }} as listed_files
),

parsed_records as {{ cte_inline_hint() }} (
    select * from {{ ref('stg_traces__parsed_records') }}
    where
        {{ is_span_record() }}
        and source_file in (select files_under_traces_path.source_file from files_under_traces_path)
),
{%- else %}
-- A night's records are few: found on the columns the test names, read
-- whole only then, and computed once for the two reads below (10M spans on
-- 30 days: the night's select 5.2-5.7 s against 3.4-3.8 s).
parsed_records as {{ cte_materialize_hint() }} (
    {{ select_rows_where(ref('stg_traces__parsed_records'), night_record) }}
),
{%- endif %}

-- The ids normalised once here, for the copy count below and every later
-- step.
cleaned as {{ cte_inline_hint() }} (
    select
        source_file,
        file_modified_at,
        line_number,
        batch_position,
        record_format,
        raw_trace_id,
        raw_span_id,
        raw_parent_span_id,
        span_name,
        raw_span_kind,
        raw_started_at,
        raw_ended_at,
        raw_status_code,
        attributes,
        {{ normalize_hex_id('raw_trace_id') }} as trace_id,
        {{ normalize_hex_id('raw_span_id') }} as span_id,
        {{ normalize_hex_id('raw_parent_span_id') }} as parent_span_id
    from parsed_records
),

-- The (trace_id, span_id) keys held by more than one record, counted on the
-- ids alone: only their records can be copies, so the duplicate ranking
-- below derives (again) only those few records, never every span. Computed
-- once (a few keys); everything that reads it stays inlined.
repeated_ids as {{ cte_materialize_hint() }} (
    select
        trace_id,
        span_id,
        true as has_copies
    from cleaned
    group by trace_id, span_id
    having count(*) > 1
),

-- Whether the record's ids repeat, whether it carries any key an execution
-- field is read from, and any usage-text key (most spans: edge, gateway,
-- router, agent, carry none; one look-up per key, which skips the reads
-- below for them).
flagged as {{ cte_inline_hint() }} (
    select
        cleaned.*,
        coalesce(repeated_ids.has_copies, false) as has_copies,
        {{ map_has_any_key('cleaned.attributes', execution_alias_keys) }} as has_execution_alias,
        {{ map_has_any_key('cleaned.attributes', usage_text_span_keys + usage_text_child_keys) }}
        as has_usage_text
    from cleaned
    left join repeated_ids
        on cleaned.trace_id is not distinct from repeated_ids.trace_id
        and cleaned.span_id is not distinct from repeated_ids.span_id
),

-- Which alias key supplies each execution field, looked up once per field
-- (the value is then read at that key).
alias_keys as {{ cte_inline_hint() }} (
    select
        *,
        {%- for field in alias_fields %}
            case
                when has_execution_alias then {{ coalesce_aliases_source('attributes', field) }}
            end as {{ field }}_alias_key,
        {%- endfor %}
        {{ map_get('attributes', 'server.address') }} as server_address
    from flagged
),

-- Read twice (child_usage, with_child_usage): scanned again with only the
-- columns each needs, never copied whole (DuckDB inlines it without the hint
-- today, since it holds no aggregate; the hint keeps it so).
aliased as {{ cte_inline_hint() }} (
    select
        {{ map_value_at('attributes', 'provider_alias_key') }} as raw_provider,
        provider_alias_key as raw_provider_source_key,
        {{ map_value_at('attributes', 'response_model_alias_key') }} as raw_response_model,
        response_model_alias_key as response_model_source_key,
        {{ map_value_at('attributes', 'request_model_alias_key') }} as raw_request_model,
        request_model_alias_key as request_model_source_key,
        {%- for field in token_fields %}
            {%- set text_names = usage_text_fields.get(field, []) %}
            {%- if text_names | length > 0 and usage_text_span_keys | length > 0 %}
                coalesce(
                    {{ map_value_at('attributes', field ~ '_alias_key') }},
                    case when has_usage_text then {{ usage_text_count('attributes', usage_text_span_keys, text_names) }} end
                ) as raw_{{ field }},
                coalesce(
                    {{ field }}_alias_key,
                    case
                        when has_usage_text
                            then {{ usage_text_count_source('attributes', usage_text_span_keys, text_names) }}
                    end
                ) as {{ field }}_source_key,
            {%- else %}
                {{ map_value_at('attributes', field ~ '_alias_key') }} as raw_{{ field }},
                {{ field }}_alias_key as {{ field }}_source_key,
            {%- endif %}
            {%- if text_names | length > 0 and usage_text_child_keys | length > 0 %}
                -- For the parent span (the call), not for this one.
                case
                    when has_usage_text then {{ usage_text_count('attributes', usage_text_child_keys, text_names) }}
                end as for_parent_{{ field }},
                case
                    when has_usage_text
                        then {{ usage_text_count_source('attributes', usage_text_child_keys, text_names, 'child span ') }}
                end
                as for_parent_{{ field }}_source_key,
            {%- endif %}
        {%- endfor %}
        *
    from alias_keys
),

{%- set child_fields = [] %}
{%- for field in token_fields %}
    {%- if usage_text_fields.get(field, []) | length > 0 and usage_text_child_keys | length > 0 %}
        {%- do child_fields.append(field) %}
    {%- endif %}
{%- endfor %}

{%- if child_fields | length > 0 %}

-- Counts a child span holds for its parent call (LiteLLM's
-- raw_gen_ai_request under litellm_request): few spans carry them, so the
-- join below matches a handful of rows. The largest count wins when
-- several children (or copies of one) report.
child_usage as (
    select
        trace_id as child_trace_id,
        parent_span_id as child_parent_span_id,
        {%- for field in child_fields %}
            max(for_parent_{{ field }}_number) as child_{{ field }}_number,
            min(for_parent_{{ field }}_source_key) as child_{{ field }}_source_key{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            trace_id,
            parent_span_id,
            {%- for field in child_fields %}
                {{ try_cast_decimal('for_parent_' ~ field) }} as for_parent_{{ field }}_number,
                for_parent_{{ field }}_source_key{{ "," if not loop.last }}
            {%- endfor %}
        from aliased
        where
            parent_span_id is not null
            and (
                {%- for field in child_fields %}
                    for_parent_{{ field }} is not null{{ " or" if not loop.last }}
                {%- endfor %}
            )
    ) as child_counts
    group by trace_id, parent_span_id
),

with_child_usage as {{ cte_inline_hint() }} (
    select
        aliased.*,
        {%- for field in child_fields %}
            child_usage.child_{{ field }}_number,
            child_usage.child_{{ field }}_source_key{{ "," if not loop.last }}
        {%- endfor %}
    from aliased
    left join child_usage
        on aliased.trace_id = child_usage.child_trace_id
        and aliased.span_id = child_usage.child_parent_span_id
),
{%- endif %}

typed as (
    select
        has_copies,
        source_file,
        file_modified_at,
        line_number,
        batch_position,
        record_format,
        raw_trace_id,
        raw_span_id,
        raw_parent_span_id,
        raw_started_at,
        raw_ended_at,
        raw_status_code,
        attributes,
        span_name,
        trace_id,
        span_id,
        parent_span_id,
        raw_span_kind,
        {{ normalize_span_kind('raw_span_kind') }} as span_kind,
        {{ normalize_status_code('raw_status_code') }} as status_code,
        coalesce(
            {{ nonblank(map_get('attributes', 'service.name')) }},
            {{ nonblank(map_get('attributes', 'service')) }}
        ) as service_name,
        {{ parse_span_timestamp('raw_started_at') }} as started_at,
        {{ parse_span_timestamp('raw_ended_at') }} as ended_at,
        raw_request_model as request_model,
        request_model_source_key,
        raw_response_model as response_model,
        response_model_source_key,
        coalesce(
            {{ normalize_provider('raw_provider') }},
            {{ infer_provider('server_address', 'raw_response_model', 'raw_request_model') }}
        ) as provider,
        coalesce(
            case
                when {{ normalize_provider('raw_provider') }} is not null
                    then raw_provider_source_key
            end,
            {{ infer_provider_source('server_address', 'raw_response_model', 'raw_request_model') }}
        ) as provider_source_key,
        {%- for field in token_fields %}
            {%- if field in child_fields %}
                coalesce(raw_{{ field }}, cast(child_{{ field }}_number as {{ dbt.type_string() }})) as raw_{{ field }},
                coalesce({{ try_cast_decimal('raw_' ~ field) }}, child_{{ field }}_number) as {{ field }}_number,
                case
                    when raw_{{ field }} is not null then {{ field }}_source_key
                    else child_{{ field }}_source_key
                end as {{ field }}_source_key{{ "," if not loop.last }}
            {%- else %}
                raw_{{ field }},
                {{ try_cast_decimal('raw_' ~ field) }} as {{ field }}_number,
                {{ field }}_source_key{{ "," if not loop.last }}
            {%- endif %}
        {%- endfor %}
    from {{ 'with_child_usage' if child_fields | length > 0 else 'aliased' }}
),

token_checked as (
    select
        *,
        case
            {%- for field in token_fields %}
                when raw_{{ field }} is not null and {{ field }}_number is null
                    then 'token_count_not_numeric'
                when {{ field }}_number < 0 then 'token_count_negative'
                when {{ field }}_number != floor({{ field }}_number) then 'token_count_fractional'
                when {{ field }}_number > {{ var('max_token_count', 100000000) }}
                    then 'token_count_above_ceiling'
            {%- endfor %}
        end as token_reason,
        {%- for field in ['input_tokens', 'output_tokens'] %}
            {%- set sources = exclusive.get(field, []) %}
            coalesce(
                {%- if sources | length > 0 %}
                    {%- for source in sources %}
                        ({{ field }}_source_key = {{ dbt.string_literal(dbt.escape_single_quotes(source['source_key'])) }}
                        {%- if source.get('provider', '*') != '*' %}
                            and provider = {{ dbt.string_literal(dbt.escape_single_quotes(source['provider'])) }}
                        {%- endif %}){{ " or" if not loop.last }}
                    {%- endfor %}
                {%- else %}
                    false
                {%- endif %},
                false
            ) as is_{{ field }}_exclusive{{ "," if not loop.last }}
        {%- endfor %}
    from typed
),

tokens as (
    select
        *,
        -- One convention: input includes cache read + write, output includes
        -- reasoning. Sources listed in seed token_exclusive_sources report
        -- them apart and are completed here, exactly once.
        (case when token_reason is null then cast(input_tokens_number as bigint) end)
        + case
            when is_input_tokens_exclusive
                then coalesce((case when token_reason is null then cast(cache_read_tokens_number as bigint) end), 0)
                + coalesce((case when token_reason is null then cast(cache_write_tokens_number as bigint) end), 0)
            else 0
        end as input_tokens,
        (case when token_reason is null then cast(output_tokens_number as bigint) end)
        + case
            when is_output_tokens_exclusive
                then coalesce((case when token_reason is null then cast(reasoning_tokens_number as bigint) end), 0)
            else 0
        end as output_tokens,
        (case when token_reason is null then cast(cache_read_tokens_number as bigint) end) as cache_read_tokens,
        (case when token_reason is null then cast(cache_write_tokens_number as bigint) end) as cache_write_tokens,
        (case when token_reason is null then cast(reasoning_tokens_number as bigint) end) as reasoning_tokens
    from token_checked
),

-- Read twice (copies, with_first_copy), inlined (never copied whole): the
-- copies read only the records of repeated ids.
validated as {{ cte_inline_hint() }} (
    select
        *,
        case
            when record_format = 'otlp_json' and (batch_position is null or batch_position not like '%.spans[%')
                then 'otlp_batch_without_spans'
            when trace_id is null then 'missing_trace_id'
            when span_id is null then 'missing_span_id'
            when raw_started_at is null or trim(raw_started_at) = ''
                then 'missing_timestamp'
            when started_at is null then 'unparseable_timestamp'
            when started_at < cast({{ dbt.string_literal(var('earliest_span_timestamp', '2000-01-01')) }} as {{ dbt.type_timestamp() }})
                then 'timestamp_before_horizon'
            when started_at > {{ dbt.dateadd(
                'hour', var('max_future_skew_hours', 24), 'cast(' ~ dbt.current_timestamp() ~ ' as ' ~ dbt.type_timestamp() ~ ')'
            ) }}
                then 'timestamp_in_future'
            when raw_span_kind is not null and span_kind is null then 'unknown_span_kind'
            when token_reason is not null then token_reason
            when coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) > input_tokens
                then 'cache_tokens_exceed_input'
            when reasoning_tokens > output_tokens then 'reasoning_tokens_exceed_output'
        end as invalid_reason
    from tokens
),

-- The records of repeated ids, each with what it says about the span; equal
-- fingerprints = identical copies. Computed once (few rows), read twice.
copies as {{ cte_materialize_hint() }} (
    select
        source_file,
        file_modified_at,
        line_number,
        batch_position,
        -- The map without span-field keys: records staged before flat maps
        -- left them out (docs/attribution_rules.md) still compare equal.
        {{ dbt.hash(dbt.concat([
            "coalesce(parent_span_id, '')", "'|'",
            "coalesce(span_name, '')", "'|'",
            "coalesce(span_kind, '')", "'|'",
            "coalesce(status_code, '')", "'|'",
            "coalesce(cast(started_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(ended_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            sorted_entries_text(entries_without_keys(map_entry_list('attributes'), span_field_keys_all()))
        ])) }} as content_fingerprint,
        trace_id,
        span_id,
        invalid_reason is null as is_valid
    from validated
    where has_copies
),

-- Copies of one (trace_id, span_id) among the valid, or among the rejected,
-- records: only these are ranked.
repeated_keys as (
    select
        trace_id,
        span_id,
        is_valid
    from copies
    group by trace_id, span_id, is_valid
    having count(*) > 1
),

-- Landing order, not names: the copy from the file that landed first
-- (modification time captured when it was staged, then path) is kept, so a
-- later retry in a file whose name sorts first does not replace it.
ranked_copies as (
    select
        copies.source_file,
        copies.line_number,
        copies.batch_position,
        copies.content_fingerprint,
        row_number() over (
            partition by copies.trace_id, copies.span_id, copies.is_valid
            order by copies.file_modified_at, copies.source_file, copies.line_number, copies.batch_position
        ) as copy_rank,
        first_value(copies.content_fingerprint) over (
            partition by copies.trace_id, copies.span_id, copies.is_valid
            order by copies.file_modified_at, copies.source_file, copies.line_number, copies.batch_position
        ) as kept_fingerprint
    from copies
    inner join repeated_keys
        on copies.trace_id is not distinct from repeated_keys.trace_id
        and copies.span_id is not distinct from repeated_keys.span_id
        and copies.is_valid = repeated_keys.is_valid
),

with_first_copy as (
    select
        validated.*,
        coalesce(ranked_copies.copy_rank, 1) as copy_rank,
        ranked_copies.content_fingerprint,
        ranked_copies.kept_fingerprint
    from validated
    left join ranked_copies
        on validated.source_file = ranked_copies.source_file
        and validated.line_number = ranked_copies.line_number
        and validated.batch_position is not distinct from ranked_copies.batch_position
),

final as (
    select
        source_file,
        line_number,
        batch_position,
        record_format,
        trace_id,
        span_id,
        parent_span_id,
        span_name,
        span_kind,
        status_code,
        service_name,
        started_at,
        ended_at,
        attributes,
        request_model,
        request_model_source_key,
        response_model,
        response_model_source_key,
        provider,
        provider_source_key,
        {%- for field in token_fields %}
            {{ field }},
            {{ field }}_source_key,
        {%- endfor %}
        copy_rank,
        content_fingerprint,
        coalesce(
            invalid_reason,
            case
                when copy_rank > 1 and content_fingerprint = kept_fingerprint
                    then 'duplicate_span'
                when copy_rank > 1 then 'duplicate_span_conflicting'
            end
        ) as rejection_reason,
        -- Only for rejected records (quarantine shows them), as staged
        -- (staging keeps no raw text of span records): its span fields as
        -- written, then its attribute map; truncated.
        case
            when coalesce(
                invalid_reason,
                case when copy_rank > 1 then 'duplicate' end
            ) is not null
                then {{ redact_raw_record(staged_record_json([
                    ['trace_id', 'raw_trace_id'],
                    ['span_id', 'raw_span_id'],
                    ['parent_span_id', 'raw_parent_span_id'],
                    ['name', 'span_name'],
                    ['kind', 'raw_span_kind'],
                    ['start_time', 'raw_started_at'],
                    ['end_time', 'raw_ended_at'],
                    ['status_code', 'raw_status_code']
                ], 'attributes')) }}
        end as raw_record
    from with_first_copy
)

select * from final
