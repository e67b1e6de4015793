{#- The aggregates rebuilt by period on nightly runs (docs/nightly.md,
    "Aggregates rebuilt by period"): the one place that says which UTC days
    a run rebuilds in them. A day is rebuilt when a trace listed by
    stg_traces__affected_traces had a span record on it before this run's
    rebuild (stg_traces__affected_days, carried while runs fail) or has one
    after it (stg_traces__span_records now); every day when the run
    rebuilds every trace (every_trace_reason). Every row of such an
    aggregate is a sum over the spans or calls of one UTC day, and every
    span or call comes from a span record of its trace with that start day,
    so the rows of any other day are unchanged. -#}

{#- The models rebuilt by period, in build order. Their SQL and the seeds
    they ref are in nightly_fingerprint (a change rebuilds every period); a
    run is recorded as completed only when all of them succeeded. -#}
{% macro period_rebuilt_models() -%}
    {{ return(['int_spans__alias_usage', 'field_survival_by_hop', 'focus_cost_and_usage', 'focus_charges']) }}
{%- endmacro %}

{#- The UTC day (a date) of a timestamp or date column. -#}
{% macro utc_day(column) -%}
    cast({{ dbt.date_trunc('day', column) }} as date)
{%- endmacro %}

{#- A subquery of the days this run rebuilds (one column, span_day): the
    days the listed traces' span records had before the rebuild and have
    after it. Its arguments are the relations of stg_traces__affected_days,
    stg_traces__span_records and stg_traces__affected_traces: refs in a
    model (in_rebuilt_periods), the relations the run left in a test
    (rows_rebuilt_in_periods). -#}
{% macro rebuilt_days(affected_days, span_records, affected_traces) -%}
    (
        select affected_days.span_day
        from {{ affected_days }} as affected_days
        union
        {{ span_days_of_traces(span_records, affected_traces) }}
    )
{%- endmacro %}

{#- The distinct UTC days (column span_day) of the span records, usable or
    not, of the traces listed in `affected_traces`, read from `span_records`:
    as this run left it (the days after the rebuild, rebuilt_days) or as the
    previous build left it (the days before, stg_traces__affected_days). -#}
{% macro span_days_of_traces(span_records, affected_traces) -%}
    select distinct {{ utc_day('span_records.started_at') }} as span_day
    from {{ span_records }} as span_records
    where
        span_records.started_at is not null
        and span_records.trace_id in (
            select affected.trace_id from {{ affected_traces }} as affected
        )
{%- endmacro %}

{#- The rows a run rebuilds by period: those of `day_predicate` (a day it
    rebuilds), and, when the model has one, those of its rebuilt_every_run
    predicate (period_rebuild_config). -#}
{% macro or_rebuilt_every_run(day_predicate, rebuilt_every_run) -%}
    {%- if rebuilt_every_run -%}
        (({{ rebuilt_every_run }}) or {{ day_predicate }})
    {%- else -%}
        {{ day_predicate }}
    {%- endif -%}
{%- endmacro %}

{#- A predicate: the UTC day of `column` (a timestamp or date) is rebuilt
    by this run, or the row is one rebuilt on every run (rebuilt_every_run,
    a predicate on the row; period_rebuild_config). True on a full build, a
    run that rebuilds every trace, and in unit tests. The refs are taken on
    every parse, so the model runs after the per-trace models have been
    rebuilt. -#}
{% macro in_rebuilt_periods(column, rebuilt_every_run=none) -%}
    {%- if model is mapping and model.get('resource_type') == 'unit_test' -%}
        true
    {%- else -%}
    {%- set days = rebuilt_days(
        ref('stg_traces__affected_days'), ref('stg_traces__span_records'), ref('stg_traces__affected_traces')
    ) -%}
    {%- if is_incremental() and every_trace_reason() is none -%}
        {%- set rebuilt_day -%}
            {{ utc_day(column) }} in (select rebuilt.span_day from {{ days }} as rebuilt)
        {%- endset %}
        {{ or_rebuilt_every_run(rebuilt_day, rebuilt_every_run) }}
    {%- else -%}
        true
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a model rebuilt by period: deletes its rows of the days this
    run rebuilds (every row when every trace is rebuilt), so a day left with
    fewer rows, or none, keeps no old row; the select then appends the
    rebuilt days' rows. `column` is the model's day column. -#}
{% macro delete_rebuilt_periods(column, rebuilt_every_run=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ in_rebuilt_periods(column, rebuilt_every_run) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Which rows a row-level data test checks on a model rebuilt by period
    (meta period_key, the model's day or timestamp column; docs/nightly.md,
    "Tests on a nightly run"): the rows of the days this run rebuilt, every
    row when rows_rebuilt_this_run would check every row (a run that
    rebuilt every trace, var test_every_row, no affected list yet). Exact
    for row-level tests and for uniqueness over a grain that holds the day.
    Dispatched: Spark rebuilds these models in full (every row). -#}
{% macro rows_rebuilt_in_periods(column, rebuilt_every_run=none) -%}
    {{ return(adapter.dispatch('rows_rebuilt_in_periods', 'llm_spend_attribution')(column, rebuilt_every_run)) }}
{%- endmacro %}

{% macro default__rows_rebuilt_in_periods(column, rebuilt_every_run) -%}
    {%- set affected = existing_model_relation('stg_traces__affected_traces') -%}
    {%- set affected_days = existing_model_relation('stg_traces__affected_days') -%}
    {%- set span_records = existing_model_relation('stg_traces__span_records') -%}
    {%- if tests_check_every_row() or affected_days is none or span_records is none -%}
        1 = 1
    {%- else -%}
        {%- set rebuilt_day -%}
            {{ utc_day(column) }} in (
                select rebuilt.span_day from {{ rebuilt_days(affected_days, span_records, affected) }} as rebuilt
            )
        {%- endset %}
        {{ or_rebuilt_every_run(rebuilt_day, rebuilt_every_run) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__rows_rebuilt_in_periods(column, rebuilt_every_run) -%}
    1 = 1
{%- endmacro %}
