{#- The rows (lists of `columns`) of a reference seed in seeds/mappings/,
    ordered by `order_by`, read when the model is compiled so the reference
    data renders into the SQL: a direct look-up per span, no join. The ref()
    registers the seed as a parent, so dbt builds it before the model.
    Outside a build (compile, docs, sqlfluff) on a warehouse without the
    seed, there are no rows and a log line says so. `retired_vars` name the
    dbt vars that held the data before: setting one fails loudly instead of
    being ignored. -#}
{% macro reference_rows(seed_name, columns, order_by, retired_vars=[]) -%}
    {%- do ref(seed_name) -%}
    {%- for retired_var in retired_vars -%}
        {%- if var(retired_var, none) is not none -%}
            {{ exceptions.raise_compiler_error('var ' ~ retired_var ~ ' is retired: edit seeds/mappings/' ~ seed_name ~ '.csv instead.') }}
        {%- endif -%}
    {%- endfor -%}
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
        'select ' ~ (columns | join(', ')) ~ ' from ' ~ relation ~ ' order by ' ~ order_by
    ).rows -%}
    {{ return(rows | map('list') | list) }}
{%- endmacro %}

{#- The (key, value) rows of a value mapping seed, longest key first, so
    among prefixes the most specific wins; each mapping renders as a CASE
    expression. `retired_var` as in reference_rows. -#}
{% macro mapping_rows(seed_name, key_column, value_column, retired_var=none) -%}
    {{ return(reference_rows(
        seed_name, [key_column, value_column],
        dbt.length(key_column) ~ ' desc, ' ~ key_column,
        [retired_var] if retired_var else []
    )) }}
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
