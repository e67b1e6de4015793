{#- Per identity field and hop (service, span role, depth), over every day
    built: how often the hop received the field from its parent and lost or
    renamed it, and whether it is the field's first (shallowest) loss point.
    The forwarding rule to fix is the one of the first loss hop. -#}
with

survival as (
    select * from {{ ref('field_survival_by_hop') }}
),

hops as (
    select
        identity_field,
        service_name,
        span_role,
        depth,
        min(span_date) as first_seen_date,
        max(span_date) as last_seen_date,
        sum(spans_seen) as spans_seen,
        sum(parent_carried) as parent_carried,
        sum(lost_from_parent) as lost_from_parent,
        sum(renamed_from_parent) as renamed_from_parent
    from survival
    group by identity_field, service_name, span_role, depth
),

first_loss as (
    select
        identity_field,
        min(depth) as first_loss_depth
    from hops
    where lost_from_parent > 0
    group by identity_field
),

final as (
    select
        hops.identity_field,
        hops.service_name,
        hops.span_role,
        cast(hops.depth as {{ dbt.type_int() }}) as depth,
        hops.first_seen_date,
        hops.last_seen_date,
        cast(hops.spans_seen as {{ dbt.type_bigint() }}) as spans_seen,
        cast(hops.parent_carried as {{ dbt.type_bigint() }}) as parent_carried,
        cast(hops.lost_from_parent as {{ dbt.type_bigint() }}) as lost_from_parent,
        cast(hops.renamed_from_parent as {{ dbt.type_bigint() }}) as renamed_from_parent,
        cast(
            case
                when hops.parent_carried > 0
                    then cast(hops.lost_from_parent as double) / hops.parent_carried
            end as decimal(9, 6)
        ) as loss_rate,
        coalesce(
            hops.lost_from_parent > 0 and hops.depth = first_loss.first_loss_depth,
            false
        ) as is_first_loss_hop
    from hops
    left join first_loss
        on hops.identity_field = first_loss.identity_field
)

select * from final
