{#- For each identity field, hop (service, span role, depth) and UTC day:
    how many spans carried the field under its canonical name, only under a
    drifted alias, or not at all; how many lost it although their parent
    carried it, or renamed it; and which hop is the first (shallowest) to
    lose it that day. Shows which hop drops or renames a field. -#}
{#- Rebuilt by span_date on nightly runs (period_rebuild_config): a row
    counts the spans of one UTC day (a span's parent is in its trace, so a
    changed parent rebuilds the child's day too). -#}
{{ config(**period_rebuild_config('span_date')) }}
{%- set fields = ['tenant_id', 'cost_center', 'workflow_id', 'actor_id'] -%}
with

-- Each span's alias rank per field (int_spans__identity_hops: the first
-- non-blank alias, whose key is the field's source key) and its parent's
-- number. Read twice below (the span and its parent): never copied whole.
alias_ranks as {{ cte_inline_hint() }} (
    select
        {%- for field in fields %}
            {{ field }}__near_rank,
        {%- endfor %}
        span_key,
        hop_id,
        parent_hop_id
    from {{ ref('int_spans__identity_hops') }}
),

-- The spans of the days rebuilt this run (their parents may start on
-- another day).
lineage as (
    select * from {{ ref('int_spans__lineage') }}
    where {{ in_rebuilt_periods('span_date') }}
),

hops as (
    select
        lineage.service_name,
        lineage.depth,
        {%- for field in fields %}
            {{ alias_key_of_rank(field, 'own.' ~ field ~ '__near_rank') }} as {{ field }}_source_key,
            {{ alias_key_of_rank(field, 'parent.' ~ field ~ '__near_rank') }} as parent_{{ field }}_source_key,
        {%- endfor %}
        lineage.span_role,
        lineage.span_date
    from lineage
    inner join alias_ranks as own
        on lineage.span_key = own.span_key
    -- One join to the parent for all fields (the branches below reuse it);
    -- only a parent that arrived can have handed a field on.
    left join alias_ranks as parent
        on own.parent_hop_id = parent.hop_id
),

field_presence as (
    {%- for field in fields %}
        select
            '{{ field }}' as identity_field,
            service_name,
            span_role,
            depth,
            span_date,
            {{ field }}_source_key as source_key,
            parent_{{ field }}_source_key is not null as is_parent_carrying,
            parent_{{ field }}_source_key as parent_source_key
        from hops
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

aggregated as (
    select
        identity_field,
        coalesce(service_name, '(no service.name)') as service_name,
        span_role,
        cast(depth as {{ dbt.type_int() }}) as depth,
        span_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as spans_seen,
        cast(
            sum(case when source_key = identity_field then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as present_canonical,
        cast(
            sum(case when source_key != identity_field then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as present_alias_only,
        cast(
            sum(case when source_key is null then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as absent,
        cast(
            cast(sum(case when source_key is not null then 1 else 0 end) as double)
            / count(*) as decimal(9, 6)
        ) as survival_rate,
        cast(
            sum(case when is_parent_carrying then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as parent_carried,
        cast(
            sum(case when is_parent_carrying and source_key is null then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as lost_from_parent,
        cast(
            sum(case when is_parent_carrying and source_key != parent_source_key then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as renamed_from_parent
    from field_presence
    group by
        identity_field,
        coalesce(service_name, '(no service.name)'),
        span_role,
        depth,
        span_date
),

first_loss as (
    select
        identity_field,
        span_date,
        min(depth) as first_loss_depth
    from aggregated
    where lost_from_parent > 0
    group by identity_field, span_date
),

final as (
    select
        aggregated.*,
        coalesce(
            aggregated.lost_from_parent > 0
            and aggregated.depth = first_loss.first_loss_depth,
            false
        ) as is_first_loss_hop
    from aggregated
    left join first_loss
        on
            aggregated.identity_field = first_loss.identity_field
            and aggregated.span_date = first_loss.span_date
)

select * from final
