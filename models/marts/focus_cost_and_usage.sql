{#- FOCUS Cost and Usage rows (all FOCUS 1.2 columns plus those 1.3 adds),
    one per UTC day x SKU price x tenant x cost center x workflow x actor
    (var focus_grain: daily), or per call and SKU price (focus_grain: call).
    Custom columns follow the FOCUS columns and start with x_. -#}
{%- set per_call = var('focus_grain', 'daily') == 'call' -%}
{%- set period_unit = 'second' if per_call else 'day' -%}
with

token_lines as (
    select * from {{ ref('int_llm_calls__token_lines') }}
),

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

invoices as (
    select * from {{ ref('provider_invoices') }}
),

lines as (
    select
        calls.call_id,
        calls.call_at,
        calls.billing_period_start,
        calls.billing_period_end,
        calls.provider,
        calls.priced_model,
        calls.tenant_id,
        calls.chargeback_cost_center,
        calls.workflow_id,
        calls.actor_id,
        calls.actor_type,
        calls.attribution_status,
        token_lines.token_type,
        token_lines.tokens,
        token_lines.usd_per_mtok,
        token_lines.price_id,
        token_lines.cost_usd,
        token_lines.contracted_usd_per_mtok,
        token_lines.contracted_cost_usd,
        {{ dbt.date_trunc(period_unit, 'calls.call_at') }} as charge_period_start
    from token_lines
    inner join calls
        on token_lines.span_key = calls.call_id
),

grouped as (
    select
        billing_period_start,
        billing_period_end,
        charge_period_start,
        provider,
        priced_model,
        token_type,
        price_id,
        usd_per_mtok,
        contracted_usd_per_mtok,
        tenant_id,
        chargeback_cost_center,
        workflow_id,
        actor_id,
        actor_type,
        attribution_status,
        {% if per_call %}call_id{% else %}cast(null as {{ dbt.type_string() }}){% endif %} as call_id,
        sum(tokens) as tokens,
        sum(cost_usd) as cost_usd,
        sum(contracted_cost_usd) as contracted_cost_usd,
        count(distinct call_id) as call_count
    from lines
    group by
        billing_period_start,
        billing_period_end,
        charge_period_start,
        provider,
        priced_model,
        token_type,
        price_id,
        usd_per_mtok,
        contracted_usd_per_mtok,
        tenant_id,
        chargeback_cost_center,
        workflow_id,
        actor_id,
        actor_type,
        attribution_status
    {%- if per_call %},
        call_id
        {%- endif %}
),

invoiced as (
    -- usage of an invoiced provider and period carries the invoice's id
    select
        grouped.*,
        invoices.invoice_id
    from grouped
    left join invoices
        on
            grouped.provider = invoices.provider
            and grouped.billing_period_start = invoices.billing_period_start
            and invoices.currency = 'USD'
),

final as (
    select
        cast(null as {{ dbt.type_string() }}) as AllocatedMethodDetails,
        cast(null as {{ dbt.type_string() }}) as AllocatedMethodId,
        cast(null as {{ dbt.type_string() }}) as AllocatedResourceId,
        cast(null as {{ dbt.type_string() }}) as AllocatedResourceName,
        cast(null as {{ dbt.type_string() }}) as AllocatedTags,
        cast(null as {{ dbt.type_string() }}) as AvailabilityZone,
        cast(contracted_cost_usd as {{ money_type() }}) as BilledCost,
        cast(provider as {{ dbt.type_string() }}) as BillingAccountId,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as BillingAccountName,
        cast('Billing Account' as {{ dbt.type_string() }}) as BillingAccountType,
        cast('USD' as {{ dbt.type_string() }}) as BillingCurrency,
        cast(billing_period_end as {{ dbt.type_timestamp() }}) as BillingPeriodEnd,
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as BillingPeriodStart,
        cast(null as {{ dbt.type_string() }}) as CapacityReservationId,
        cast(null as {{ dbt.type_string() }}) as CapacityReservationStatus,
        cast('Usage' as {{ dbt.type_string() }}) as ChargeCategory,
        cast(null as {{ dbt.type_string() }}) as ChargeClass,
        cast(
            {{ dbt.concat(['priced_model', "' '", 'lower(' ~ focus_sku_meter('token_type') ~ ')']) }}
            as {{ dbt.type_string() }}
        ) as ChargeDescription,
        cast('Usage-Based' as {{ dbt.type_string() }}) as ChargeFrequency,
        cast(
            {{ dbt.dateadd(period_unit, 1, 'charge_period_start') }}
            as {{ dbt.type_timestamp() }}
        ) as ChargePeriodEnd,
        cast(charge_period_start as {{ dbt.type_timestamp() }}) as ChargePeriodStart,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountCategory,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountId,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountName,
        cast(null as decimal(38, 9)) as CommitmentDiscountQuantity,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountStatus,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountType,
        cast(null as {{ dbt.type_string() }}) as CommitmentDiscountUnit,
        cast(tokens as decimal(38, 9)) as ConsumedQuantity,
        cast('Tokens' as {{ dbt.type_string() }}) as ConsumedUnit,
        cast(null as {{ dbt.type_string() }}) as ContractApplied,
        cast(contracted_cost_usd as {{ money_type() }}) as ContractedCost,
        cast(contracted_usd_per_mtok as decimal(38, 9)) as ContractedUnitPrice,
        cast(contracted_cost_usd as {{ money_type() }}) as EffectiveCost,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as HostProviderName,
        cast(invoice_id as {{ dbt.type_string() }}) as InvoiceId,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }})
            as InvoiceIssuerName,
        cast(cost_usd as {{ money_type() }}) as ListCost,
        cast(usd_per_mtok as decimal(38, 9)) as ListUnitPrice,
        cast('Standard' as {{ dbt.type_string() }}) as PricingCategory,
        cast('USD' as {{ dbt.type_string() }}) as PricingCurrency,
        cast(contracted_usd_per_mtok as decimal(38, 9)) as PricingCurrencyContractedUnitPrice,
        cast(contracted_cost_usd as {{ money_type() }}) as PricingCurrencyEffectiveCost,
        cast(usd_per_mtok as decimal(38, 9)) as PricingCurrencyListUnitPrice,
        cast(cast(tokens as decimal(38, 0)) * cast(0.000001 as decimal(7, 6)) as decimal(38, 9))
            as PricingQuantity,
        cast('1000000 Tokens' as {{ dbt.type_string() }}) as PricingUnit,
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
        cast(
            {{ dbt.concat(['provider', "'/'", 'priced_model', "'/'", 'token_type']) }}
            as {{ dbt.type_string() }}
        ) as SkuId,
        cast({{ focus_sku_meter('token_type') }} as {{ dbt.type_string() }}) as SkuMeter,
        cast(
            {{ json_object_text({'x_TokenType': 'token_type', 'x_Model': 'priced_model'}) }}
            as {{ dbt.type_string() }}
        ) as SkuPriceDetails,
        cast(price_id as {{ dbt.type_string() }}) as SkuPriceId,
        cast(null as {{ dbt.type_string() }}) as SubAccountId,
        cast(null as {{ dbt.type_string() }}) as SubAccountName,
        cast(null as {{ dbt.type_string() }}) as SubAccountType,
        cast(
            {{ json_object_text({
                'tenant': 'tenant_id',
                'cost_center': 'chargeback_cost_center',
                'workflow': 'workflow_id',
                'actor': 'actor_id'
            }) }} as {{ dbt.type_string() }}
        ) as Tags,
        cast(tenant_id as {{ dbt.type_string() }}) as x_TenantId,
        cast(chargeback_cost_center as {{ dbt.type_string() }}) as x_CostCenter,
        cast(workflow_id as {{ dbt.type_string() }}) as x_WorkflowId,
        cast(actor_id as {{ dbt.type_string() }}) as x_ActorId,
        cast(actor_type as {{ dbt.type_string() }}) as x_ActorType,
        cast(attribution_status as {{ dbt.type_string() }}) as x_AttributionStatus,
        cast(token_type as {{ dbt.type_string() }}) as x_TokenType,
        cast(provider as {{ dbt.type_string() }}) as x_ProviderId,
        cast(call_count as {{ dbt.type_bigint() }}) as x_CallCount,
        cast(call_id as {{ dbt.type_string() }}) as x_CallId
    from invoiced
)

select * from final
