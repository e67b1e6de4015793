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

{#- A call's failed lookups as one text: the codes whose flag is_<code>
    holds, ';'-separated in attribution_reasons order, null when none
    (fct_llm_calls.unattributed_reasons; concat_ws skips the nulls). -#}
{% macro attribution_reason_list() -%}
    nullif(
        concat_ws(
            ';',
            {%- for reason in attribution_reasons() %}
                case when is_{{ reason.reason }} then '{{ reason.reason }}' end{{ ',' if not loop.last }}
            {%- endfor %}
        ),
        ''
    )
{%- endmacro %}

{#- Whether a list made by attribution_reason_list (`list_expr`) holds the
    code `reason` (the whole code, not a part of another). -#}
{% macro lists_attribution_reason(list_expr, reason) -%}
    {{ dbt.position("';" ~ reason ~ ";'", dbt.concat(["';'", list_expr, "';'"])) }} > 0
{%- endmacro %}
