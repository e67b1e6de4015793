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
    {{ return([
        'int_spans__alias_usage', 'int_spans__attribute_key_usage', 'field_survival_by_hop',
        'focus_cost_and_usage'
    ]) }}
{%- endmacro %}

{#- The UTC day (a date) of a timestamp or date column. -#}
{% macro utc_day(column) -%}
    cast({{ dbt.date_trunc('day', column) }} as date)
{%- endmacro %}

{#- The distinct UTC days (column span_day) of the span records, usable or
    not, of the traces listed in `affected_traces`, read from `span_records`:
    as this run left it (the days after the rebuild, stg_traces__rebuilt_days)
    or as the previous build left it (the days before,
    stg_traces__affected_days). -#}
{% macro span_days_of_traces(span_records, affected_traces) -%}
    select distinct {{ utc_day('span_records.started_at') }} as span_day
    from {{ span_records }} as span_records
    where
        span_records.started_at is not null
        and span_records.trace_id in (
            select affected.trace_id from {{ affected_traces }} as affected
        )
{%- endmacro %}

{#- The days a stg_traces__rebuilt_days relation lists, ascending, as
    YYYY-MM-DD strings (read when the caller compiles, after the table was
    built by this run). -#}
{% macro listed_days(relation) -%}
    {%- set query -%}
        select cast(span_day as {{ dbt.type_string() }}) as span_day from {{ relation }} order by span_day
    {%- endset -%}
    {%- set days = [] -%}
    {#- agate may have typed the text as a date: its first ten characters either way. -#}
    {%- for day in run_query(query).columns[0].values() -%}
        {%- do days.append((day | string)[:10]) -%}
    {%- endfor -%}
    {{ return(days) }}
{%- endmacro %}

{#- A predicate: the UTC day of `column` (a timestamp or date) is one of
    `days` (YYYY-MM-DD strings, ascending). The range of the days comes
    first, as constants compared with the column itself, so an engine that
    keeps the min and max of each block (DuckDB's zone maps) reads only the
    blocks that can hold those days; then the exact days. False for no
    days. -#}
{% macro day_in(column, days) -%}
    {%- if days | length == 0 -%}
        1 = 0
    {%- else -%}
        {%- set day_after = modules.datetime.date.fromisoformat(days[-1]) + modules.datetime.timedelta(days=1) -%}
        ({{ column }} >= cast('{{ days[0] }}' as date)
        and {{ column }} < cast('{{ day_after.isoformat() }}' as date)
        and {{ utc_day(column) }} in (
            {%- for day in days %}cast('{{ day }}' as date){{ ", " if not loop.last }}{% endfor -%}
        ))
    {%- endif -%}
{%- endmacro %}

{#- A predicate: the UTC day of `column` (a timestamp or date) is rebuilt
    by this run (stg_traces__rebuilt_days, written into the SQL as
    constants: day_in). True on a full build, a run that rebuilds every
    trace, and in unit tests. The ref is taken on every parse, so the model
    runs after the per-trace models have been rebuilt and the days listed. -#}
{% macro in_rebuilt_periods(column) -%}
    {%- if rendering_unit_test() -%}
        true
    {%- else -%}
    {%- set rebuilt_days_relation = ref('stg_traces__rebuilt_days') -%}
    {%- if not rebuilds_every_trace() -%}
        {{ day_in(column, listed_days(rebuilt_days_relation)) }}
    {%- else -%}
        true
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a model rebuilt by period: deletes its rows of the days this
    run rebuilds (every row when every trace is rebuilt), so a day left with
    fewer rows, or none, keeps no old row; the select then appends the
    rebuilt days' rows. `column` is the model's day column. -#}
{% macro delete_rebuilt_periods(column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ in_rebuilt_periods(column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Which rows a row-level data test checks on a model rebuilt by period (meta
    period_key, the model's day or timestamp column; docs/nightly.md, "Tests
    on a nightly run"): the rows of the days this run rebuilt and the rows
    of `rebuilt_every_run` (the model's meta of that name, a predicate on
    its columns: focus_charges' rows that span their billing period), every
    row when rows_rebuilt_this_run would check every row (a run that rebuilt
    every trace, var test_every_row, no affected list yet). Exact for
    row-level tests and for uniqueness over a grain that holds the day.
    Dispatched: Spark rebuilds these models in full (every row). -#}
{% macro rows_rebuilt_in_periods(column, rebuilt_every_run=none) -%}
    {{ return(adapter.dispatch('rows_rebuilt_in_periods', 'llm_spend_attribution')(column, rebuilt_every_run)) }}
{%- endmacro %}

{% macro default__rows_rebuilt_in_periods(column, rebuilt_every_run) -%}
    {%- set rebuilt_days_relation = existing_model_relation('stg_traces__rebuilt_days') -%}
    {%- if tests_check_every_row() or rebuilt_days_relation is none -%}
        1 = 1
    {%- elif rebuilt_every_run -%}
        (({{ rebuilt_every_run }}) or {{ day_in(column, listed_days(rebuilt_days_relation)) }})
    {%- else -%}
        {{ day_in(column, listed_days(rebuilt_days_relation)) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__rows_rebuilt_in_periods(column, rebuilt_every_run) -%}
    1 = 1
{%- endmacro %}
