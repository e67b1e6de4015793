{#- Each shared charge (seed shared_charges) split over chargeback cost
    centers, in whole cents that sum exactly to the charge. Allocation units
    per cost center: usage = input + output tokens of the calls the charge
    covers; even = 1 per cost center that made such calls; fixed = share x
    1,000,000 (seed allocation_shares). A cost center's part is
    floor(cents x units / total units), and the cents left over go one each to
    the largest remainders (ties: cost center name). Calls with no cost
    center count for UNATTRIBUTED, never hidden; a usage or even charge no
    call used lands whole in UNATTRIBUTED (allocation_reason no_usage).
    Charges of months without any traced call are left out. -#}
with

seed_charges as (
    select * from {{ ref('shared_charges') }}
),

shares as (
    select * from {{ ref('allocation_shares') }}
),

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

traced_periods as (
    select distinct billing_period_start from calls
),

-- Only charges of months the traces cover: a month without any traced call
-- is outside this data set (its chargeback has no rows to carry the charge).
charges as (
    select seed_charges.*
    from seed_charges
    inner join traced_periods
        on seed_charges.billing_period_start = traced_periods.billing_period_start
),

covered_calls as (
    select
        charges.charge_id,
        calls.chargeback_cost_center as cost_center,
        calls.input_tokens + calls.output_tokens as tokens
    from charges
    inner join calls
        on
            charges.provider = calls.provider
            and charges.billing_period_start <= calls.call_at
            and charges.billing_period_end > calls.call_at
            and (charges.deployment is null or charges.deployment = calls.request_model)
    where charges.allocation_method in ('usage', 'even')
),

usage_by_cost_center as (
    select
        charge_id,
        cost_center,
        sum(tokens) as tokens,
        count(*) as call_count
    from covered_calls
    group by charge_id, cost_center
),

candidate_parts as (
    select
        usage_by_cost_center.charge_id,
        usage_by_cost_center.cost_center,
        cast(
            case charges.allocation_method when 'usage' then usage_by_cost_center.tokens else 1 end
            as decimal(38, 0)
        ) as allocation_units,
        usage_by_cost_center.tokens,
        usage_by_cost_center.call_count
    from usage_by_cost_center
    inner join charges
        on usage_by_cost_center.charge_id = charges.charge_id
    union all
    select
        shares.charge_id,
        shares.cost_center,
        cast(shares.share * 1000000 as decimal(38, 0)) as allocation_units,
        cast(null as {{ dbt.type_bigint() }}) as tokens,
        cast(null as {{ dbt.type_bigint() }}) as call_count
    from shares
    inner join charges
        on shares.charge_id = charges.charge_id
    where charges.allocation_method = 'fixed'
),

charge_units as (
    select
        charge_id,
        sum(allocation_units) as total_units
    from candidate_parts
    group by charge_id
),

parts as (
    select
        candidate_parts.*,
        'allocated' as allocation_reason
    from candidate_parts
    inner join charge_units
        on candidate_parts.charge_id = charge_units.charge_id
    where charge_units.total_units > 0 and candidate_parts.allocation_units > 0
    union all
    select
        charges.charge_id,
        'UNATTRIBUTED' as cost_center,
        cast(1 as decimal(38, 0)) as allocation_units,
        cast(null as {{ dbt.type_bigint() }}) as tokens,
        cast(null as {{ dbt.type_bigint() }}) as call_count,
        'no_usage' as allocation_reason
    from charges
    left join charge_units
        on charges.charge_id = charge_units.charge_id
    where coalesce(charge_units.total_units, 0) = 0
),

with_totals as (
    select
        parts.*,
        charges.provider,
        charges.description,
        charges.billing_period_start,
        charges.billing_period_end,
        charges.amount_usd,
        charges.allocation_method,
        charges.deployment,
        charges.billing_account_id,
        cast(charges.amount_usd * 100 as decimal(38, 0)) as charge_cents,
        sum(parts.allocation_units) over (partition by parts.charge_id) as total_units
    from parts
    inner join charges
        on parts.charge_id = charges.charge_id
),

cents as (
    select
        *,
        {{ largest_remainder_part('charge_cents', 'allocation_units', 'total_units', 'charge_id', 'cost_center asc') }}
            as part_cents
    from with_totals
),

-- The part's ratio of the charge (FOCUS AllocatedRatio) in 1e-12 units,
-- rounded the same way so that a charge's ratios sum to exactly 1.
ratios as (
    select
        *,
        {{ largest_remainder_part('1000000000000', 'part_cents', 'charge_cents', 'charge_id', 'cost_center asc') }}
            as ratio_units
    from cents
),

final as (
    select
        cast(charge_id as {{ dbt.type_string() }}) as charge_id,
        cast(cost_center as {{ dbt.type_string() }}) as cost_center,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(description as {{ dbt.type_string() }}) as description,
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(billing_period_end as {{ dbt.type_timestamp() }}) as billing_period_end,
        cast(allocation_method as {{ dbt.type_string() }}) as allocation_method,
        cast(deployment as {{ dbt.type_string() }}) as deployment,
        cast(billing_account_id as {{ dbt.type_string() }}) as billing_account_id,
        cast(allocation_reason as {{ dbt.type_string() }}) as allocation_reason,
        cast(amount_usd as {{ money_type() }}) as charge_amount_usd,
        cast(allocation_units as decimal(38, 0)) as allocation_units,
        cast(total_units as decimal(38, 0)) as total_units,
        cast(tokens as {{ dbt.type_bigint() }}) as tokens,
        cast(call_count as {{ dbt.type_bigint() }}) as call_count,
        cast(part_cents * cast(0.01 as decimal(3, 2)) as {{ money_type() }}) as allocated_usd,
        cast(ratio_units * cast(0.000000000001 as decimal(13, 12)) as decimal(13, 12)) as allocated_ratio
    from ratios
)

select * from final
