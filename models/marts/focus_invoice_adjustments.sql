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
        cast(null as {{ dbt.type_string() }}) as AllocatedMethodDetails,
        cast(null as {{ dbt.type_string() }}) as AllocatedMethodId,
        cast(null as {{ dbt.type_string() }}) as AllocatedResourceId,
        cast(null as {{ dbt.type_string() }}) as AllocatedResourceName,
        cast(null as {{ dbt.type_string() }}) as AllocatedTags,
        cast(null as {{ dbt.type_string() }}) as AvailabilityZone,
        cast(residual_allocated as {{ money_type() }}) as BilledCost,
        cast(billing_account_id as {{ dbt.type_string() }}) as BillingAccountId,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as BillingAccountName,
        cast('Billing Account' as {{ dbt.type_string() }}) as BillingAccountType,
        cast(currency as {{ dbt.type_string() }}) as BillingCurrency,
        cast(billing_period_end as {{ dbt.type_timestamp() }}) as BillingPeriodEnd,
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as BillingPeriodStart,
        cast(null as {{ dbt.type_string() }}) as CapacityReservationId,
        cast(null as {{ dbt.type_string() }}) as CapacityReservationStatus,
        cast('Adjustment' as {{ dbt.type_string() }}) as ChargeCategory,
        cast(null as {{ dbt.type_string() }}) as ChargeClass,
        cast(
            case residual_handling
                when 'allocate'
                    then 'Invoice residual (invoiced minus traced cost), allocated in proportion to traced cost'
                else 'Invoice residual (invoiced minus traced cost), unallocated'
            end as {{ dbt.type_string() }}
        ) as ChargeDescription,
        cast('One-Time' as {{ dbt.type_string() }}) as ChargeFrequency,
        cast(billing_period_end as {{ dbt.type_timestamp() }}) as ChargePeriodEnd,
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as ChargePeriodStart,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountCategory,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountId,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountName,
        cast(null as decimal(38, 9)) as CommitmentDiscountQuantity,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountStatus,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountType,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountUnit,
        cast(null as decimal(38, 9)) as ConsumedQuantity,
        cast(null as {{ dbt.type_string() }}) as ConsumedUnit,
        cast(null as {{ dbt.type_string() }}) as ContractApplied,
        cast(residual_allocated as {{ money_type() }}) as ContractedCost,
        cast(null as decimal(38, 9)) as ContractedUnitPrice,
        cast(residual_allocated as {{ money_type() }}) as EffectiveCost,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as HostProviderName,
        cast(invoice_id as {{ dbt.type_string() }}) as InvoiceId,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as InvoiceIssuerName,
        cast(residual_allocated as {{ money_type() }}) as ListCost,
        cast(null as decimal(38, 9)) as ListUnitPrice,
        cast(null as {{ dbt.type_string() }}) as PricingCategory,
        cast(currency as {{ dbt.type_string() }}) as PricingCurrency,
        cast(null as decimal(38, 9)) as PricingCurrencyContractedUnitPrice,
        cast(residual_allocated as {{ money_type() }}) as PricingCurrencyEffectiveCost,
        cast(null as decimal(38, 9)) as PricingCurrencyListUnitPrice,
        cast(null as decimal(38, 9)) as PricingQuantity,
        cast(null as {{ dbt.type_string() }}) as PricingUnit,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as ProviderName,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as PublisherName,
        cast(null as {{ dbt.type_string() }}) as RegionId,
        cast(null as {{ dbt.type_string() }}) as RegionName,
        cast(null as {{ dbt.type_string() }}) as ResourceId,
        cast(null as {{ dbt.type_string() }}) as ResourceName,
        cast(null as {{ dbt.type_string() }}) as ResourceType,
        cast('AI and Machine Learning' as {{ dbt.type_string() }}) as ServiceCategory,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as ServiceName,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as ServiceProviderName,
        cast('Generative AI' as {{ dbt.type_string() }}) as ServiceSubcategory,
        cast(null as {{ dbt.type_string() }}) as SkuId,
        cast(null as {{ dbt.type_string() }}) as SkuMeter,
        cast(null as {{ dbt.type_string() }}) as SkuPriceDetails,
        cast(null as {{ dbt.type_string() }}) as SkuPriceId,
        cast(null as {{ dbt.type_string() }}) as SubAccountId,
        cast(null as {{ dbt.type_string() }}) as SubAccountName,
        cast(null as {{ dbt.type_string() }}) as SubAccountType,
        cast(
            {{ json_object_text({'cost_center': 'cost_center'}) }} as {{ dbt.type_string() }}
        ) as Tags,
        cast(null as {{ dbt.type_string() }}) as x_TenantId,
        cast(cost_center as {{ dbt.type_string() }}) as x_CostCenter,
        cast(null as {{ dbt.type_string() }}) as x_WorkflowId,
        cast(null as {{ dbt.type_string() }}) as x_ActorId,
        cast(null as {{ dbt.type_string() }}) as x_ActorType,
        cast(null as {{ dbt.type_string() }}) as x_AttributionStatus,
        cast(null as {{ dbt.type_string() }}) as x_TokenType,
        cast(provider as {{ dbt.type_string() }}) as x_ProviderId,
        cast(null as {{ dbt.type_bigint() }}) as x_CallCount,
        cast(null as {{ dbt.type_string() }}) as x_CallId,
        cast(residual_handling as {{ dbt.type_string() }}) as x_ResidualHandling,
        cast(traced_share as double) as x_TracedShare
    from reconciled
)

select * from final
