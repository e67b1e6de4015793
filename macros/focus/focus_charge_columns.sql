{#- The select list shared by the FOCUS models (focus_cost_and_usage,
    focus_invoice_adjustments): every FOCUS column (focus_column_names, in
    that order), then the x_ columns both carry, each cast to its one type.
    `values` maps a column name to its SQL expression; a column not given
    takes the default below, else null. Defaults read `provider`,
    `billing_period_start`, `billing_period_end` and `invoice_id`. -#}
{% macro focus_charge_columns(values) -%}
    {%- set provider_name = provider_display_name('provider') -%}
    {#- One currency, no commitment discounts: contracted and effective cost
        equal the billed cost, and the pricing-currency columns mirror the
        billing-currency ones. -#}
    {%- set defaults = {
        'BillingAccountName': provider_name,
        'BillingAccountType': "'Billing Account'",
        'BillingPeriodEnd': 'billing_period_end',
        'BillingPeriodStart': 'billing_period_start',
        'ContractedCost': values.get('BilledCost'),
        'EffectiveCost': values.get('BilledCost'),
        'HostProviderName': provider_name,
        'InvoiceId': 'invoice_id',
        'InvoiceIssuerName': provider_name,
        'PricingCurrency': values.get('BillingCurrency'),
        'PricingCurrencyContractedUnitPrice': values.get('ContractedUnitPrice'),
        'PricingCurrencyEffectiveCost': values.get('BilledCost'),
        'PricingCurrencyListUnitPrice': values.get('ListUnitPrice'),
        'ProviderName': provider_name,
        'PublisherName': provider_name,
        'ServiceCategory': "'AI and Machine Learning'",
        'ServiceName': provider_name,
        'ServiceProviderName': provider_name,
        'ServiceSubcategory': "'Generative AI'",
        'x_ProviderId': 'provider'
    } -%}
    {%- set money_columns = [
        'BilledCost', 'ContractedCost', 'EffectiveCost', 'ListCost', 'PricingCurrencyEffectiveCost'
    ] -%}
    {%- set timestamp_columns = ['BillingPeriodEnd', 'BillingPeriodStart', 'ChargePeriodEnd', 'ChargePeriodStart'] -%}
    {%- set quantity_columns = [
        'CommitmentDiscountQuantity', 'ConsumedQuantity', 'ContractedUnitPrice', 'ListUnitPrice',
        'PricingCurrencyContractedUnitPrice', 'PricingCurrencyListUnitPrice', 'PricingQuantity'
    ] -%}
    {%- set custom_columns = [
        'x_TenantId', 'x_CostCenter', 'x_WorkflowId', 'x_ActorId', 'x_ActorType',
        'x_AttributionStatus', 'x_TokenType', 'x_ProviderId', 'x_CallCount', 'x_CallId'
    ] -%}
    {%- set columns = focus_column_names() + custom_columns -%}
    {%- for column in values if column not in columns -%}
        {%- do exceptions.raise_compiler_error('focus_charge_columns: unknown column ' ~ column) -%}
    {%- endfor -%}
    {%- for column in columns %}
        {%- set expr = values.get(column, defaults.get(column)) -%}
        {%- if column in money_columns -%}
            {%- set data_type = money_type() -%}
        {%- elif column in timestamp_columns -%}
            {%- set data_type = dbt.type_timestamp() -%}
        {%- elif column in quantity_columns -%}
            {%- set data_type = 'decimal(38, 9)' -%}
        {%- elif column == 'x_CallCount' -%}
            {%- set data_type = dbt.type_bigint() -%}
        {%- else -%}
            {%- set data_type = dbt.type_string() -%}
        {%- endif %}
        cast({{ 'null' if expr is none else expr }} as {{ data_type }}) as {{ column }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
