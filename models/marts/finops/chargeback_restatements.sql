{#- Closed months whose chargeback changed since it was published: per
    closed month and cost center, the published total (chargeback_published)
    against the current one (chargeback_by_cost_center.total_cost_usd), only
    where they differ. A cost center new to the month (late spans, a policy
    change) is published at 0; one that disappeared is current at 0. -#}
with

published as (
    select * from {{ ref('chargeback_published') }}
),

closed as (
    select * from {{ ref('closed_billing_periods') }}
),

chargeback as (
    select * from {{ ref('chargeback_by_cost_center') }}
),

current_closed as (
    select
        chargeback.billing_period_start,
        chargeback.cost_center,
        chargeback.total_cost_usd,
        chargeback.call_count
    from chargeback
    inner join closed
        on chargeback.billing_period_start = closed.billing_period_start
),

compared as (
    select
        coalesce(published.billing_period_start, current_closed.billing_period_start) as billing_period_start,
        coalesce(published.cost_center, current_closed.cost_center) as cost_center,
        coalesce(published.published_cost_usd, 0) as published_cost_usd,
        coalesce(current_closed.total_cost_usd, 0) as current_cost_usd,
        coalesce(published.published_call_count, 0) as published_call_count,
        coalesce(current_closed.call_count, 0) as current_call_count,
        published.published_at
    from published
    full outer join current_closed
        on
            published.billing_period_start = current_closed.billing_period_start
            and published.cost_center = current_closed.cost_center
),

final as (
    select
        cast(compared.billing_period_start as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(compared.cost_center as {{ dbt.type_string() }}) as cost_center,
        cast(compared.published_cost_usd as {{ money_type() }}) as published_cost_usd,
        cast(compared.current_cost_usd as {{ money_type() }}) as current_cost_usd,
        cast(compared.current_cost_usd - compared.published_cost_usd as {{ money_type() }}) as delta_usd,
        cast(compared.published_call_count as {{ dbt.type_bigint() }}) as published_call_count,
        cast(compared.current_call_count as {{ dbt.type_bigint() }}) as current_call_count,
        cast(closed.closed_at as {{ dbt.type_timestamp() }}) as closed_at,
        cast(compared.published_at as {{ dbt.type_timestamp() }}) as published_at
    from compared
    inner join closed
        on compared.billing_period_start = closed.billing_period_start
    where
        compared.current_cost_usd != compared.published_cost_usd
        or compared.current_call_count != compared.published_call_count
)

select * from final
