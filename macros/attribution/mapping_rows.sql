{#- The (key, value) rows of a mapping seed (seeds/mappings/), read when the
    model is compiled so the mapping renders as a CASE expression: a direct
    look-up per span, no join. Longest key first, so among prefixes the most
    specific wins. The ref() registers the seed as a parent, so dbt builds it
    before the model. Outside a build (compile, docs, sqlfluff) on a warehouse
    without the seed, the mapping is empty and a log line says so.
    `retired_var` names the dbt var that held the mapping before: setting it
    fails loudly instead of being ignored. -#}
{% macro mapping_rows(seed_name, key_column, value_column, retired_var=none) -%}
    {%- do ref(seed_name) -%}
    {%- if retired_var and var(retired_var, none) is not none -%}
        {{ exceptions.raise_compiler_error('var ' ~ retired_var ~ ' is retired: edit seeds/mappings/' ~ seed_name ~ '.csv instead.') }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set relation = mapping_seed_relation(seed_name) -%}
    {%- if relation is none -%}
        {%- if flags.WHICH in ('build', 'run', 'test', 'retry') -%}
            {{ exceptions.raise_compiler_error('Mapping seed ' ~ seed_name ~ ' is not loaded: run `dbt seed` (or `dbt build`).') }}
        {%- endif -%}
        {{ log('Mapping seed ' ~ seed_name ~ ' is not loaded: rendered without its rows.', info=true) }}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query(
        'select ' ~ key_column ~ ', ' ~ value_column ~ ' from ' ~ relation
        ~ ' order by ' ~ dbt.length(key_column) ~ ' desc, ' ~ key_column
    ).rows -%}
    {{ return(rows | map('list') | list) }}
{%- endmacro %}

{#- The warehouse table of a seed, or none when it is not loaded. A unit
    test's context has no graph (and ref() names its fixture), so there the
    seed is looked up in the seeds' schema (dbt_project.yml, seeds: +schema). -#}
{% macro mapping_seed_relation(seed_name) -%}
    {%- set seed = (graph.get('nodes') or {}).get('seed.' ~ project_name ~ '.' ~ seed_name) -%}
    {%- if seed -%}
        {{ return(adapter.get_relation(seed.database, seed.schema, seed.alias)) }}
    {%- endif -%}
    {{ return(adapter.get_relation(target.database, generate_schema_name('policy', none), seed_name)) }}
{%- endmacro %}
