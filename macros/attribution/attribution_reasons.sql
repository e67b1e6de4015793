{#- The chargeback bucket of calls no cost center could be resolved for, as a
    SQL string literal. The one place the name is written on the dbt side. -#}
{% macro unattributed_bucket() -%}
    'UNATTRIBUTED'
{%- endmacro %}

{#- The reason codes of the UNATTRIBUTED bucket and the lookup each one
    fails, in the order a call's first reason is taken (identity before
    workflow). fct_llm_calls computes a boolean is_<reason> per code and
    lists the codes that hold in unattributed_reasons.
    scripts/attribution_reasons.py holds the same list for the scripts
    (tests/python/test_attribution_reasons.py checks they agree). -#}
{% macro attribution_reasons() -%}
    {{ return([
        {'reason': 'missing_tenant', 'failed_step': 'tenant -> cost center'},
        {'reason': 'unmapped_tenant', 'failed_step': 'tenant -> cost center'},
        {'reason': 'unknown_cost_center', 'failed_step': 'trace cost center -> taxonomy'},
        {'reason': 'missing_workflow', 'failed_step': 'workflow -> budget owner'},
        {'reason': 'unregistered_workflow', 'failed_step': 'workflow -> budget owner'},
        {'reason': 'missing_actor', 'failed_step': 'actor'},
        {'reason': 'unpriced_model', 'failed_step': 'model and date -> price'},
    ]) }}
{%- endmacro %}
