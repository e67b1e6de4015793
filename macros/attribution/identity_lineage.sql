{#- Identity fields recovered along the trace, in output order. -#}
{% macro recovered_identity_fields() -%}
    {{ return(['tenant_id', 'cost_center', 'workflow_id', 'actor_id', 'actor_type']) }}
{%- endmacro %}

{#- Rows (identity_field, alias_key, alias_rank) for every configured identity
    alias, plus pseudo-field api_key_id (its keys: seed attribute_aliases), as a
    union of constant selects (portable; the lists are small). -#}
{% macro identity_alias_registry() -%}
    {%- set fields = recovered_identity_fields() -%}
    {%- set rows = [] -%}
    {%- for field in fields -%}
        {%- for alias in field_aliases(field) -%}
            {%- do rows.append((field, alias, loop.index)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for alias in virtual_key_aliases() -%}
        {%- do rows.append(('api_key_id', alias, loop.index)) -%}
    {%- endfor -%}
    {%- for field, alias, rank in rows %}
        select
            {{ dbt.string_literal(field) }} as identity_field,
            {{ dbt.string_literal(dbt.escape_single_quotes(alias)) }} as alias_key,
            {{ rank }} as alias_rank
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- Position of `expr` in a most-to-least-trusted list: exact entries, or
    prefixes written with a trailing `*`; the entry "*" is every value not
    listed (default: after the last entry). Lower is more trusted. -#}
{% macro trust_rank(expr, entries) -%}
    {%- set ns = namespace(default=entries | length) -%}
    {%- for entry in entries -%}
        {%- if entry == '*' -%}{%- set ns.default = loop.index0 -%}{%- endif -%}
    {%- endfor -%}
    case
        {%- for entry in entries %}
            {%- if entry == '*' %}
            {%- elif entry.endswith('*') %}
        when substring({{ expr }}, 1, {{ entry[:-1] | length }})
            = {{ dbt.string_literal(dbt.escape_single_quotes(entry[:-1])) }} then {{ loop.index0 }}
            {%- else %}
        when {{ expr }} = {{ dbt.string_literal(dbt.escape_single_quotes(entry)) }} then {{ loop.index0 }}
            {%- endif %}
        {%- endfor %}
        else {{ ns.default }}
    end
{%- endmacro %}

{#- `service / span name` label of a hop. -#}
{% macro hop_label(service_expr, span_name_expr) -%}
    {{ dbt.concat([
        "coalesce(" ~ service_expr ~ ", '(no service.name)')",
        "' / '",
        "coalesce(" ~ span_name_expr ~ ", '(no name)')"
    ]) }}
{%- endmacro %}
