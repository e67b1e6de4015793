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
    select * from {{ ref('fct_llm_calls') }}
    where {{ in_rebuilt_traces('trace_id') }} and unattributed_reasons is not null
),

-- A call's failed lookups: the codes listed in its unattributed_reasons
-- (macro attribution_reason_list).
failed_steps as (
    {%- for reason in reasons %}
        select
            calls.*,
            '{{ reason.reason }}' as reason,
            '{{ reason.failed_step }}' as failed_step
        from calls
        where {{ lists_attribution_reason('unattributed_reasons', reason.reason) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        call_id,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(failed_step as {{ dbt.type_string() }}) as failed_step,
        cost_usd,
        chargeback_cost_center = {{ unattributed_bucket() }} as lands_in_unattributed_bucket,
        call_at,
        billing_period_start,
        trace_id,
        span_id,
        tenant_id,
        trace_cost_center,
        cost_center,
        workflow_id,
        actor_id,
        actor_type,
        provider,
        request_model,
        response_model,
        pricing_status,
        attribution_status,
        input_tokens,
        output_tokens,
        service_name,
        source_file
    from failed_steps
)

select * from final
