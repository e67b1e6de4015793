{#- Each tenant's and workflow's daily cost against its trailing median:
    baseline = median of the entity's cost on the var spend_anomaly_window_days
    calendar days before the day (days without calls count as $0, from the
    entity's first call on). A day is an anomaly when its cost is above
    var spend_anomaly_k x baseline, exceeds the baseline by at least var
    spend_anomaly_min_usd, and the entity has at least var
    spend_anomaly_min_history_days days of history. One row per entity and
    day with calls, with the model and actor that spent most that day. -#}
{%- set window_days = var('spend_anomaly_window_days') | int -%}
with

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

spine as (
    select * from {{ ref('metricflow_time_spine') }}
),

entity_calls as (
    select
        'tenant' as entity_type,
        tenant_id as entity_id,
        call_date,
        coalesce(response_model, request_model) as model_name,
        actor_id,
        coalesce(cost_usd, 0) as cost_usd
    from calls
    where tenant_id is not null
    union all
    select
        'workflow' as entity_type,
        workflow_id as entity_id,
        call_date,
        coalesce(response_model, request_model) as model_name,
        actor_id,
        coalesce(cost_usd, 0) as cost_usd
    from calls
    where workflow_id is not null
),

entity_daily as (
    select
        entity_type,
        entity_id,
        call_date as spend_date,
        sum(cost_usd) as cost_usd,
        count(*) as call_count
    from entity_calls
    group by entity_type, entity_id, call_date
),

entity_first_days as (
    select
        entity_type,
        entity_id,
        min(spend_date) as first_date
    from entity_daily
    group by entity_type, entity_id
),

last_day as (
    select max(call_date) as last_date from calls
),

-- Every day from the entity's first call to the data's last day, $0 when idle.
entity_days as (
    select
        entity_first_days.entity_type,
        entity_first_days.entity_id,
        spine.date_day as spend_date,
        coalesce(entity_daily.cost_usd, 0) as cost_usd,
        coalesce(entity_daily.call_count, 0) as call_count
    from entity_first_days
    cross join last_day
    inner join spine
        on
            entity_first_days.first_date <= spine.date_day
            and last_day.last_date >= spine.date_day
    left join entity_daily
        on
            entity_first_days.entity_type = entity_daily.entity_type
            and entity_first_days.entity_id = entity_daily.entity_id
            and spine.date_day = entity_daily.spend_date
),

baselines as (
    select
        spend_day.entity_type,
        spend_day.entity_id,
        spend_day.spend_date,
        spend_day.cost_usd,
        spend_day.call_count,
        {{ median_of('history.cost_usd') }} as baseline_usd,
        count(history.spend_date) as history_days
    from entity_days as spend_day
    left join entity_days as history
        on
            spend_day.entity_type = history.entity_type
            and spend_day.entity_id = history.entity_id
            and spend_day.spend_date > history.spend_date
            and history.spend_date >= {{ dbt.dateadd('day', -1 * window_days, 'spend_day.spend_date') }}
    where spend_day.call_count > 0
    group by
        spend_day.entity_type,
        spend_day.entity_id,
        spend_day.spend_date,
        spend_day.cost_usd,
        spend_day.call_count
),

model_ranks as (
    select
        entity_type,
        entity_id,
        call_date,
        model_name,
        sum(cost_usd) as model_cost_usd,
        row_number() over (
            partition by entity_type, entity_id, call_date
            order by sum(cost_usd) desc, model_name
        ) as model_rank
    from entity_calls
    group by entity_type, entity_id, call_date, model_name
),

actor_ranks as (
    select
        entity_type,
        entity_id,
        call_date,
        actor_id,
        sum(cost_usd) as actor_cost_usd,
        row_number() over (
            partition by entity_type, entity_id, call_date
            order by sum(cost_usd) desc, actor_id
        ) as actor_rank
    from entity_calls
    group by entity_type, entity_id, call_date, actor_id
),

scored as (
    select
        baselines.*,
        cast(baselines.baseline_usd as {{ money_type() }})
        * cast({{ var('spend_anomaly_k') }} as decimal(18, 6)) as threshold_usd,
        baselines.cost_usd - cast(baselines.baseline_usd as {{ money_type() }}) as excess_usd,
        model_ranks.model_name as top_model,
        model_ranks.model_cost_usd as top_model_cost_usd,
        actor_ranks.actor_id as top_actor_id,
        actor_ranks.actor_cost_usd as top_actor_cost_usd
    from baselines
    left join model_ranks
        on
            baselines.entity_type = model_ranks.entity_type
            and baselines.entity_id = model_ranks.entity_id
            and baselines.spend_date = model_ranks.call_date
            and model_ranks.model_rank = 1
    left join actor_ranks
        on
            baselines.entity_type = actor_ranks.entity_type
            and baselines.entity_id = actor_ranks.entity_id
            and baselines.spend_date = actor_ranks.call_date
            and actor_ranks.actor_rank = 1
),

final as (
    select
        cast(entity_type as {{ dbt.type_string() }}) as entity_type,
        cast(entity_id as {{ dbt.type_string() }}) as entity_id,
        cast(spend_date as date) as spend_date,
        cast(cost_usd as {{ money_type() }}) as cost_usd,
        cast(call_count as {{ dbt.type_bigint() }}) as call_count,
        cast(baseline_usd as {{ money_type() }}) as baseline_usd,
        cast(history_days as {{ dbt.type_bigint() }}) as history_days,
        cast(threshold_usd as {{ money_type() }}) as threshold_usd,
        cast(excess_usd as {{ money_type() }}) as excess_usd,
        cast(
            case when baseline_usd > 0 then cast(cost_usd as double) / cast(baseline_usd as double) end
            as double
        ) as cost_to_baseline_ratio,
        cast(
            coalesce(
                history_days >= {{ var('spend_anomaly_min_history_days') }}
                and cost_usd > threshold_usd
                and excess_usd >= cast({{ var('spend_anomaly_min_usd') }} as {{ money_type() }}),
                false
            ) as boolean
        ) as is_anomaly,
        cast(top_model as {{ dbt.type_string() }}) as top_model,
        cast(top_model_cost_usd as {{ money_type() }}) as top_model_cost_usd,
        cast(top_actor_id as {{ dbt.type_string() }}) as top_actor_id,
        cast(top_actor_cost_usd as {{ money_type() }}) as top_actor_cost_usd
    from scored
)

select * from final
