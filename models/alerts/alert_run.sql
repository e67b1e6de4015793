{#- One row naming the build whose alerts are evaluated. Every test under
    tests/alerts/ also depends on it, and nothing else does. dbt holds a node
    back for a failing test only when that node descends from all of the
    test's parents, so an alert (however severe) never holds back
    publish_bi_release, while reconciliation, grain and contract failures
    on the marts do: the published set shows the overrun or the unattributed
    spend that the alert reports. -#}
with

final as (
    select
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as invocation_id,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as evaluated_at
)

select * from final
