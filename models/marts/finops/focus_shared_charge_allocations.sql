{#- FOCUS rows of the shared charges (seed shared_charges) split over cost
    centers (int_shared_charges__allocated), with the FOCUS 1.3 split-cost
    columns: AllocatedMethodId (the method), AllocatedMethodDetails (the
    part's AllocatedRatio, ratios of a charge summing to exactly 1, and the
    usage behind it), AllocatedResourceId/Name (the cost center; null for
    the unallocated UNATTRIBUTED part) and AllocatedTags. ResourceId is the
    charge. Same columns as focus_cost_and_usage. ChargeCategory Usage,
    ChargeFrequency Recurring: the part of a charge for capacity or a service
    over the period that the cost center consumed (not Purchase: that would
    make EffectiveCost 0, as for a prepayment). Consumed and pricing
    quantity are the part's ratio of the one charge (unit Charge). -#}
{%- set method_ids = {
    'usage': 'llm-spend-attribution:usage-tokens',
    'even': 'llm-spend-attribution:even-cost-centers',
    'fixed': 'llm-spend-attribution:fixed-shares'
} -%}
with

parts as (
    select * from {{ ref('int_shared_charges__allocated') }}
),

-- What the ratio was computed from (AllocatedMethodDetails UsageUnit and
-- UsageQuantity): tokens, one per cost center, or finance's share.
units as (
    select
        *,
        case
            when allocation_reason = 'no_usage' then 'Charge'
            when allocation_method = 'usage' then 'Tokens'
            when allocation_method = 'even' then 'Cost Center'
            else 'Share'
        end as usage_unit,
        case
            when allocation_method = 'fixed' and allocation_reason != 'no_usage'
                then cast(allocation_units * cast(0.000001 as decimal(7, 6)) as decimal(38, 6))
            else cast(allocation_units as decimal(38, 6))
        end as usage_quantity
    from parts
),

described as (
    select
        *,
        case allocation_method
            {%- for method, method_id in method_ids.items() %}
                when '{{ method }}' then '{{ method_id }}'
            {%- endfor %}
        end as allocated_method_id,
        {{ dbt.concat([
            "'{\"Elements\":[{\"AllocatedRatio\":'",
            decimal_text('allocated_ratio', 12),
            "',\"UsageUnit\":\"'",
            'usage_unit',
            "'\",\"UsageQuantity\":'",
            decimal_text('usage_quantity', 6),
            "'}],\"x_ChargeId\":\"'",
            'charge_id',
            "'\"}'"
        ]) }} as allocated_method_details,
        case when cost_center != 'UNATTRIBUTED' then cost_center end as allocated_cost_center
    from units
),

final as (
    select
        {{ focus_charge_columns({
            'AllocatedMethodDetails': 'allocated_method_details',
            'AllocatedMethodId': 'allocated_method_id',
            'AllocatedResourceId': 'allocated_cost_center',
            'AllocatedResourceName': 'allocated_cost_center',
            'AllocatedTags': "case when allocated_cost_center is not null then "
                ~ json_object_text({'cost_center': 'allocated_cost_center'}) ~ " end",
            'BilledCost': 'allocated_usd',
            'BillingAccountId': 'billing_account_id',
            'BillingCurrency': "'USD'",
            'ChargeCategory': "'Usage'",
            'ChargeDescription': 'description',
            'ChargeFrequency': "'Recurring'",
            'ChargePeriodEnd': 'billing_period_end',
            'ChargePeriodStart': 'billing_period_start',
            'ConsumedQuantity': 'allocated_ratio',
            'ConsumedUnit': "'Charge'",
            'InvoiceId': 'null',
            'ListCost': 'allocated_usd',
            'ListUnitPrice': 'charge_amount_usd',
            'ContractedUnitPrice': 'charge_amount_usd',
            'PricingCategory': "'Standard'",
            'PricingQuantity': 'allocated_ratio',
            'PricingUnit': "'Charge'",
            'ResourceId': 'charge_id',
            'ResourceName': 'coalesce(deployment, charge_id)',
            'ResourceType': "case when deployment is not null then 'Provisioned Capacity' else 'Shared Fee' end",
            'SkuId': 'charge_id',
            'SkuMeter': "case when deployment is not null then 'Provisioned Capacity' else 'Shared Fee' end",
            'SkuPriceId': 'charge_id',
            'Tags': json_object_text({'shared_charge': 'charge_id'}),
            'x_CostCenter': 'cost_center',
            'x_AttributionStatus': "case when allocated_cost_center is null then 'unallocated' else 'allocated' end",
            'x_CallCount': 'call_count'
        }) }}
    from described
)

select * from final
