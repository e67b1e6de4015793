{#- Provider spellings to the OTel GenAI registry value (seed provider_spellings);
    anything unlisted is lowercased and trimmed; a value mapped to null
    (LiteLLM's "Unknown") counts as no provider. -#}
{% macro normalize_provider(expr) -%}
    {%- set spellings = mapping_rows('provider_spellings', 'spelling', 'provider', 'provider_value_map') -%}
    case lower(trim({{ expr }}))
        {%- for raw, canonical in spellings %}
        when {{ dbt.string_literal(dbt.escape_single_quotes(raw | lower)) }}
            then {{ 'null' if canonical is none else dbt.string_literal(dbt.escape_single_quotes(canonical)) }}
        {%- endfor %}
        else lower(trim({{ expr }}))
    end
{%- endmacro %}

{#- The provider when no provider key names one: from the host in
    server.address (seed provider_hosts), else from the model name's prefix
    (seed model_provider_prefixes); null when neither matches. -#}
{% macro infer_provider(host_expr, response_model_expr, request_model_expr) -%}
    {%- set hosts = mapping_rows('provider_hosts', 'server_address', 'provider', 'provider_host_map') -%}
    {%- set prefixes = mapping_rows('model_provider_prefixes', 'model_prefix', 'provider', 'model_provider_prefixes') -%}
    case
        {%- for host, provider in hosts %}
            when lower(trim({{ host_expr }})) = {{ dbt.string_literal(dbt.escape_single_quotes(host | lower)) }}
                then {{ dbt.string_literal(dbt.escape_single_quotes(provider)) }}
        {%- endfor %}
        {%- for prefix, provider in prefixes %}
            when lower(coalesce({{ response_model_expr }}, {{ request_model_expr }}))
                like {{ dbt.string_literal(dbt.escape_single_quotes(prefix | lower) ~ '%') }}
                then {{ dbt.string_literal(dbt.escape_single_quotes(provider)) }}
        {%- endfor %}
    end
{%- endmacro %}

{#- Which rule of infer_provider applied: 'server.address' or 'model_name'. -#}
{% macro infer_provider_source(host_expr, response_model_expr, request_model_expr) -%}
    case
        when {{ infer_provider(host_expr, 'null', 'null') }} is not null then 'server.address'
        when {{ infer_provider('null', response_model_expr, request_model_expr) }} is not null then 'model_name'
    end
{%- endmacro %}
