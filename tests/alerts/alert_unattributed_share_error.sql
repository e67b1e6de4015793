{#- Attribution alert (error): billing periods whose unattributed share of
    cost is above var unattributed_share_error. -#}
{{ config(severity='error', store_failures=true) }}

{{ unattributed_share_above(var('unattributed_share_error')) }}
