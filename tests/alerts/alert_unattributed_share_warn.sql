{#- Attribution alert: billing periods whose unattributed share of cost is
    above var unattributed_share_warn. -#}
{{ config(severity='warn', store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

{{ unattributed_share_above(var('unattributed_share_warn')) }}
