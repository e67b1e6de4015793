{#- Filters and deletes of the models rebuilt per trace (trace_rebuild_config):
    on an incremental run they read and replace only the traces listed by
    stg_traces__affected_traces; on a full build they read everything. -#}

{#- The trace id of a row from its trace_id column, or from a span key
    (`trace_id:span_id`, macro usable_spans) for models keyed by call. -#}
{% macro trace_of(column) -%}
    {%- if column == 'trace_id' -%}
        trace_id
    {%- else -%}
        {{ dbt.split_part(column, "':'", 1) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether the model is being rendered for a dbt unit test: its inputs are
    then fixtures (queries, not tables), with no affected list, rebuilt days
    or rowid to read. -#}
{% macro rendering_unit_test() -%}
    {{ return(model is mapping and model.get('resource_type') == 'unit_test') }}
{%- endmacro %}

{#- Whether this run reads every row of the models rebuilt per trace: a
    full build, a run that rebuilds every trace (every_trace_reason) and a
    unit test (which renders the full build: no affected list to mock). -#}
{% macro rebuilds_every_trace() -%}
    {%- if rendering_unit_test() -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(not is_incremental() or every_trace_reason() is not none) }}
{%- endmacro %}

{#- A predicate: the row's trace is rebuilt by this run. `trace_expr` is a
    SQL expression of the row's trace id. True when the run rebuilds every
    trace (rebuilds_every_trace): such a run reads every row as a full build
    does, without a semi-join on a list of every trace (at 10M spans that
    join ran out of memory at 3 GB). The ref is taken on every parse so the
    model depends on the affected list. -#}
{% macro in_rebuilt_traces(trace_expr) -%}
    {%- if rendering_unit_test() -%}
        true
    {%- else -%}
    {%- set affected = ref('stg_traces__affected_traces') -%}
    {%- if rebuilds_every_trace() -%}
        true
    {%- else -%}
        {{ trace_expr }} in (select affected.trace_id from {{ affected }} as affected)
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Written between `as` and `(` of an import CTE of a model rebuilt per
    trace that is filtered with in_rebuilt_traces and read more than once:
    inlined when the run reads every trace (each read scans the table
    again; no copy of every row), computed once on a night (its traces'
    few rows), so the test on the night's traces runs once instead of on
    every row of the history at each read. -#}
{% macro rebuilt_traces_cte_hint() -%}
    {{ return(cte_inline_hint() if rebuilds_every_trace() else cte_materialize_hint()) }}
{%- endmacro %}

{#- Pre-hook of a model rebuilt per trace: deletes the rows of every trace
    this run rebuilds (with_missing_trace_id: also the rows without a trace
    id, rebuilt every run), so a trace that lost rows, or all of them, keeps
    none of its old ones; the model's select then appends the new rows. A
    run that rebuilds every trace deletes every row (in_rebuilt_traces is
    true then). -#}
{% macro delete_rebuilt_traces(column='trace_id', with_missing_trace_id=false) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            {{ in_rebuilt_traces(trace_of(column)) }}
            {%- if with_missing_trace_id %}
                or {{ column }} is null
            {%- endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Which rows a row-level data test checks on a model rebuilt per trace
    (docs/nightly.md, "Tests on a nightly run"): a predicate on the row's
    trace key `column` (trace_id, or a span key / call id whose trace id
    prefix is taken).
    Every row (1 = 1) when this run rebuilt every trace (a full build, a
    full refresh, changed seeds, vars or per-trace model SQL:
    stg_traces__affected_traces lists every trace with reason every_trace),
    when var test_every_row is true, or when there is no affected list yet;
    otherwise the rows of the traces listed by stg_traces__affected_traces
    (the rows the per-trace models deleted and inserted this run) and the
    rows without a trace id (rebuilt every run, or a fault: never hidden).
    Decided from the affected list itself: is_incremental() is false inside
    a test. A `dbt test` alone checks the traces the last build rebuilt.
    Dispatched: Spark rebuilds every per-trace model in full (every row). -#}
{% macro rows_rebuilt_this_run(column='trace_id') -%}
    {{ return(adapter.dispatch('rows_rebuilt_this_run', 'llm_spend_attribution')(column)) }}
{%- endmacro %}

{% macro default__rows_rebuilt_this_run(column) -%}
    {%- if tests_check_every_row() -%}
        1 = 1
    {%- else -%}
        {#- One semi-join: a row without a trace id matches the '' row. -#}
        {%- set affected = existing_model_relation('stg_traces__affected_traces') -%}
        coalesce({{ trace_of(column) }}, '') in (select affected.trace_id from {{ affected }} as affected union all select '')
    {%- endif -%}
{%- endmacro %}

{#- True when this run's row-level data tests check every row: var
    test_every_row, no affected list yet, or a list with reason every_trace
    (the run rebuilt every trace). Decided from the list itself when the
    test compiles (is_incremental() is false inside a test). -#}
{% macro tests_check_every_row() -%}
    {%- set affected = existing_model_relation('stg_traces__affected_traces') -%}
    {%- if var('test_every_row', false) or affected is none -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(run_query(
        'select count(*) from ' ~ affected ~ ' where reason = ' ~ dbt.string_literal('every_trace')
    ).columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro spark__rows_rebuilt_this_run(column) -%}
    1 = 1
{%- endmacro %}

{#- Which rows a row-level data test checks on a model incremental by file
    (meta file_key, its source file column: stg_traces__parsed_records and
    the view int_trace_lines__classified over it): in a `dbt build` (or its
    `dbt retry`), every row of the files staged by a run not recorded as
    completed (this one, or one that was killed or failed: on a full
    refresh, every file); every row with var test_every_row, before the
    first completed run and under `dbt test` alone (a completed build
    records every run it staged for as completed, so no file would be left
    to check). Not tests_check_every_row: these tests run before this
    run's stg_traces__affected_traces is built, and a run that rebuilds
    every trace stages no more files than another. A file's rows are
    replaced together (delete by source_file, then its batch's insert) and
    name the run that staged them, so a file no open run staged holds the
    rows a completed run checked: exact for row-level tests and for
    uniqueness over a key that holds the file, old rows of a file staged
    again included. Not dispatched: Spark's insert_overwrite by
    source_file replaces a file's rows together too. -#}
{% macro rows_of_files_staged_this_run(column='source_file') -%}
    {%- set parsed_records = existing_model_relation('stg_traces__parsed_records') -%}
    {%- set ledger = existing_nightly_runs() -%}
    {%- if var('test_every_row', false) or parsed_records is none or ledger is none
        or flags.WHICH not in ('build', 'retry') -%}
        1 = 1
    {%- else -%}
        {{ column }} in (
            select staged.source_file from {{ parsed_records }} as staged
            where {{ run_not_completed('staged.staged_invocation_id', ledger) }}
        )
    {%- endif -%}
{%- endmacro %}

{#- A model's relation as the last run built it, found without a ref (a
    generic test takes no ref of its own; its model, built after the
    bookkeeping models, orders it); none when not built yet or not
    executing. -#}
{% macro existing_model_relation(model_name) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name == model_name -%}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- dbt's get_where_subquery (the `where` config of generic tests: the tested
    model becomes a filtered subquery), with one placeholder:
    `__rows_rebuilt_this_run__` in a where becomes rows_rebuilt_this_run()
    of the tested model's trace key (config meta trace_key, set by
    trace_rebuild_config), rows_rebuilt_in_periods() of its day column
    (meta period_key, set by period_rebuild_config),
    rows_of_files_staged_this_run() of its file column (meta file_key), or
    1 = 1 on a model with none; and `__rows_of_files_staged_this_run__`
    becomes rows_of_files_staged_this_run() of source_file, for a test on a
    per-trace model whose key is the staged record. dbt_project.yml
    sets that where on every data test, so a new test on a per-trace model
    checks the night's rows without anyone remembering it; a test whose
    truth spans traces sets its own where, `1 = 1` (every row). A where that
    is 1 = 1 leaves the model as it is. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__rows_rebuilt_this_run__' in where -%}
        {%- set tested = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
        {%- set meta = tested.config.meta if tested is not none else {} -%}
        {%- if meta.get('trace_key') -%}
            {%- set rows = rows_rebuilt_this_run(meta.get('trace_key')) -%}
        {%- elif meta.get('period_key') -%}
            {%- set rows = rows_rebuilt_in_periods(meta.get('period_key'), meta.get('rebuilt_every_run')) -%}
        {%- elif meta.get('file_key') -%}
            {%- set rows = rows_of_files_staged_this_run(meta.get('file_key')) -%}
        {%- else -%}
            {%- set rows = '1 = 1' -%}
        {%- endif -%}
        {%- set where = where | replace('__rows_rebuilt_this_run__', rows | trim) -%}
    {%- endif -%}
    {%- if where and '__rows_of_files_staged_this_run__' in where -%}
        {%- set where = where | replace('__rows_of_files_staged_this_run__', rows_of_files_staged_this_run() | trim) -%}
    {%- endif -%}
    {%- if where and where | trim != '1 = 1' -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- The columns of a generic test's `model`: a relation, or the filtered
    subquery get_where_subquery made of it on a nightly run (a string, which
    adapter.get_columns_in_relation cannot take: its columns come from the
    query's schema, as dbt's contracts read them). -#}
{% macro columns_of_tested(model) -%}
    {%- if model is string -%}
        {{ return(adapter.get_column_schema_from_query('select * from ' ~ model)) }}
    {%- else -%}
        {{ return(adapter.get_columns_in_relation(model)) }}
    {%- endif -%}
{%- endmacro %}
