{#- Pricing alert: calls that carry tokens but no complete price (unpriced
    model, partial price, or inconsistent token counts), with their token
    volume, per provider, model and status. They keep their tokens and carry
    no invented cost; add an alias (llm_model_aliases) or an override
    (llm_price_overrides) to price them. -#}
{{ config(severity='warn', store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select
    provider,
    coalesce(response_model, request_model) as model_name,
    pricing_status,
    count(*) as calls,
    sum(input_tokens) as input_tokens,
    sum(cache_read_tokens) as cache_read_tokens,
    sum(cache_write_tokens) as cache_write_tokens,
    sum(output_tokens) as output_tokens,
    sum(reasoning_tokens) as reasoning_tokens,
    min(call_at) as first_call_at,
    max(call_at) as last_call_at
from {{ ref('fct_llm_calls') }}
where pricing_status != 'priced'
group by provider, coalesce(response_model, request_model), pricing_status
