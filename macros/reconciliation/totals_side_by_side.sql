{#- Two per-key totals side by side, for the reconciliation tests: one row
    per key found on either side, a side without the key counting 0 (so a
    missing key is a difference, never dropped). -#}
{% macro totals_side_by_side(left, right, keys, left_total, right_total) -%}
    select
        {%- for key in keys %}
            coalesce({{ left }}.{{ key }}, {{ right }}.{{ key }}) as {{ key }},
        {%- endfor %}
        coalesce({{ left }}.{{ left_total }}, 0) as {{ left_total }},
        coalesce({{ right }}.{{ right_total }}, 0) as {{ right_total }}
    from {{ left }}
    full outer join {{ right }}
        on
        {%- for key in keys %}
            {% if not loop.first %}and {% endif %}{{ left }}.{{ key }} = {{ right }}.{{ key }}
        {%- endfor %}
{%- endmacro %}
