{#- Drift report: every alias key seen carrying an identity field (or an API
    key id), by hop service and span role, with the days it was first and
    last seen and how often it was the key a span's value was read from. An
    alias no hop has sent for a while can be retired; a non-canonical alias
    still in use names the hop whose forwarding rule to fix.
    Aggregates the slim daily fact int_spans__alias_usage (rebuilt by day on
    nightly runs): span counts add up over its days, a day has a row only
    when a span carried the key, and each trace is counted on its first day
    only, so days and traces add up to distinct counts. Stays a table: its
    grain has no period (first and last day, days and traces span all
    history). -#}
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
        cast(count(*) as {{ dbt.type_bigint() }}) as days_seen,
        cast(sum(span_count) as {{ dbt.type_bigint() }}) as span_count,
        cast(sum(first_seen_trace_count) as {{ dbt.type_bigint() }}) as trace_count,
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
