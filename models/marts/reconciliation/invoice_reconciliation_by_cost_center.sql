{#- The invoice split by cost center, for each invoiced provider and period
    (same currency as the traced cost). var invoice_residual_handling:
    - allocate: each cost center's reconciled cost is its share of the invoice
      in proportion to its traced cost, rounded to the cent by largest
      remainder (exact integer arithmetic), so the rows sum exactly to the
      invoice; residual_allocated = reconciled - traced.
    - unallocated: cost centers keep their traced cost and the residual is one
      explicit UNALLOCATED row.
    A period with no traced cost cannot be split, so its invoice is
    UNALLOCATED in both modes. -#}
{%- set handling = var('invoice_residual_handling', 'unallocated') -%}
{%- set money_scale = '1000000000000000' -%}
with

focus_usage as (
    select * from {{ ref('focus_cost_and_usage') }}
),

reconciliation as (
    select * from {{ ref('invoice_reconciliation') }}
    where reconciliation_status in ('within_tolerance', 'over_tolerance')
),

traced_by_cost_center as (
    select
        x_ProviderId as provider,
        BillingPeriodStart as billing_period_start,
        x_CostCenter as cost_center,
        sum(BilledCost) as traced_cost
    from focus_usage
    group by x_ProviderId, BillingPeriodStart, x_CostCenter
),

cost_centers as (
    select
        reconciliation.provider,
        reconciliation.billing_account_id,
        reconciliation.invoice_id,
        reconciliation.billing_period_start,
        reconciliation.billing_period_end,
        reconciliation.currency,
        reconciliation.invoiced_amount,
        reconciliation.traced_cost as period_traced_cost,
        traced_by_cost_center.cost_center,
        traced_by_cost_center.traced_cost,
        -- whole numbers for exact largest-remainder rounding: invoice in
        -- cents, traced cost in units of the money type's last decimal
        cast(reconciliation.invoiced_amount * 100 as decimal(38, 0)) as invoice_cents,
        cast(traced_by_cost_center.traced_cost * {{ money_scale }} as decimal(38, 0)) as traced_units,
        cast(reconciliation.traced_cost * {{ money_scale }} as decimal(38, 0)) as period_traced_units
    from reconciliation
    inner join traced_by_cost_center
        on
            reconciliation.provider = traced_by_cost_center.provider
            and reconciliation.billing_period_start = traced_by_cost_center.billing_period_start
    where reconciliation.traced_cost > 0
),

-- The invoice's cents split over cost centers by traced cost.
split as (
    select
        *,
        {{ largest_remainder_part(
            'invoice_cents', 'traced_units', 'period_traced_units',
            'provider, billing_period_start', 'cost_center asc'
        ) }} as reconciled_cents
    from cost_centers
),

allocated as (
    select
        provider,
        billing_account_id,
        invoice_id,
        billing_period_start,
        billing_period_end,
        currency,
        cost_center,
        traced_cost,
        case
            when period_traced_cost > 0
                then cast(traced_cost as double) / cast(period_traced_cost as double)
        end as traced_share,
        {% if handling == 'allocate' -%}
            reconciled_cents * cast(0.01 as decimal(3, 2)) as reconciled_cost
        {%- else -%}
            traced_cost as reconciled_cost
        {%- endif %}
    from split
),

unallocated as (
    -- the residual not spread over cost centers: all of it in unallocated
    -- mode, the whole invoice when nothing was traced
    select
        provider,
        billing_account_id,
        invoice_id,
        billing_period_start,
        billing_period_end,
        currency,
        'UNALLOCATED' as cost_center,
        cast(0 as {{ money_type() }}) as traced_cost,
        cast(null as double) as traced_share,
        invoiced_amount - traced_cost as reconciled_cost
    from reconciliation
    where {% if handling == 'allocate' %}traced_cost = 0{% else %}true{% endif %}
),

unioned as (
    select * from allocated
    union all
    select * from unallocated
),

final as (
    select
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(billing_account_id as {{ dbt.type_string() }}) as billing_account_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(billing_period_end as {{ dbt.type_timestamp() }}) as billing_period_end,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(cost_center as {{ dbt.type_string() }}) as cost_center,
        cast(traced_cost as {{ money_type() }}) as traced_cost,
        cast(traced_share as double) as traced_share,
        cast(reconciled_cost - traced_cost as {{ money_type() }}) as residual_allocated,
        cast(reconciled_cost as {{ money_type() }}) as reconciled_cost,
        cast({{ dbt.string_literal(handling) }} as {{ dbt.type_string() }}) as residual_handling
    from unioned
)

select * from final
