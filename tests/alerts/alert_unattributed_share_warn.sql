{#- Attribution alert: billing periods whose unattributed share of cost is
    above var unattributed_share_warn. -#}
{{ config(severity='warn', store_failures=true) }}

{{ unattributed_share_above(var('unattributed_share_warn')) }}
