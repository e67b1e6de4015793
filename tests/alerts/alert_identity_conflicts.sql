{#- Attribution alert (error by default, var identity_conflict_severity):
    calls whose hops disagree on the tenant, e.g. a client header claiming
    another tenant than the owner of the call's virtual key. The call is
    charged to the trusted tenant; the claimed one is listed here. Reads the
    leaf mart identity_conflicts so a failure skips no other model. -#}
{{ config(severity=var('identity_conflict_severity', 'error'), store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select * from {{ ref('identity_conflicts') }}
