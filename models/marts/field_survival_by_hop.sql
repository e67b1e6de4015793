{#- For each identity field, hop (service, span role, depth) and UTC day:
    how many spans carried the field under its canonical name, only under a
    drifted alias, or not at all. Shows which hop drops or renames a field. -#}
{%- set fields = ['tenant_id', 'cost_center', 'workflow_id', 'actor_id'] -%}
with

spans as (
    select * from {{ ref('int_spans__canonicalized') }}
),

lineage as (
    select * from {{ ref('int_spans__lineage') }}
),

hops as (
    select
        spans.*,
        lineage.depth,
        case
            when spans.is_model_call then 'model_call'
            when
                lower(spans.operation) in ('invoke_agent', 'create_agent')
                or spans.span_name like 'invoke_agent%' then 'agent'
            when lineage.depth = 0 then 'root'
            else 'intermediate'
        end as span_role
    from spans
    inner join lineage
        on spans.span_key = lineage.span_key
),

field_presence as (
    {%- for field in fields %}
        select
            '{{ field }}' as identity_field,
            service_name,
            span_role,
            depth,
            cast({{ dbt.date_trunc('day', 'started_at') }} as date) as span_date,
            {{ field }}_source_key as source_key
        from hops
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
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
        ) as survival_rate
    from field_presence
    group by
        identity_field,
        coalesce(service_name, '(no service.name)'),
        span_role,
        depth,
        span_date
)

select * from final
