{#- Fails for every row where the SQL boolean `expression` is not true. -#}
{% test expression_holds(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
