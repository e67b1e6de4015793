{#- One row per model call and failed lookup, with the reason code and the
    call's cost where known. A call failing two lookups appears twice, so sum
    cost over distinct call_id (or filter lands_in_unattributed_bucket) to
    avoid double counting. Rebuilt per trace on nightly runs, as
    fct_llm_calls (trace_rebuild_config): a row is one call's, so only the
    traces in stg_traces__affected_traces are read and replaced. -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{%- set reasons = attribution_reasons() -%}
with

-- Read once per reason (rebuilt_traces_cte_hint).
calls as {{ rebuilt_traces_cte_hint() }} (
    select * from {{ ref('int_llm_calls__attributed') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

facts as (
    select * from {{ ref('fct_llm_calls') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

failed_steps as (
    {%- for reason in reasons %}
        select
            span_key,
            '{{ reason.reason }}' as reason,
            '{{ reason.failed_step }}' as failed_step,
            {{ loop.index }} as reason_order
        from calls
        where is_{{ reason.reason }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        facts.call_id,
        cast(failed_steps.reason as {{ dbt.type_string() }}) as reason,
        cast(failed_steps.failed_step as {{ dbt.type_string() }}) as failed_step,
        facts.cost_usd,
        facts.chargeback_cost_center = {{ unattributed_bucket() }} as lands_in_unattributed_bucket,
        facts.call_at,
        facts.billing_period_start,
        facts.trace_id,
        facts.span_id,
        facts.tenant_id,
        facts.trace_cost_center,
        facts.cost_center,
        facts.workflow_id,
        facts.actor_id,
        facts.actor_type,
        facts.provider,
        facts.request_model,
        facts.response_model,
        facts.pricing_status,
        facts.attribution_status,
        facts.input_tokens,
        facts.output_tokens,
        facts.service_name,
        facts.source_file
    from failed_steps
    inner join facts
        on failed_steps.span_key = facts.call_id
)

select * from final
