{#- Calls whose hops disagree on the tenant (e.g. a client header claiming
    another tenant than the owner of the call's virtual key): what was
    claimed, what was charged, and where each came from. A leaf model, so the
    error-severity alert on it never holds back the chargeback marts. -#}
with

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

final as (
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
    from calls
    where is_identity_conflict
)

select * from final
