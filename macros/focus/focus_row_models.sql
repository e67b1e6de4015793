{#- The models of FOCUS rows that make up the FOCUS dataset (focus_charges,
    focus_published), in union order. To add a model of FOCUS rows, add its
    name here. -#}
{% macro focus_row_models() -%}
    {{ return(['focus_cost_and_usage', 'focus_invoice_adjustments', 'focus_shared_charge_allocations']) }}
{%- endmacro %}
