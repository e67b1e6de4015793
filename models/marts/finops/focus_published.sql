{#- The FOCUS rows of closed months as published: the rows of the FOCUS
    dataset (the models of macro focus_row_models, as focus_charges unions
    them) frozen the first time a build sees their month (BillingPeriodStart)
    in seed closed_billing_periods, kept from build to build (this table
    reads its previous version) while the month stays closed with the same
    closed_at, exactly like chargeback_published: the same build freezes
    both, so a closed month's FOCUS BilledCost per cost center is its
    published chargeback. Reopening a month (removing its row) drops them;
    closing it again publishes that build's rows. A full refresh keeps them:
    the table is only rebuilt from its own rows. -#}
{%- set focus_row_models = focus_row_models() -%}
{%- set previous = previous_build_relation() -%}
{%- set columns = union_columns(focus_row_models) if execute else [] -%}
with

{% for model_name in focus_row_models -%}
    {{ model_name }} as (
        select * from {{ ref(model_name) }}
    ),

{% endfor -%}

closed as (
    select * from {{ ref('closed_billing_periods') }}
),

current_rows as (
    {{ union_by_column_name(focus_row_models) }}
),

kept as (
    {%- if previous is not none and execute %}
        {#- A FOCUS column added since the month was published is null in
            its published rows. -#}
        {%- set previous_columns = adapter.get_columns_in_relation(previous) %}
        {%- set previous_names = previous_columns | map(attribute='name') | map('lower') | list %}
        select
            {%- for column in columns %}
                {%- if column.name | lower in previous_names %}
                    published.{{ column.name }},
                {%- else %}
                    cast(null as {{ column.data_type }}) as {{ column.name }},
                {%- endif %}
            {%- endfor %}
            published.x_ClosedAt,
            published.x_PublishedAt
        from {{ previous }} as published
        inner join closed
            on
                published.BillingPeriodStart = closed.billing_period_start
                and published.x_ClosedAt = closed.closed_at
    {%- else %}
        select
            current_rows.*,
            cast(null as {{ dbt.type_timestamp() }}) as x_ClosedAt,
            cast(null as {{ dbt.type_timestamp() }}) as x_PublishedAt
        from current_rows
        where 1 = 0
    {%- endif %}
),

kept_periods as (
    select distinct BillingPeriodStart from kept
),

newly_closed as (
    select closed.*
    from closed
    left join kept_periods
        on closed.billing_period_start = kept_periods.BillingPeriodStart
    where kept_periods.BillingPeriodStart is null
),

newly_published as (
    select
        current_rows.*,
        cast(newly_closed.closed_at as {{ dbt.type_timestamp() }}) as x_ClosedAt,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as x_PublishedAt
    from current_rows
    inner join newly_closed
        on current_rows.BillingPeriodStart = newly_closed.billing_period_start
),

final as (
    select * from kept
    union all
    select * from newly_published
)

select * from final
