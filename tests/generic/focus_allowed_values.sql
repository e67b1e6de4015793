{#- Per-row FOCUS allowed values, which the validator checks only loosely (a
    value check passes if any row is valid): ChargeCategory, ChargeClass,
    ChargeFrequency (never Usage-Based for a Purchase), PricingCategory,
    ServiceCategory, the ServiceSubcategory-to-parent pairing, and ISO-style
    three-letter BillingCurrency. One row per violation, with the check. -#}
{% test focus_allowed_values(model) %}

{%- set parents = focus_service_subcategory_parents() %}

with

rows_checked as (
    select * from {{ model }}
),

violations as (
    select 'ChargeCategory' as failed_check, ChargeCategory as failed_value
    from rows_checked
    where ChargeCategory is null
        or ChargeCategory not in ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment')

    union all
    select 'ChargeClass' as failed_check, ChargeClass as failed_value
    from rows_checked
    where ChargeClass is not null and ChargeClass != 'Correction'

    union all
    select 'ChargeFrequency' as failed_check, ChargeFrequency as failed_value
    from rows_checked
    where ChargeFrequency is null
        or ChargeFrequency not in ('One-Time', 'Recurring', 'Usage-Based')
        or (ChargeCategory = 'Purchase' and ChargeFrequency = 'Usage-Based')

    union all
    select 'PricingCategory' as failed_check, PricingCategory as failed_value
    from rows_checked
    where PricingCategory is not null
        and PricingCategory not in ('Standard', 'Dynamic', 'Committed', 'Other')

    union all
    select 'ServiceCategory' as failed_check, ServiceCategory as failed_value
    from rows_checked
    where ServiceCategory is null
        or ServiceCategory not in ({{ sql_string_list(focus_service_categories()) }})

    union all
    select
        'ServiceSubcategory parent' as failed_check,
        {{ dbt.concat(["coalesce(ServiceSubcategory, '<null>')", "' / '", "coalesce(ServiceCategory, '<null>')"]) }}
            as failed_value
    from rows_checked
    where ServiceSubcategory is not null
        and coalesce(
            case ServiceSubcategory
                {%- for subcategory, parent in parents.items() %}
                when {{ dbt.string_literal(dbt.escape_single_quotes(subcategory)) }}
                    then ServiceCategory = {{ dbt.string_literal(dbt.escape_single_quotes(parent)) }}
                {%- endfor %}
                else false
            end,
            false
        ) = false

    union all
    select 'BillingCurrency' as failed_check, BillingCurrency as failed_value
    from rows_checked
    where BillingCurrency is null
        or not {{ regex_matches('BillingCurrency', '^[A-Z]{3}$') }}
)

select * from violations

{% endtest %}
