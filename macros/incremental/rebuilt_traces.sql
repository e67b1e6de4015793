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

{#- A predicate: the row's trace is rebuilt by this run (always true on a
    full build). `trace_expr` is a SQL expression of the row's trace id. The
    ref is taken on every parse so the model depends on the affected list. -#}
{% macro in_rebuilt_traces(trace_expr) -%}
    {#- A unit test renders the full build (no affected list to mock). -#}
    {%- if model is mapping and model.get('resource_type') == 'unit_test' -%}
        true
    {%- else -%}
    {%- set affected = ref('stg_traces__affected_traces') -%}
    {%- if is_incremental() -%}
        {{ trace_expr }} in (select affected.trace_id from {{ affected }} as affected)
    {%- else -%}
        true
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a model rebuilt per trace: deletes the rows of every trace
    this run rebuilds (with_missing_trace_id: also the rows without a trace
    id, rebuilt every run), so a trace that lost rows, or all of them, keeps
    none of its old ones; the model's select then appends the new rows. -#}
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
    {%- set affected = existing_affected_traces() if not var('test_every_row', false) else none -%}
    {%- if affected is none -%}
        1 = 1
    {%- else -%}
        {%- set every_trace = run_query(
            'select count(*) from ' ~ affected ~ ' where reason = ' ~ dbt.string_literal('every_trace')
        ).columns[0].values()[0] > 0 -%}
        {%- if every_trace -%}
            1 = 1
        {%- else -%}
            {#- One semi-join: a row without a trace id matches the '' row. -#}
            coalesce({{ trace_of(column) }}, '') in (select affected.trace_id from {{ affected }} as affected union all select '')
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark__rows_rebuilt_this_run(column) -%}
    1 = 1
{%- endmacro %}

{#- stg_traces__affected_traces as built by the last run, found without a
    ref (a generic test takes no ref of its own; its model, built after the
    list, orders it); none when not built yet or not executing. -#}
{% macro existing_affected_traces() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name == 'stg_traces__affected_traces' -%}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- dbt's get_where_subquery (the `where` config of generic tests: the tested
    model becomes a filtered subquery), with one placeholder:
    `__rows_rebuilt_this_run__` in a where becomes rows_rebuilt_this_run()
    of the tested model's trace key (config meta trace_key, set by
    trace_rebuild_config), or 1 = 1 on a model without one. dbt_project.yml
    sets that where on every data test, so a new test on a per-trace model
    checks the night's rows without anyone remembering it; a test whose
    truth spans traces sets its own where, `1 = 1` (every row). A where that
    is 1 = 1 leaves the model as it is. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__rows_rebuilt_this_run__' in where -%}
        {%- set tested = graph.nodes.get(model.attached_node) if execute and model.attached_node else none -%}
        {%- set trace_key = tested.config.meta.get('trace_key') if tested is not none else none -%}
        {%- set where = where | replace(
            '__rows_rebuilt_this_run__', (rows_rebuilt_this_run(trace_key) if trace_key else '1 = 1') | trim
        ) -%}
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
