{#- The UTC days that held a span of a listed trace BEFORE this run's
    rebuild (docs/nightly.md, "Aggregates rebuilt by period"): the days of
    every span record, usable or not, of the traces in
    stg_traces__affected_traces, read from the previous build of
    stg_traces__span_records, which runs after this model. A rebuilt trace
    may leave a day (a late span moves a call, a trace loses its only call
    of a day), so the aggregates rebuilt by period (macro
    period_rebuilt_models) rebuild these days as well as the days its rows
    have after the rebuild (macro rebuilt_days). Days listed by a run not
    recorded as completed are carried: the aggregates may not have been
    rebuilt for them. One row per day and run that listed it. -#}
{{ config(materialized='table') }}
{%- set ledger = existing_nightly_runs() -%}
{%- set previous = previous_build_relation() -%}
{%- set old_span_records = existing_model_relation('stg_traces__span_records') -%}
{%- set this_run = dbt.string_literal(invocation_id) -%}
-- The CTEs below exist only when the tables they read do (Jinja blocks).
-- noqa: disable=LT02
with

days_before as (
    {%- if old_span_records is not none %}
        {{ span_days_of_traces(old_span_records, ref('stg_traces__affected_traces')) }}
    {%- else %}
        -- No previous build: nothing was rebuilt before (the ref orders the model).
        select cast(null as date) as span_day
        from {{ ref('stg_traces__affected_traces') }}
        where 1 = 0
    {%- endif %}
),

{%- if previous is not none and ledger is not none %}

carried as (
    select distinct span_day
    from {{ previous }}
    where {{ run_not_completed('found_by_invocation_id', ledger) }}
),
{%- endif %}

final as (
    select
        span_day,
        cast({{ this_run }} as {{ dbt.type_string() }}) as found_by_invocation_id
    from days_before
    {%- if previous is not none and ledger is not none %}
        union
        select
            span_day,
            cast({{ this_run }} as {{ dbt.type_string() }}) as found_by_invocation_id
        from carried
    {%- endif %}
)

select * from final
