{#- Reference lists read from seeds in seeds/mappings/ when a model
    compiles (reference_rows), each returned in the shape the models used
    when it was a dbt var, so the SQL renders the same direct look-ups. -#}

{#- Seed attribute_aliases as {field: [alias_key, ...]} in priority order
    (identity and execution fields, and pseudo-field api_key_id). -#}
{% macro attribute_alias_map() -%}
    {%- set aliases = {} -%}
    {%- for field, alias_key in reference_rows(
        'attribute_aliases', ['field', 'alias_key'], 'field, priority, alias_key',
        ['identity_aliases', 'execution_aliases', 'virtual_key_aliases']
    ) -%}
        {%- do aliases.setdefault(field, []).append(alias_key) -%}
    {%- endfor -%}
    {{ return(aliases) }}
{%- endmacro %}

{#- Attribute keys carrying the API key id or key hash looked up in seed
    virtual_keys (seed attribute_aliases, field api_key_id), in priority order. -#}
{% macro virtual_key_aliases() -%}
    {{ return(attribute_alias_map().get('api_key_id', [])) }}
{%- endmacro %}

{#- Seeds usage_text_keys and usage_text_fields as {span_keys: [...],
    child_span_keys: [...], fields: {field: [text_field, ...]}}. -#}
{% macro usage_text_aliases() -%}
    {%- set aliases = {'span_keys': [], 'child_span_keys': [], 'fields': {}} -%}
    {%- for read_on, attribute_key in reference_rows(
        'usage_text_keys', ['read_on', 'attribute_key'], 'read_on, priority, attribute_key',
        ['usage_text_aliases']
    ) -%}
        {%- do aliases[read_on ~ '_keys'].append(attribute_key) -%}
    {%- endfor -%}
    {%- for field, text_field in reference_rows(
        'usage_text_fields', ['field', 'text_field'], 'field, priority, text_field'
    ) -%}
        {%- do aliases['fields'].setdefault(field, []).append(text_field) -%}
    {%- endfor -%}
    {{ return(aliases) }}
{%- endmacro %}

{#- Seed json_string_containers: attribute keys whose values are JSON objects
    held as strings, in priority order (the first flattened entry wins). -#}
{% macro json_string_containers() -%}
    {{ return(reference_rows(
        'json_string_containers', ['attribute_key'], 'priority, attribute_key', ['json_string_containers']
    ) | map('first') | list) }}
{%- endmacro %}

{#- Seed content_attribute_patterns: regular expressions of prompt and
    completion content keys (any one matching is enough, so no order). -#}
{% macro content_attribute_patterns() -%}
    {{ return(reference_rows(
        'content_attribute_patterns', ['pattern'], 'pattern', ['content_attribute_patterns']
    ) | map('first') | list) }}
{%- endmacro %}

{#- Seed token_exclusive_sources as {field: [{source_key, provider}, ...]}. -#}
{% macro token_exclusive_sources() -%}
    {%- set sources = {} -%}
    {%- for field, source_key, provider in reference_rows(
        'token_exclusive_sources', ['field', 'source_key', 'provider'], 'field, source_key, provider',
        ['token_exclusive_sources']
    ) -%}
        {%- do sources.setdefault(field, []).append({'source_key': source_key, 'provider': provider}) -%}
    {%- endfor -%}
    {{ return(sources) }}
{%- endmacro %}

{#- Seed drift_ignored_keys: token- or identity-like keys deliberately not mapped. -#}
{% macro drift_ignored_keys() -%}
    {{ return(reference_rows(
        'drift_ignored_keys', ['attribute_key'], 'attribute_key', ['drift_ignored_keys']
    ) | map('first') | list) }}
{%- endmacro %}

{#- Seed identity_trust_order as {keys: [...], services: [...]}, most
    trusted first (the entries trust_rank takes). -#}
{% macro identity_trust_order() -%}
    {%- set order = {'keys': [], 'services': []} -%}
    {%- for applies_to, pattern in reference_rows(
        'identity_trust_order', ['applies_to', 'pattern'], 'applies_to, trust_rank, pattern',
        ['identity_trust_order']
    ) -%}
        {%- do order['keys' if applies_to == 'alias_key' else 'services'].append(pattern) -%}
    {%- endfor -%}
    {{ return(order) }}
{%- endmacro %}
