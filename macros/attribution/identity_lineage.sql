{#- Identity fields recovered along the trace, in output order. -#}
{% macro recovered_identity_fields() -%}
    {{ return(['tenant_id', 'cost_center', 'workflow_id', 'actor_id', 'actor_type']) }}
{%- endmacro %}

{#- The fields a span is a hop for: the recovered identity fields plus
    pseudo-field api_key_id (its keys: seed attribute_aliases' virtual keys). -#}
{% macro identity_hop_fields() -%}
    {{ return(recovered_identity_fields() + ['api_key_id']) }}
{%- endmacro %}

{#- Rows (identity_field, alias_key, alias_rank, alias_bit) for every alias
    of every identity_hop_fields field, ranked by identity_field_alias_keys
    as identity_field_aliases ranks them (so a rank here is the
    `<field>__near_rank` of int_spans__identity_hops, and alias_bit its bit
    in `<field>__present_aliases`: 2^(rank - 1)), as a union of constant
    selects (portable; the lists are small). -#}
{% macro identity_alias_registry() -%}
    {%- set rows = [] -%}
    {%- for field in identity_hop_fields() -%}
        {%- for key in identity_field_alias_keys(field) -%}
            {%- do rows.append((field, key, loop.index)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for field, alias, rank in rows %}
        select
            {{ dbt.string_literal(field) }} as identity_field,
            {{ dbt.string_literal(dbt.escape_single_quotes(alias)) }} as alias_key,
            {{ rank }} as alias_rank,
            cast({{ alias_bit(rank) }} as {{ dbt.type_bigint() }}) as alias_bit
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

{#- trust_rank() for a constant alias key, worked out when the model compiles
    (the same entries and order), so a hop's most trusted alias is picked by
    a coalesce over the keys in trust order instead of a sort at run time. -#}
{% macro trust_rank_of(key, entries) -%}
    {%- set ns = namespace(rank=none, default=entries | length) -%}
    {%- for entry in entries -%}
        {%- if entry == '*' -%}
            {%- set ns.default = loop.index0 -%}
        {%- elif ns.rank is none and entry.endswith('*') and key.startswith(entry[:-1]) -%}
            {%- set ns.rank = loop.index0 -%}
        {%- elif ns.rank is none and key == entry -%}
            {%- set ns.rank = loop.index0 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(ns.default if ns.rank is none else ns.rank) }}
{%- endmacro %}

{#- The alias keys of an identity_hop_fields field in alias order (seed
    attribute_aliases; pseudo-field api_key_id: its virtual keys); a key's
    alias rank is its position here, counted from 1. Apart from
    identity_field_aliases because that one also reads the trust-order seed,
    which identity_alias_registry's models do not depend on. -#}
{% macro identity_field_alias_keys(field) -%}
    {{ return(virtual_key_aliases() if field == 'api_key_id' else field_aliases(field)) }}
{%- endmacro %}

{#- The alias keys of an identity field (identity_field_alias_keys) as
    (key, alias_rank, key_trust_rank), in alias order. -#}
{% macro identity_field_aliases(field) -%}
    {%- set keys = identity_field_alias_keys(field) -%}
    {%- set trust_keys = identity_trust_order().get('keys', ['*']) -%}
    {%- set rows = [] -%}
    {%- for key in keys -%}
        {%- do rows.append((key, loop.index, trust_rank_of(key, trust_keys))) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

{#- The first non-null of the columns <field>__<alias_rank> in the order of
    `aliases` (identity_field_aliases rows), optionally skipping values equal
    to `differs_from`; and the alias rank of it (from which its key and key
    trust rank follow: alias_key_of_rank, alias_trust_of_rank). -#}
{% macro _first_alias_case(field, aliases, differs_from, item) -%}
    case
        {%- for key, rank, key_trust in aliases %}
        when {{ field }}__{{ rank }} is not null
            {%- if differs_from %} and {{ field }}__{{ rank }} != {{ differs_from }}{% endif %}
            then {% if item == 'value' %}{{ field }}__{{ rank }}{% else %}{{ rank }}{% endif %}
        {%- endfor %}
    end
{%- endmacro %}

{#- The bit of an alias in `<field>__present_aliases`: 2^(alias rank - 1),
    the encoding present_aliases writes and identity_alias_registry's
    alias_bit decodes with. -#}
{% macro alias_bit(rank) -%}
    {{ 2 ** (rank - 1) }}
{%- endmacro %}

{#- The aliases of an identity field that hold a value on a span, as one
    whole number: bit (alias rank - 1) set for each non-null column
    <field>__<alias_rank> of `aliases` (identity_field_aliases rows), so
    that int_spans__alias_usage counts the aliases found on each span
    without reading the span attributes again. At most 62 aliases per field
    (the bits of a bigint). -#}
{% macro present_aliases(field, aliases) -%}
    {%- if aliases | length > 62 -%}
        {{ exceptions.raise_compiler_error(
            'identity field ' ~ field ~ ' has ' ~ (aliases | length) ~ ' aliases (seed attribute_aliases);'
            ~ ' int_spans__identity_hops keeps at most 62 per field, one bit each'
        ) }}
    {%- endif -%}
    cast(
        {%- for key, rank, key_trust in aliases %}
            case when {{ field }}__{{ rank }} is not null then {{ alias_bit(rank) }} else 0 end{{ ' +' if not loop.last }}
        {%- endfor %}
        as {{ dbt.type_bigint() }}
    )
{%- endmacro %}

{% macro first_alias_value(field, aliases, differs_from=none) -%}
    {{ _first_alias_case(field, aliases, differs_from, 'value') }}
{%- endmacro %}

{% macro first_alias_rank(field, aliases, differs_from=none) -%}
    {{ _first_alias_case(field, aliases, differs_from, 'rank') }}
{%- endmacro %}

{#- The alias key, or the key trust rank, of an identity field's alias
    rank (identity_field_aliases), worked out when the model compiles: a
    hop stores the rank alone, not the key text beside it. Null for a null
    rank. -#}
{% macro _alias_item_of_rank(field, rank_expr, item) -%}
    {%- set aliases = identity_field_aliases(field) -%}
    {%- if aliases | length == 0 -%}
        null
    {%- else -%}
    case {{ rank_expr }}
        {%- for key, rank, key_trust in aliases %}
        when {{ rank }} then {% if item == 'key' %}{{ dbt.string_literal(dbt.escape_single_quotes(key)) }}
            {%- else %}{{ key_trust }}{% endif %}
        {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}

{% macro alias_key_of_rank(field, rank_expr) -%}
    {{ _alias_item_of_rank(field, rank_expr, 'key') }}
{%- endmacro %}

{% macro alias_trust_of_rank(field, rank_expr) -%}
    {{ _alias_item_of_rank(field, rank_expr, 'key_trust') }}
{%- endmacro %}

{#- The lowest / highest non-null of the expressions (null when all are
    null), whether the engine's least/greatest skips nulls or not. -#}
{% macro least_of(expressions) -%}
    coalesce(least({{ expressions | join(', ') }}), {{ expressions | join(', ') }})
{%- endmacro %}

{% macro greatest_of(expressions) -%}
    coalesce(greatest({{ expressions | join(', ') }}), {{ expressions | join(', ') }})
{%- endmacro %}

{#- A hop and a whole-number order (>= 0) as one number, order * 10^12 +
    hop id, so that min() over a call's hops picks the hop of the lowest
    order, in plain SQL (no arg_min). Hop ids stay below 10^12. -#}
{% macro hop_ordered(order_expr, hop_id_expr) -%}
    (cast({{ order_expr }} as decimal(38, 0)) * 1000000000000 + {{ hop_id_expr }})
{%- endmacro %}

{#- The hop id held by a hop_ordered number. -#}
{% macro ordered_hop_id(ordered_expr) -%}
    cast(mod({{ ordered_expr }}, 1000000000000) as bigint)
{%- endmacro %}

{#- The order held by a hop_ordered number. -#}
{% macro ordered_order(ordered_expr) -%}
    cast({{ integer_quotient(ordered_expr, 1000000000000) }} as bigint)
{%- endmacro %}
