{#- Nightly runs rebuild only the traces a night touched (docs/nightly.md,
    "Incremental above staging"). These macros are the one place that
    decides when that is not enough and every trace is rebuilt instead: the
    models rebuilt per trace, the vars and seeds that change their results,
    the fingerprint of those, and the ledger of completed runs it is
    compared with. -#}

{#- The models rebuilt per trace on a nightly run (trace_rebuild_config),
    upstream first. A run counts as completed (record_completed_run) only
    when every one of them and stg_traces__affected_traces succeeded. -#}
{% macro trace_rebuilt_models() -%}
    {{ return([
        'stg_traces__span_records',
        'int_spans__canonicalized',
        'int_spans__lineage',
        'int_spans__identity_hops',
        'int_llm_calls__identity_recovered',
        'int_llm_calls__priced',
        'int_llm_calls__token_lines',
        'fct_llm_calls',
        'unattributed_llm_spend',
    ]) }}
{%- endmacro %}

{#- Vars that change the rows of a model rebuilt per trace or by period
    (period_rebuilt_models): a new value rebuilds every trace and every
    period on the next run. Vars read only by the aggregate marts rebuilt
    every run or by staging's file selection are not listed. -#}
{% macro nightly_result_vars() -%}
    {{ return([
        'traces_path', 'earliest_span_timestamp', 'max_future_skew_hours',
        'max_token_count', 'raw_record_max_chars', 'billable_operations',
        'normalize_tenant_ids', 'max_trace_depth', 'recover_identity_from_ancestors',
        'focus_grain',
    ]) }}
{%- endmacro %}

{#- Fingerprint of what the per-trace models' and the period-rebuilt
    aggregates' rows depend on besides the staged spans: the file checksum
    of every seed they read (directly or through mapping_rows /
    reference_rows, both ref() the seed), the checksum of each model's own
    SQL file, and the values of nightly_result_vars.
    Macros are not covered: a changed macro needs --full-refresh. -#}
{% macro nightly_fingerprint() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- set seeds = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='unique_id')
        if node.resource_type == 'model' and node.name in trace_rebuilt_models() + period_rebuilt_models() -%}
        {%- do parts.append(node.name ~ '=' ~ node.checksum.checksum) -%}
        {%- for parent in node.depends_on.nodes if parent.startswith('seed.') and parent not in seeds -%}
            {%- do seeds.append(parent) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for seed in seeds | sort -%}
        {%- do parts.append(seed ~ '=' ~ graph.nodes[seed].checksum.checksum) -%}
    {%- endfor -%}
    {%- for name in nightly_result_vars() -%}
        {%- set value = configured_traces_path() if name == 'traces_path' else var(name, none) -%}
        {%- do parts.append(name ~ '=' ~ tojson(value)) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}

{#- The ledger of completed runs (invocation_id, fingerprint, completed_at),
    kept beside stg_traces__affected_traces; written by record_completed_run. -#}
{% macro nightly_runs_relation() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'stg_traces__affected_traces' -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier='nightly_runs', type='table')) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The ledger if it exists (none before the first completed run). -#}
{% macro existing_nightly_runs() -%}
    {%- set ledger = nightly_runs_relation() -%}
    {%- if ledger is none or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=ledger.database, schema=ledger.schema, identifier=ledger.identifier)) }}
{%- endmacro %}

{#- A predicate: the run named by `invocation_column` (an invocation id
    column) is not recorded as completed in `ledger` (existing_nightly_runs):
    this run, or one that was killed or failed. -#}
{% macro run_not_completed(invocation_column, ledger) -%}
    {{ invocation_column }} not in (select completed.invocation_id from {{ ledger }} as completed)
{%- endmacro %}

{#- Why this run rebuilds every trace, or none when the traces the night
    touched are enough: a full refresh, no completed run yet, or a
    fingerprint (seeds, vars, per-trace model SQL) that differs from the
    last completed run's. -#}
{% macro every_trace_reason() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if flags.FULL_REFRESH -%}
        {{ return('full refresh') }}
    {%- endif -%}
    {%- set ledger = existing_nightly_runs() -%}
    {%- if ledger is none -%}
        {{ return('no completed run recorded') }}
    {%- endif -%}
    {%- set rows = run_query(
        'select fingerprint from ' ~ ledger
        ~ ' where completed_at = (select max(completed_at) from ' ~ ledger ~ ')'
    ).rows -%}
    {%- if rows | length == 0 -%}
        {{ return('no completed run recorded') }}
    {%- endif -%}
    {%- if rows[0][0] != nightly_fingerprint() -%}
        {{ return('seeds, result-changing vars or per-trace model SQL changed since the last completed run') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- on-run-end: records this invocation as completed when
    stg_traces__affected_traces and every model of trace_rebuilt_models ran
    and succeeded, so the next run no longer rebuilds the traces this run
    found. The runs that staged records this run rebuilt are recorded with
    it (a killed or failed run is not recorded by itself: its traces are
    rebuilt by the next run). -#}
{% macro record_completed_run() -%}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set needed = trace_rebuilt_models() + period_rebuilt_models()
        + ['stg_traces__affected_traces', 'stg_traces__affected_days'] -%}
    {%- set succeeded = [] -%}
    {%- for result in results
        if result.node.resource_type == 'model' and result.node.name in needed and result.status == 'success' -%}
        {%- do succeeded.append(result.node.name) -%}
    {%- endfor -%}
    {%- if succeeded | unique | list | length < needed | length -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set ledger = nightly_runs_relation() -%}
    {%- do run_query(
        'create table if not exists ' ~ ledger ~ ' (invocation_id ' ~ dbt.type_string()
        ~ ', fingerprint ' ~ dbt.type_string() ~ ', completed_at ' ~ dbt.type_timestamp() ~ ')'
    ) -%}
    {%- set staged = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'stg_traces__parsed_records' -%}
        {%- do staged.append(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) -%}
    {%- endfor -%}
    {%- set completed = dbt.string_literal(nightly_fingerprint()) ~ ', ' ~ dbt.current_timestamp() -%}
    {#- This run, and every run whose staged records it rebuilt (a failed or
        killed run's records are rebuilt by the next run that completes). -#}
    {{ return(
        'insert into ' ~ ledger ~ ' (invocation_id, fingerprint, completed_at) '
        ~ 'select ' ~ dbt.string_literal(invocation_id) ~ ', ' ~ completed
        ~ ' union select staged_runs.staged_invocation_id, ' ~ completed
        ~ ' from (select distinct staged_invocation_id from ' ~ staged[0] ~ ') as staged_runs'
        ~ ' where staged_runs.staged_invocation_id not in (select invocation_id from ' ~ ledger ~ ')'
    ) }}
{%- endmacro %}
