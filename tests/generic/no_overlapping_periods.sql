{#- Fails for every pair of rows with the same `key_columns` whose
    [start_column, end_column) periods overlap. A null end is open-ended. -#}
{% test no_overlapping_periods(model, key_columns, start_column, end_column) %}

with

periods as (
    select
        {{ key_columns | join(', ') }},
        {{ start_column }} as period_start,
        {{ end_column }} as period_end,
        row_number() over (
            order by {{ key_columns | join(', ') }}, {{ start_column }}
        ) as period_number
    from {{ model }}
),

overlapping_periods as (
    select
        earlier.period_number as earlier_period,
        later.period_number as later_period
    from periods as earlier
    inner join periods as later
        on
            {%- for column in key_columns %}
            earlier.{{ column }} = later.{{ column }} and
            {%- endfor %}
            earlier.period_number < later.period_number
            and earlier.period_start < coalesce(later.period_end, cast('9999-12-31' as {{ dbt.type_timestamp() }}))
            and later.period_start < coalesce(earlier.period_end, cast('9999-12-31' as {{ dbt.type_timestamp() }}))
)

select * from overlapping_periods

{% endtest %}
