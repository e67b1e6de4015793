{#- Conservation of shared charges: each charge of seed shared_charges (in
    a month the traces cover) equals the sum of its allocated parts, exactly (DECIMAL), and so do its
    FOCUS rows (focus_shared_charge_allocations); fixed shares sum to 1; and
    per billing period the chargeback's shared_cost_usd equals the charges. -#}
{{ config(severity='error') }}

with

traced_periods as (
    select distinct billing_period_start from {{ ref('fct_llm_calls') }}
),

-- charges of the months the traces cover (the others are not allocated)
seed_charges as (
    select shared_charges.*
    from {{ ref('shared_charges') }} as shared_charges
    inner join traced_periods
        on shared_charges.billing_period_start = traced_periods.billing_period_start
),

charges as (
    select
        charge_id,
        amount_usd
    from seed_charges
),

parts as (
    select
        charge_id,
        sum(allocated_usd) as allocated_usd
    from {{ ref('int_shared_charges__allocated') }}
    group by charge_id
),

focus_rows as (
    select
        ResourceId as charge_id,
        sum(BilledCost) as focus_billed_cost
    from {{ ref('focus_shared_charge_allocations') }}
    group by ResourceId
),

fixed_shares as (
    select
        charge_id,
        sum(share) as share_total
    from {{ ref('allocation_shares') }}
    group by charge_id
),

charges_by_period as (
    select
        billing_period_start,
        sum(amount_usd) as amount_usd
    from seed_charges
    group by billing_period_start
),

chargeback_by_period as (
    select
        billing_period_start,
        sum(shared_cost_usd) as shared_cost_usd
    from {{ ref('chargeback_by_cost_center') }}
    group by billing_period_start
    having sum(shared_cost_usd) != 0
),

periods_compared as (
    {{ totals_side_by_side(
        'charges_by_period', 'chargeback_by_period', ['billing_period_start'], 'amount_usd', 'shared_cost_usd'
    ) }}
),

compared as (
    select
        charges.charge_id,
        charges.amount_usd,
        parts.allocated_usd,
        focus_rows.focus_billed_cost,
        fixed_shares.share_total
    from charges
    left join parts
        on charges.charge_id = parts.charge_id
    left join focus_rows
        on charges.charge_id = focus_rows.charge_id
    left join fixed_shares
        on charges.charge_id = fixed_shares.charge_id
)

select
    charge_id,
    cast(null as {{ dbt.type_timestamp() }}) as billing_period_start,
    amount_usd,
    allocated_usd,
    focus_billed_cost,
    share_total,
    cast(null as {{ money_type() }}) as chargeback_shared_cost_usd
from compared
where
    allocated_usd is null
    or allocated_usd != amount_usd
    or focus_billed_cost is null
    or focus_billed_cost != amount_usd
    or (share_total is not null and share_total != 1)
union all
select
    cast(null as {{ dbt.type_string() }}) as charge_id,
    billing_period_start,
    amount_usd,
    cast(null as {{ money_type() }}) as allocated_usd,
    cast(null as {{ money_type() }}) as focus_billed_cost,
    cast(null as decimal(9, 6)) as share_total,
    shared_cost_usd as chargeback_shared_cost_usd
from periods_compared
where amount_usd != shared_cost_usd
