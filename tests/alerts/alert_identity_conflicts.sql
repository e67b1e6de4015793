{#- Attribution alert (error by default, var identity_conflict_severity):
    calls whose hops disagree on the tenant, e.g. a client header claiming
    another tenant than the owner of the call's virtual key. The call is
    charged to the trusted tenant; the claimed one is listed here. -#}
{{ config(severity=var('identity_conflict_severity', 'error'), store_failures=true) }}

select
    call_id,
    call_at,
    tenant_id,
    tenant_id_source_kind,
    tenant_id_source_key,
    tenant_id_source_hop,
    api_key_id,
    identity_conflict_kind,
    claimed_tenant_id,
    claimed_tenant_id_source_key,
    claimed_tenant_id_source_hop,
    chargeback_cost_center,
    cost_usd
from {{ ref('fct_llm_calls') }}
where is_identity_conflict
