{#- The complete FOCUS dataset to hand to a FinOps tool: the usage rows plus
    every other model of FOCUS rows, matched by column name (a column one of
    them lacks is null in its rows), so BilledCost per InvoiceId sums to each
    invoice. To add a model of FOCUS rows, add its name to this list. -#}
{%- set focus_row_models = [
    'focus_cost_and_usage',
    'focus_invoice_adjustments',
    'focus_shared_charge_allocations',
] -%}

with

{% for model_name in focus_row_models -%}
    {{ model_name }} as (
        select * from {{ ref(model_name) }}
    ),

{% endfor -%}

final as (
    {{ union_by_column_name(focus_row_models) }}
)

select * from final
