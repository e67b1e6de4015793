{#- Traced cost (FOCUS BilledCost of the usage rows) against the provider's
    invoice, per provider and billing period, with the residual (invoiced minus
    traced) and whether it is within tolerance. A traced period with no invoice
    yet is `no_invoice`; an invoice with nothing traced has all of it as
    residual. -#}
{%- set handling = var('invoice_residual_handling', 'unallocated') -%}
{%- if handling not in ['allocate', 'unallocated'] -%}
    {{ exceptions.raise_compiler_error("var invoice_residual_handling must be allocate or unallocated, not " ~ handling) }}
{%- endif -%}
with

focus_usage as (
    select * from {{ ref('focus_cost_and_usage') }}
),

invoices as (
    select * from {{ ref('provider_invoices') }}
),

traced as (
    select
        x_ProviderId as provider,
        BillingPeriodStart as billing_period_start,
        BillingPeriodEnd as billing_period_end,
        BillingCurrency as traced_currency,
        sum(BilledCost) as traced_cost
    from focus_usage
    group by x_ProviderId, BillingPeriodStart, BillingPeriodEnd, BillingCurrency
),

compared as (
    select
        coalesce(traced.provider, invoices.provider) as provider,
        invoices.billing_account_id,
        invoices.invoice_id,
        coalesce(traced.billing_period_start, invoices.billing_period_start) as billing_period_start,
        coalesce(
            traced.billing_period_end,
            {{ dbt.dateadd('month', 1, 'invoices.billing_period_start') }}
        ) as billing_period_end,
        coalesce(invoices.currency, traced.traced_currency) as currency,
        coalesce(traced.traced_cost, 0) as traced_cost,
        invoices.invoiced_amount,
        invoices.invoice_id is not null and invoices.currency != coalesce(traced.traced_currency, invoices.currency)
            as is_currency_mismatch
    from traced
    full outer join invoices
        on
            traced.provider = invoices.provider
            and traced.billing_period_start = invoices.billing_period_start
),

final as (
    select
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast({{ provider_display_name('provider') }} as {{ dbt.type_string() }}) as provider_name,
        cast(billing_account_id as {{ dbt.type_string() }}) as billing_account_id,
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(billing_period_start as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(billing_period_end as {{ dbt.type_timestamp() }}) as billing_period_end,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(traced_cost as {{ money_type() }}) as traced_cost,
        cast(invoiced_amount as {{ money_type() }}) as invoiced_amount,
        cast(invoiced_amount - traced_cost as {{ money_type() }}) as residual_amount,
        -- a ratio for reading only; money stays DECIMAL
        case
            when invoiced_amount > 0
                then cast(invoiced_amount - traced_cost as double) / cast(invoiced_amount as double)
        end as residual_share_of_invoice,
        cast(
            case
                when invoice_id is null then 'no_invoice'
                when is_currency_mismatch then 'currency_mismatch'
                when
                    abs(invoiced_amount - traced_cost) > {{ var('invoice_tolerance_abs') }}
                    and abs(invoiced_amount - traced_cost) > {{ var('invoice_tolerance_pct') }} * invoiced_amount
                    then 'over_tolerance'
                else 'within_tolerance'
            end as {{ dbt.type_string() }}
        ) as reconciliation_status,
        cast({{ dbt.string_literal(handling) }} as {{ dbt.type_string() }}) as residual_handling
    from compared
)

select * from final
