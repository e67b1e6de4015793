{#- Calls served by provisioned capacity: the provider's calls whose request
    model is the deployment of a shared charge (seed shared_charges, with a
    deployment) within the charge's period. They keep their usage and list
    cost; fct_llm_calls bills them 0 per token, the charge is allocated
    instead. One row per call (the first charge by id when two overlap). -#}
{{ config(**trace_rebuild_config('call_id')) }}
with

calls as (
    select * from {{ ref('int_llm_calls__attributed') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

charges as (
    select * from {{ ref('shared_charges') }}
    where deployment is not null
),

matches as (
    select
        calls.span_key as call_id,
        charges.charge_id,
        row_number() over (partition by calls.span_key order by charges.charge_id) as charge_rank
    from calls
    inner join charges
        on
            calls.provider = charges.provider
            and calls.request_model = charges.deployment
            and calls.started_at >= charges.billing_period_start
            and calls.started_at < charges.billing_period_end
),

final as (
    select
        cast(call_id as {{ dbt.type_string() }}) as call_id,
        cast(charge_id as {{ dbt.type_string() }}) as provisioned_charge_id
    from matches
    where charge_rank = 1
)

select * from final
