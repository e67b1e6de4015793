{#- FOCUS Unit Format: an optional whole-number quantity prefix, then a
    capitalised unit, optionally `-` or `/` a capitalised time or unit
    ("Tokens", "1000000 Tokens", "GB-Hours", "GB/Hour"). "1M Tokens" fails.
    Null passes (nullability is tested separately). -#}
{% test focus_unit_format(model, column_name) %}

select {{ column_name }} as unit_value
from {{ model }}
where
    {{ column_name }} is not null
    and not {{ regex_matches(column_name, '^([1-9][0-9]* )?[A-Z][A-Za-z0-9]*([-/][A-Z][A-Za-z0-9]*)?$') }}

{% endtest %}
