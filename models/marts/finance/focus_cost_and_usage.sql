{#- FOCUS Cost and Usage rows (all FOCUS 1.2 columns plus those 1.3 adds),
    one per UTC day x SKU price x tenant x cost center x workflow x actor
    (var focus_grain: daily), or per call and SKU price (focus_grain: call).
    Custom columns follow the FOCUS columns and start with x_. SkuId is the
    price row's provider, model and token type, so each SkuPriceId has one
    SkuId even when a call is priced at another provider's row (an Azure
    deployment alias priced at OpenAI's row); x_ProviderId keeps the call's. -#}
{%- set per_call = var('focus_grain', 'daily') == 'call' -%}
{%- set period_unit = 'second' if per_call else 'day' -%}
{#- The row grain (call_id is added at focus_grain: call). -#}
{%- set dimensions = [
    'billing_period_start', 'billing_period_end', 'charge_period_start', 'provider', 'priced_provider',
    'priced_model', 'token_type', 'price_id', 'usd_per_mtok', 'contracted_usd_per_mtok', 'tenant_id',
    'chargeback_cost_center', 'workflow_id', 'actor_id', 'actor_type', 'attribution_status'
] -%}
{#- Rebuilt by UTC charge day on nightly runs (period_rebuild_config): a
    row sums the calls of one day, so only the days of the traces rebuilt
    this run, before and after, are deleted and read again. -#}
{{ config(**period_rebuild_config('ChargePeriodStart')) }}
with

token_lines as (
    select * from {{ ref('int_llm_calls__token_lines') }}
),

calls as (
    select * from {{ ref('fct_llm_calls') }}
    where {{ in_rebuilt_periods('call_at') }}
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
        calls.priced_provider,
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
        -- provisioned capacity served the call: list cost kept, nothing
        -- billed per token (contracted price 0, the capacity is allocated)
        case
            when calls.is_provisioned then cast(0 as decimal(18, 9))
            else token_lines.contracted_usd_per_mtok
        end as contracted_usd_per_mtok,
        case
            when calls.is_provisioned then cast(0 as {{ money_type() }})
            else token_lines.contracted_cost_usd
        end as contracted_cost_usd,
        {{ dbt.date_trunc(period_unit, 'calls.call_at') }} as charge_period_start
    from token_lines
    inner join calls
        on token_lines.span_key = calls.call_id
),

-- Summed per call first: a call has two lines of one SKU price when tokens
-- are priced at another type's rate (cache reads of a model without a cache
-- price are input lines), so the rows below are calls, counted as rows. A
-- count of distinct call ids made DuckDB hold every line and join two group
-- bys back together on all the dimensions (1M spans: about half the CPU).
call_lines as (
    select
        {%- for dimension in dimensions %}
            {{ dimension }},
        {%- endfor %}
        call_id,
        sum(tokens) as tokens,
        sum(cost_usd) as cost_usd,
        sum(contracted_cost_usd) as contracted_cost_usd
    from lines
    group by
        {%- for dimension in dimensions %}
            {{ dimension }},
        {%- endfor %}
        call_id
),

grouped as (
    select
        {%- for dimension in dimensions %}
            {{ dimension }},
        {%- endfor %}
        {% if per_call %}call_id{% else %}cast(null as {{ dbt.type_string() }}){% endif %} as call_id,
        sum(tokens) as tokens,
        sum(cost_usd) as cost_usd,
        sum(contracted_cost_usd) as contracted_cost_usd,
        count(*) as call_count
    from call_lines
    group by
        {%- for dimension in dimensions + (['call_id'] if per_call else []) %}
            {{ dimension }}{% if not loop.last %},{% endif %}
        {%- endfor %}
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
        {{ focus_charge_columns({
            'BilledCost': 'contracted_cost_usd',
            'BillingAccountId': 'provider',
            'BillingCurrency': "'USD'",
            'ChargeCategory': "'Usage'",
            'ChargeDescription': dbt.concat(['priced_model', "' '", 'lower(' ~ focus_sku_meter('token_type') ~ ')']),
            'ChargeFrequency': "'Usage-Based'",
            'ChargePeriodEnd': dbt.dateadd(period_unit, 1, 'charge_period_start'),
            'ChargePeriodStart': 'charge_period_start',
            'ConsumedQuantity': 'tokens',
            'ConsumedUnit': "'Tokens'",
            'ContractedUnitPrice': 'contracted_usd_per_mtok',
            'ListCost': 'cost_usd',
            'ListUnitPrice': 'usd_per_mtok',
            'PricingCategory': "'Standard'",
            'PricingQuantity': 'cast(tokens as decimal(38, 0)) * cast(0.000001 as decimal(7, 6))',
            'PricingUnit': "'1000000 Tokens'",
            'SkuId': dbt.concat(['priced_provider', "'/'", 'priced_model', "'/'", 'token_type']),
            'SkuMeter': focus_sku_meter('token_type'),
            'SkuPriceDetails': json_object_text({'x_TokenType': 'token_type', 'x_Model': 'priced_model'}),
            'SkuPriceId': 'price_id',
            'Tags': json_object_text({
                'tenant': 'tenant_id',
                'cost_center': 'chargeback_cost_center',
                'workflow': 'workflow_id',
                'actor': 'actor_id'
            }),
            'x_TenantId': 'tenant_id',
            'x_CostCenter': 'chargeback_cost_center',
            'x_WorkflowId': 'workflow_id',
            'x_ActorId': 'actor_id',
            'x_ActorType': 'actor_type',
            'x_AttributionStatus': 'attribution_status',
            'x_TokenType': 'token_type',
            'x_CallCount': 'call_count',
            'x_CallId': 'call_id'
        }) }}
    from invoiced
)

select * from final
