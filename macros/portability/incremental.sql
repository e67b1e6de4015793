{#- Incremental strategy per engine, for models that rebuild whole days
    (e.g. staged spans partitioned by span day): DuckDB deletes and inserts
    the rebuilt days; Spark overwrites the day partitions (parquet or delta,
    with partition_by); other engines merge on the unique key. -#}
{% macro day_rebuild_strategy() -%}
    {{ return(adapter.dispatch('day_rebuild_strategy', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__day_rebuild_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{% macro duckdb__day_rebuild_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__day_rebuild_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{#- Incremental config for a model rebuilt per source file (the staged
    records, docs/nightly.md): the rows of every file read this run replace
    that file's rows. DuckDB and most engines delete and insert by
    source_file; Spark overwrites partitions by source_file (dynamic
    partition overwrite; Parquet on a local session catalog, Delta on a
    cluster), which needs no MERGE and no unique key. -#}
{% macro file_rebuild_config() -%}
    {{ return(adapter.dispatch('file_rebuild_config', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__file_rebuild_config() -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': 'source_file'}) }}
{%- endmacro %}

{% macro spark__file_rebuild_config() -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': ['source_file']}) }}
{%- endmacro %}

{#- Whether the staged records are read by a post-hook, one statement per
    batch of files (insert_parsed_records_in_batches), rather than by the
    model's own statement: DuckDB holds every file scan's buffers until its
    statement ends, so one statement over thousands of files ran out of
    memory; other engines stream the files in the model's statement. -#}
{% macro stages_files_in_batches() -%}
    {{ return(adapter.dispatch('stages_files_in_batches', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__stages_files_in_batches() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro duckdb__stages_files_in_batches() -%}
    {{ return(true) }}
{%- endmacro %}
