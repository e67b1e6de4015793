{#- FOCUS rows that carry the invoice residual (invoiced minus traced cost), so
    focus_cost_and_usage plus these rows sum to each invoice per InvoiceId.
    ChargeCategory Adjustment, one per provider, billing period and cost
    center with a non-zero residual: the cost centers' allocated shares
    (invoice_residual_handling: allocate) or one UNALLOCATED row
    (unallocated). Same columns as focus_cost_and_usage, then
    x_ResidualHandling and x_TracedShare. Not priced, so the SKU, price,
    quantity and unit columns are null. -#}
with

reconciled as (
    select * from {{ ref('invoice_reconciliation_by_cost_center') }}
    where residual_allocated != 0
),

final as (
    select
        {{ focus_charge_columns({
            'BilledCost': 'residual_allocated',
            'BillingAccountId': 'billing_account_id',
            'BillingCurrency': 'currency',
            'ChargeCategory': "'Adjustment'",
            'ChargeDescription': "case residual_handling
                when 'allocate'
                    then 'Invoice residual (invoiced minus traced cost), allocated in proportion to traced cost'
                else 'Invoice residual (invoiced minus traced cost), unallocated'
            end",
            'ChargeFrequency': "'One-Time'",
            'ChargePeriodEnd': 'billing_period_end',
            'ChargePeriodStart': 'billing_period_start',
            'ListCost': 'residual_allocated',
            'Tags': json_object_text({'cost_center': 'cost_center'}),
            'x_CostCenter': 'cost_center'
        }) }},
        cast(residual_handling as {{ dbt.type_string() }}) as x_ResidualHandling,
        cast(traced_share as double) as x_TracedShare
    from reconciled
)

select * from final
