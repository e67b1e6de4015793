{#- Reconciliation alert: provider invoices whose traced cost differs from the
    invoiced amount by more than both var invoice_tolerance_abs (amount) and
    var invoice_tolerance_pct (share of the invoice), or whose currency is not
    the traced cost's. Severity: var invoice_alert_severity (warn, so the
    reconciliation marts downstream still build; error to stop the run). -#}
{{ config(severity=var('invoice_alert_severity', 'warn'), store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select *
from {{ ref('invoice_reconciliation') }}
where reconciliation_status in ('over_tolerance', 'currency_mismatch')
