{#- Drift report: every alias key seen carrying an identity field (or an API
    key id), by hop service and span role, with the days it was first and
    last seen and how often it was the key a span's value was read from. An
    alias no hop has sent for a while can be retired; a non-canonical alias
    still in use names the hop whose forwarding rule to fix.
    Aggregates the slim per-trace fact int_spans__alias_usage (rebuilt per
    trace on nightly runs): its rows are per trace and day, so the span
    counts add up and the traces and days are counted distinct here. Stays a
    table: its grain has no period (first and last day, distinct days and
    traces span all history). -#}
with

alias_uses as (
    select * from {{ ref('int_spans__alias_usage') }}
),

final as (
    select
        identity_field,
        alias_key,
        is_canonical_key,
        alias_rank,
        service_name,
        span_role,
        min(span_date) as first_seen_date,
        max(span_date) as last_seen_date,
        cast(count(distinct span_date) as {{ dbt.type_bigint() }}) as days_seen,
        cast(sum(span_count) as {{ dbt.type_bigint() }}) as span_count,
        cast(count(distinct trace_id) as {{ dbt.type_bigint() }}) as trace_count,
        cast(sum(winning_span_count) as {{ dbt.type_bigint() }}) as winning_span_count
    from alias_uses
    group by
        identity_field,
        alias_key,
        is_canonical_key,
        alias_rank,
        service_name,
        span_role
)

select * from final
