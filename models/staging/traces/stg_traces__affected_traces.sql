{#- The traces a nightly run rebuilds above the staged records (docs/nightly.md,
    "Incremental above staging"): every model of trace_rebuilt_models reads
    and replaces only these traces on an incremental run. A trace is listed
    when
    - `staged`: a record of it was staged by a run not recorded as completed
      (this one, or one that was killed or failed: its traces are rebuilt
      again), so late spans of any age rebuild their whole trace;
    - `restaged_file`: it had spans in a file staged again (changed or
      redelivered), or in a staged file no longer there, so spans that left
      the file leave the trace;
    - `future_timestamp`: it has a span rejected as starting in the future,
      which the clock may have reached since;
    - `shared_response_id`: it holds a model call whose response id is also
      the response id of a listed trace's call, old or new
      (int_spans__canonicalized ranks the billed copy of a call across
      traces), one hop being enough as only the listed traces' spans change;
    - `carried`: it was listed by a run not recorded as completed;
    - `every_trace`: every staged trace, when every_trace_reason() says so
      (full refresh, no completed run, or changed seeds, result-changing vars
      or per-trace model SQL).
    One row per trace and reason; found_by_invocation_id is the run that
    listed it. The table reads its previous build (carried traces) and the
    previous builds of stg_traces__span_records and int_spans__canonicalized,
    which run after it. -#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('attribute_aliases') }}
{%- set every_trace_because = every_trace_reason() -%}
{%- set ledger = existing_nightly_runs() -%}
{%- set previous = previous_build_relation() -%}
{%- set old_span_records = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='stg_traces__span_records'
) if execute else none -%}
{%- set canonical_node = (
    graph.nodes.get('model.llm_spend_attribution.int_spans__canonicalized') if execute else none
) -%}
{%- set old_canonical = adapter.get_relation(
    database=canonical_node.database, schema=canonical_node.schema, identifier=canonical_node.alias
) if canonical_node else none -%}
{%- set this_run = dbt.string_literal(invocation_id) -%}
-- The CTEs below exist only when the tables they read do (Jinja blocks);
-- the linter's layout rules misread the indentation of the rendered blocks.
-- noqa: disable=LT02
{%- if every_trace_because and execute -%}
    {{ log('nightly: every trace is rebuilt (' ~ every_trace_because ~ ')', info=true) }}
{%- endif %}
with

-- Span records staged by runs not recorded as completed (every record when
-- every trace is rebuilt). A night's are few: found on the two columns the
-- test reads, read whole only then, and computed once for the three reads
-- below; filtered in one scan, the trace id and the response id aliases
-- were derived on every staged record before the test (10M spans on 30
-- days: the night's select 3.0-4.1 s against 1.1-1.5 s).
{%- set reads_new_records_only = ledger is not none and not every_trace_because %}
unconsumed_records as {{ cte_materialize_hint() if reads_new_records_only else cte_inline_hint() }} (
    select
        source_file,
        {{ normalize_hex_id('raw_trace_id') }} as trace_id,
        attributes
    from (
        {%- if reads_new_records_only %}
            {{ select_rows_where(
                ref('stg_traces__parsed_records'),
                is_span_record() ~ ' and ' ~ run_not_completed('staged_invocation_id', ledger)
            ) }}
        {%- else %}
            select * from {{ ref('stg_traces__parsed_records') }}
            where {{ is_span_record() }}
        {%- endif %}
    ) as staged_records
),

staged as (
    select distinct
        trace_id,
        {{ "'every_trace'" if every_trace_because else "'staged'" }} as reason
    from unconsumed_records
    where trace_id is not null
),

{%- if old_span_records is not none %}

restaged_files as (
    select distinct source_file from unconsumed_records
    union all
    -- Staged files without a record any more (read again and found empty).
    -- Compared file by file, not record by record (10M spans: 1.2 s).
    select old_files.source_file
    from (select distinct old_records.source_file from {{ old_span_records }} as old_records) as old_files
    where old_files.source_file not in (
        select distinct all_records.source_file from {{ ref('stg_traces__parsed_records') }} as all_records
    )
),

restaged as (
    select distinct
        old_records.trace_id,
        'restaged_file' as reason
    from {{ old_span_records }} as old_records
    where
        old_records.trace_id is not null
        and old_records.source_file in (select restaged_files.source_file from restaged_files)
),

future_timestamps as (
    select distinct
        trace_id,
        'future_timestamp' as reason
    from {{ old_span_records }}
    where rejection_reason = 'timestamp_in_future'
),
{%- endif %}

{%- if previous is not none and ledger is not none %}

carried as (
    select distinct
        trace_id,
        'carried' as reason
    from {{ previous }}
    where {{ run_not_completed('found_by_invocation_id', ledger) }}
),
{%- endif %}

listed as (
    select
        trace_id,
        reason
    from staged
    {%- if old_span_records is not none %}
        union all
        select
            trace_id,
            reason
        from restaged
        union all
        select
            trace_id,
            reason
        from future_timestamps
    {%- endif %}
    {%- if previous is not none and ledger is not none %}
        union all
        select
            trace_id,
            reason
        from carried
    {%- endif %}
),

{%- if old_canonical is not none %}

-- Response ids of the listed traces' calls: new ones from the staged
-- records (same alias keys as int_spans__canonicalized), old ones from its
-- previous build. Matched on the id alone: a superset of the (provider,
-- response id) copies it ranks.
listed_response_ids as (
    select
        {{ coalesce_aliases('attributes', 'response_id') }} as response_id
    from unconsumed_records
    union all
    select old_calls.response_id
    from {{ old_canonical }} as old_calls
    where
        old_calls.is_model_call
        and old_calls.trace_id in (select listed.trace_id from listed)
),

sharing_response_ids as (
    select distinct
        old_calls.trace_id,
        'shared_response_id' as reason
    from {{ old_canonical }} as old_calls
    where
        old_calls.is_model_call
        and old_calls.response_id in (
            select listed_response_ids.response_id from listed_response_ids
            where listed_response_ids.response_id is not null
        )
),
{%- endif %}

final as (
    select
        cast(trace_id as {{ dbt.type_string() }}) as trace_id,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast({{ this_run }} as {{ dbt.type_string() }}) as found_by_invocation_id
    from listed
    {%- if old_canonical is not none %}
        union
        select
            cast(trace_id as {{ dbt.type_string() }}) as trace_id,
            cast(reason as {{ dbt.type_string() }}) as reason,
            cast({{ this_run }} as {{ dbt.type_string() }}) as found_by_invocation_id
        from sharing_response_ids
    {%- endif %}
)

select * from final
