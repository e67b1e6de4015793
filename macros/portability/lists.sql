{#- Parallel key/value lists and {key, value} entry lists: the cheap form of
    an attribute map before the one MAP is built (building DuckDB MAPs is
    the costly step of staging, so staging builds each span's map once). -#}

{#- True when the list holds the value. -#}
{% macro list_has(list_expr, value_expr) -%}
    {{ return(adapter.dispatch('list_has', 'llm_spend_attribution')(list_expr, value_expr)) }}
{%- endmacro %}

{% macro duckdb__list_has(list_expr, value_expr) -%}
    coalesce(list_contains({{ list_expr }}, {{ value_expr }}), false)
{%- endmacro %}

{#- The value paired with the first occurrence of key in keys (null if none). -#}
{% macro list_lookup(keys_expr, values_expr, key) -%}
    {{ return(adapter.dispatch('list_lookup', 'llm_spend_attribution')(keys_expr, values_expr, key)) }}
{%- endmacro %}

{% macro duckdb__list_lookup(keys_expr, values_expr, key) -%}
    {{ values_expr }}[list_position({{ keys_expr }}, {{ dbt.string_literal(dbt.escape_single_quotes(key)) }})]
{%- endmacro %}

{#- {key, value} entries from parallel lists; an empty list when a key
    repeats (as a JSON object with repeated keys gives no map). -#}
{% macro entries_from_lists(keys_expr, values_expr) -%}
    {{ return(adapter.dispatch('entries_from_lists', 'llm_spend_attribution')(keys_expr, values_expr)) }}
{%- endmacro %}

{% macro duckdb__entries_from_lists(keys_expr, values_expr) -%}
    case
        when len({{ keys_expr }}) = len(list_distinct({{ keys_expr }}))
            then list_transform(list_zip({{ keys_expr }}, {{ values_expr }}), lambda e: {'key': e[1], 'value': e[2]})
        else []
    end
{%- endmacro %}

{#- The keys of an entry list. -#}
{% macro entry_keys(entries_expr) -%}
    {{ return(adapter.dispatch('entry_keys', 'llm_spend_attribution')(entries_expr)) }}
{%- endmacro %}

{% macro duckdb__entry_keys(entries_expr) -%}
    list_transform({{ entries_expr }}, lambda e: e.key)
{%- endmacro %}

{#- Lists concatenated in order (repeats kept). -#}
{% macro entries_concat(list_exprs) -%}
    {{ return(adapter.dispatch('entries_concat', 'llm_spend_attribution')(list_exprs)) }}
{%- endmacro %}

{#- One flatten over the lists (not nested list_concat calls), so the SQL
    stays shallow; a null list adds nothing, as with list_concat. -#}
{% macro duckdb__entries_concat(list_exprs) -%}
    {%- if list_exprs | length == 1 -%}
        {{ list_exprs[0] }}
    {%- else -%}
        flatten([{{ list_exprs | join(', ') }}])
    {%- endif -%}
{%- endmacro %}

{#- Entry lists concatenated; on a repeated key the first list wins. -#}
{% macro entries_first_wins(entry_list_exprs) -%}
    {{ return(adapter.dispatch('entries_first_wins', 'llm_spend_attribution')(entry_list_exprs)) }}
{%- endmacro %}

{% macro duckdb__entries_first_wins(entry_list_exprs) -%}
    {{ duckdb__first_key_wins(duckdb__entries_concat(entry_list_exprs)) }}
{%- endmacro %}

{#- The MAP built from an entry list without repeated keys. -#}
{% macro map_from_entry_list(entries_expr) -%}
    {{ return(adapter.dispatch('map_from_entry_list', 'llm_spend_attribution')(entries_expr)) }}
{%- endmacro %}

{% macro duckdb__map_from_entry_list(entries_expr) -%}
    coalesce(map_from_entries({{ entries_expr }}), map())
{%- endmacro %}

{#- The entries of a MAP. -#}
{% macro map_entry_list(map_expr) -%}
    {{ return(adapter.dispatch('map_entry_list', 'llm_spend_attribution')(map_expr)) }}
{%- endmacro %}

{% macro duckdb__map_entry_list(map_expr) -%}
    map_entries({{ map_expr }})
{%- endmacro %}

{#- True when any text in the list matches the regular expression anchored
    at the text start (a `$` ends the text): one regex run over the joined
    list instead of one per element. May say true for a key holding a line
    break; callers use it only to skip exact work. -#}
{% macro list_any_matches_prefix(list_expr, pattern) -%}
    {{ return(adapter.dispatch('list_any_matches_prefix', 'llm_spend_attribution')(list_expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__list_any_matches_prefix(list_expr, pattern) -%}
    coalesce(regexp_matches(
        array_to_string({{ list_expr }}, chr(10)),
        {{ dbt.string_literal(dbt.escape_single_quotes('(?m)^(' ~ pattern ~ ')')) }}
    ), false)
{%- endmacro %}

{#- The {key, value} entries whose key is none of the given keys (a list of
    key texts, matched exactly). -#}
{% macro entries_without_keys(entries_expr, keys) -%}
    {{ return(adapter.dispatch('entries_without_keys', 'llm_spend_attribution')(entries_expr, keys)) }}
{%- endmacro %}

{% macro duckdb__entries_without_keys(entries_expr, keys) -%}
    list_filter({{ entries_expr }}, lambda entry: not list_contains([{{ sql_string_list(keys) }}], entry.key))
{%- endmacro %}
