{#- One part of `total` (a whole number: cents, 1e-12 ratio units) split
    over the rows of each `partition_by` group in proportion to `weight`
    (whole numbers; `weight_total` is the group's sum): floor(total x weight
    / weight_total), plus one unit for each of the largest remainders (ties
    by `tie_breaker`) until the group's parts sum exactly to `total`.
    Exact integer arithmetic (integer_quotient); an expression with window
    functions, so it goes in a select list over the rows to split. -#}
{% macro largest_remainder_part(total, weight, weight_total, partition_by, tie_breaker) -%}
    {%- set share = total ~ ' * ' ~ weight -%}
    {%- set floor_part = integer_quotient(share, weight_total) -%}
    cast(
        {{ floor_part }}
        + case
            when row_number() over (
                partition by {{ partition_by }}
                order by {{ share }} - {{ floor_part }} * {{ weight_total }} desc, {{ tie_breaker }}
            ) <= {{ total }} - sum({{ floor_part }}) over (partition by {{ partition_by }})
                then 1
            else 0
        end
        as decimal(38, 0)
    )
{%- endmacro %}
