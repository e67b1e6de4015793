{#- FOCUS: BilledCost summed per InvoiceId equals the invoice. The usage rows
    plus the invoice adjustment rows of every invoice sum exactly (DECIMAL) to
    its invoiced amount, and so do the cost-center rows of the reconciliation,
    in either residual handling mode. -#}
{{ config(severity='error') }}

with

invoices as (
    select * from {{ ref('invoice_reconciliation') }}
    where reconciliation_status in ('within_tolerance', 'over_tolerance')
),

focus_rows as (
    select
        InvoiceId as invoice_id,
        BilledCost
    from {{ ref('focus_cost_and_usage') }}
    union all
    select
        InvoiceId as invoice_id,
        BilledCost
    from {{ ref('focus_invoice_adjustments') }}
),

focus_totals as (
    select
        invoice_id,
        sum(BilledCost) as focus_billed_cost
    from focus_rows
    where invoice_id is not null
    group by invoice_id
),

cost_center_totals as (
    select
        invoice_id,
        sum(reconciled_cost) as reconciled_cost
    from {{ ref('invoice_reconciliation_by_cost_center') }}
    group by invoice_id
),

compared as (
    select
        invoices.invoice_id,
        invoices.invoiced_amount,
        focus_totals.focus_billed_cost,
        cost_center_totals.reconciled_cost
    from invoices
    left join focus_totals
        on invoices.invoice_id = focus_totals.invoice_id
    left join cost_center_totals
        on invoices.invoice_id = cost_center_totals.invoice_id
)

select * from compared
where
    coalesce(focus_billed_cost, 0) != invoiced_amount
    or coalesce(reconciled_cost, 0) != invoiced_amount
