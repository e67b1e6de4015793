{#- FOCUS Key-Value format: every non-null value of the column is a JSON object
    with unique keys and only scalar values (no nested object or array). -#}
{% test json_flat_object(model, column_name) %}

select {{ column_name }} as json_value
from {{ model }}
where {{ column_name }} is not null
    and not coalesce({{ json_is_flat_object(column_name) }}, false)

{% endtest %}
