{#- FOCUS Key-Value format: every non-null value of the column is a JSON object
    with unique keys and only scalar values (no nested object or array).
    Each distinct value is checked once and returned once when it fails: the
    values repeat across rows (a FOCUS row's Tags are its call's identity),
    and parsing every row's JSON was most of the test's time. -#}
{% test json_flat_object(model, column_name) %}

with

distinct_values as (
    select distinct {{ column_name }} as json_value
    from {{ model }}
    where {{ column_name }} is not null
)

select json_value
from distinct_values
where not coalesce({{ json_is_flat_object('json_value') }}, false)

{% endtest %}
