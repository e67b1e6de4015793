{#- The chargeback of closed months as published: the rows of
    chargeback_by_cost_center frozen the first time a build sees their month
    in seed closed_billing_periods, kept from build to build (this table
    reads its previous version) while the month stays closed with the same
    closed_at. Reopening a month (removing its row) drops them; closing it
    again publishes the numbers of that build. A full refresh keeps them: the
    table is only rebuilt from its own rows. -#}
{%- set previous = previous_build_relation() -%}
with

closed as (
    select * from {{ ref('closed_billing_periods') }}
),

chargeback as (
    select * from {{ ref('chargeback_by_cost_center') }}
),

kept as (
    {%- if previous is not none %}
        select published.*
        from {{ previous }} as published
        inner join closed
            on
                published.billing_period_start = closed.billing_period_start
                and published.closed_at = closed.closed_at
    {%- else %}
        select
            cast(null as {{ dbt.type_timestamp() }}) as billing_period_start,
            cast(null as {{ dbt.type_string() }}) as cost_center,
            cast(null as {{ money_type() }}) as published_cost_usd,
            cast(null as {{ money_type() }}) as published_call_cost_usd,
            cast(null as {{ money_type() }}) as published_shared_cost_usd,
            cast(null as {{ dbt.type_bigint() }}) as published_call_count,
            cast(null as {{ dbt.type_timestamp() }}) as closed_at,
            cast(null as {{ dbt.type_timestamp() }}) as published_at
        where 1 = 0
    {%- endif %}
),

kept_periods as (
    select distinct billing_period_start from kept
),

newly_closed as (
    select closed.*
    from closed
    left join kept_periods
        on closed.billing_period_start = kept_periods.billing_period_start
    where kept_periods.billing_period_start is null
),

newly_published as (
    select
        chargeback.billing_period_start,
        chargeback.cost_center,
        chargeback.total_cost_usd as published_cost_usd,
        chargeback.cost_usd as published_call_cost_usd,
        chargeback.shared_cost_usd as published_shared_cost_usd,
        chargeback.call_count as published_call_count,
        newly_closed.closed_at,
        {{ dbt.current_timestamp() }} as published_at
    from chargeback
    inner join newly_closed
        on chargeback.billing_period_start = newly_closed.billing_period_start
),

unioned as (
    select * from kept
    union all
    select * from newly_published
),

final as (
    select
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(cost_center as {{ dbt.type_string() }}) as cost_center,
        cast(published_cost_usd as {{ money_type() }}) as published_cost_usd,
        cast(published_call_cost_usd as {{ money_type() }}) as published_call_cost_usd,
        cast(published_shared_cost_usd as {{ money_type() }}) as published_shared_cost_usd,
        cast(published_call_count as {{ dbt.type_bigint() }}) as published_call_count,
        cast(closed_at as {{ dbt.type_timestamp() }}) as closed_at,
        cast(published_at as {{ dbt.type_timestamp() }}) as published_at
    from unioned
)

select * from final
