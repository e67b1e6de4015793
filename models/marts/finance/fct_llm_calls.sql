{#- One row per model call: everything needed to answer the five questions
    of a disputed charge (tenant, cost center, model and unit price, workflow,
    actor) without another lookup. Calls served by provisioned capacity
    (a shared_charges row with a deployment) are billed 0 per token. -#}
{{ config(**trace_rebuild_config('trace_id')) }}
{%- set token_types = ['input', 'cache_read', 'cache_write', 'output', 'reasoning'] -%}
{#- Each failed lookup's code when its flag is set (concat_ws skips nulls). -#}
{%- set reason_codes = [] -%}
{%- for reason in attribution_reasons() -%}
    {%- do reason_codes.append("case when is_" ~ reason.reason ~ " then '" ~ reason.reason ~ "' end") -%}
{%- endfor -%}
with

-- Read twice (the provisioned-charge lookup and calls): inlined, so DuckDB
-- does not hold a copy of every attributed column (cte_inline_hint).
attributed as {{ cte_inline_hint() }} (
    select * from {{ ref('int_llm_calls__attributed') }}
    where {{ in_rebuilt_traces('trace_id') }}
),

charges as (
    select * from {{ ref('shared_charges') }}
    where deployment is not null
),

-- Call -> provisioned charge: the provider's calls whose request model is
-- the deployment of a shared charge (seed shared_charges, with a
-- deployment) within the charge's period; the first charge by id when two
-- overlap.
provisioned_matches as (
    select
        attributed.span_key,
        charges.charge_id,
        row_number() over (
            partition by attributed.span_key
            order by charges.charge_id
        ) as charge_rank
    from attributed
    inner join charges
        on
            attributed.provider = charges.provider
            and attributed.request_model = charges.deployment
            and attributed.started_at >= charges.billing_period_start
            and attributed.started_at < charges.billing_period_end
),

provisioned as (
    select
        span_key,
        cast(charge_id as {{ dbt.type_string() }}) as provisioned_charge_id
    from provisioned_matches
    where charge_rank = 1
),

-- Calls served by provisioned capacity keep their usage and list cost but
-- are not billed per token again: the capacity's charge is allocated
-- instead (int_shared_charges__allocated).
calls as (
    select
        attributed.*,
        provisioned.provisioned_charge_id,
        case
            when provisioned.provisioned_charge_id is not null then cast(0 as {{ money_type() }})
            else attributed.cost_usd
        end as billed_cost_usd
    from attributed
    left join provisioned
        on attributed.span_key = provisioned.span_key
),

final as (
    select
        cast(span_key as {{ dbt.type_string() }}) as call_id,
        cast(trace_id as {{ dbt.type_string() }}) as trace_id,
        cast(span_id as {{ dbt.type_string() }}) as span_id,
        cast(started_at as {{ dbt.type_timestamp() }}) as call_at,
        cast({{ dbt.date_trunc('day', 'started_at') }} as date) as call_date,
        cast({{ dbt.date_trunc('month', 'started_at') }} as {{ dbt.type_timestamp() }})
            as billing_period_start,
        cast(
            {{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'started_at')) }}
            as {{ dbt.type_timestamp() }}
        ) as billing_period_end,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(tenant_id_source_key as {{ dbt.type_string() }}) as tenant_id_source_key,
        cast(resolved_cost_center as {{ dbt.type_string() }}) as cost_center,
        cast(cost_center_source as {{ dbt.type_string() }}) as cost_center_source,
        cast(coalesce(resolved_cost_center, {{ unattributed_bucket() }}) as {{ dbt.type_string() }})
            as chargeback_cost_center,
        cast(policy_cost_center as {{ dbt.type_string() }}) as policy_cost_center,
        cast(cost_center as {{ dbt.type_string() }}) as trace_cost_center,
        cast(cost_center_source_key as {{ dbt.type_string() }}) as trace_cost_center_source_key,
        cast(is_cost_center_conflict as boolean) as is_cost_center_conflict,
        cast(workflow_id as {{ dbt.type_string() }}) as workflow_id,
        cast(workflow_id_source_key as {{ dbt.type_string() }}) as workflow_id_source_key,
        cast(budget_owner as {{ dbt.type_string() }}) as budget_owner,
        cast(actor_id as {{ dbt.type_string() }}) as actor_id,
        cast(actor_id_source_key as {{ dbt.type_string() }}) as actor_id_source_key,
        cast(resolved_actor_type as {{ dbt.type_string() }}) as actor_type,
        -- Identity provenance: the hop (service / span name) and depth each
        -- identity field came from (0 = the call's own span), and conflicts.
        cast(tenant_id_source_hop as {{ dbt.type_string() }}) as tenant_id_source_hop,
        cast(tenant_id_source_depth as {{ dbt.type_int() }}) as tenant_id_source_depth,
        cast(tenant_id_source_kind as {{ dbt.type_string() }}) as tenant_id_source_kind,
        cast(api_key_id as {{ dbt.type_string() }}) as api_key_id,
        cast(virtual_key_tenant_id as {{ dbt.type_string() }}) as virtual_key_tenant_id,
        cast(is_identity_conflict as boolean) as is_identity_conflict,
        cast(identity_conflict_kind as {{ dbt.type_string() }}) as identity_conflict_kind,
        cast(claimed_tenant_id as {{ dbt.type_string() }}) as claimed_tenant_id,
        cast(claimed_tenant_id_source_key as {{ dbt.type_string() }}) as claimed_tenant_id_source_key,
        cast(claimed_tenant_id_source_hop as {{ dbt.type_string() }}) as claimed_tenant_id_source_hop,
        cast(cost_center_source_hop as {{ dbt.type_string() }}) as trace_cost_center_source_hop,
        cast(cost_center_source_depth as {{ dbt.type_int() }}) as trace_cost_center_source_depth,
        cast(workflow_id_source_hop as {{ dbt.type_string() }}) as workflow_id_source_hop,
        cast(workflow_id_source_depth as {{ dbt.type_int() }}) as workflow_id_source_depth,
        cast(actor_id_source_hop as {{ dbt.type_string() }}) as actor_id_source_hop,
        cast(actor_id_source_depth as {{ dbt.type_int() }}) as actor_id_source_depth,
        cast(actor_type_source_key as {{ dbt.type_string() }}) as actor_type_source_key,
        cast(actor_type_source_hop as {{ dbt.type_string() }}) as actor_type_source_hop,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(lower(operation) as {{ dbt.type_string() }}) as operation,
        cast(request_model as {{ dbt.type_string() }}) as request_model,
        cast(response_model as {{ dbt.type_string() }}) as response_model,
        cast(priced_model as {{ dbt.type_string() }}) as priced_model,
        cast(model_match as {{ dbt.type_string() }}) as model_match,
        cast(pricing_provider as {{ dbt.type_string() }}) as pricing_provider,
        cast(priced_provider as {{ dbt.type_string() }}) as priced_provider,
        cast(matched_rule as {{ dbt.type_string() }}) as matched_rule,
        cast(tier_min_input_tokens as {{ dbt.type_bigint() }}) as tier_min_input_tokens,
        cast(price_source as {{ dbt.type_string() }}) as price_source,
        cast(source_version as {{ dbt.type_string() }}) as source_version,
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(coalesce(input_tokens, 0) as {{ dbt.type_bigint() }}) as input_tokens,
        cast(coalesce(cache_read_tokens, 0) as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(coalesce(cache_write_tokens, 0) as {{ dbt.type_bigint() }}) as cache_write_tokens,
        cast(coalesce(output_tokens, 0) as {{ dbt.type_bigint() }}) as output_tokens,
        cast(coalesce(reasoning_tokens, 0) as {{ dbt.type_bigint() }}) as reasoning_tokens,
        {%- for token_type in token_types %}
            cast({{ token_type }}_usd_per_mtok as decimal(18, 9)) as {{ token_type }}_usd_per_mtok,
            cast({{ token_type }}_price_id as {{ dbt.type_string() }}) as {{ token_type }}_price_id,
        {%- endfor %}
        cast(input_cost_usd as {{ money_type() }}) as input_cost_usd,
        cast(cache_read_cost_usd as {{ money_type() }}) as cache_read_cost_usd,
        cast(cache_write_cost_usd as {{ money_type() }}) as cache_write_cost_usd,
        cast(output_cost_usd as {{ money_type() }}) as output_cost_usd,
        cast(reasoning_cost_usd as {{ money_type() }}) as reasoning_cost_usd,
        cast(billed_cost_usd as {{ money_type() }}) as cost_usd,
        cast(list_cost_usd as {{ money_type() }}) as list_cost_usd,
        cast(billed_cost_usd as {{ money_type() }}) as contracted_cost_usd,
        cast(contract_id as {{ dbt.type_string() }}) as contract_id,
        cast(pricing_status as {{ dbt.type_string() }}) as pricing_status,
        cast(has_inconsistent_token_counts as boolean) as has_inconsistent_token_counts,
        cast(attribution_status as {{ dbt.type_string() }}) as attribution_status,
        cast(
            nullif(
                concat_ws(';', {{ reason_codes | join(', ') }}),
                ''
            ) as {{ dbt.type_string() }}
        ) as unattributed_reasons,
        cast(service_name as {{ dbt.type_string() }}) as service_name,
        cast(span_name as {{ dbt.type_string() }}) as span_name,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(provisioned_charge_id is not null as boolean) as is_provisioned,
        cast(provisioned_charge_id as {{ dbt.type_string() }}) as provisioned_charge_id,
        cast(cost_usd as {{ money_type() }}) as token_cost_usd
    from calls
)

select * from final
