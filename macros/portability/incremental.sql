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
    cluster), which needs no MERGE and no unique key. meta file_key names
    the column, so row-level data tests check only the files staged this
    run (get_where_subquery, rows_of_files_staged_this_run). -#}
{% macro file_rebuild_config() -%}
    {{ return(adapter.dispatch('file_rebuild_config', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__file_rebuild_config() -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': 'source_file', 'meta': {'file_key': 'source_file'}}) }}
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

{#- Config of a model rebuilt per trace on nightly runs (docs/nightly.md):
    incremental; a pre-hook deletes the rows of the traces this run rebuilds
    (delete_rebuilt_traces, keyed by `column`: trace_id, or a span key whose
    trace id prefix is taken) and the model's select, reading only those
    traces (in_rebuilt_traces), appends their new rows. That is a
    delete+insert by trace, with the delete taken from the affected list
    rather than from the new rows, so a trace left with fewer rows, or none,
    loses its old ones. meta trace_key names the column, so row-level data
    tests check only the rebuilt traces' rows (get_where_subquery,
    rows_rebuilt_this_run). Spark (no DELETE on Parquet tables) rebuilds
    the whole table every run (docs/spark.md), and its tests check every row. -#}
{% macro trace_rebuild_config(column='trace_id', with_missing_trace_id=false) -%}
    {{ return(adapter.dispatch('trace_rebuild_config', 'llm_spend_attribution')(column, with_missing_trace_id)) }}
{%- endmacro %}

{% macro default__trace_rebuild_config(column, with_missing_trace_id) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'pre_hook': ["{{ delete_rebuilt_traces('" ~ column ~ "', " ~ (with_missing_trace_id | string | lower) ~ ") }}"],
        'meta': {'trace_key': column},
    }) }}
{%- endmacro %}

{% macro spark__trace_rebuild_config(column, with_missing_trace_id) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{#- Config of an aggregate rebuilt by period on nightly runs
    (docs/nightly.md, "Aggregates rebuilt by period"): incremental; a
    pre-hook deletes the rows of the UTC days this run rebuilds
    (delete_rebuilt_periods on `column`, the model's day or timestamp
    column) and the select, reading only those days' facts
    (in_rebuilt_periods), appends their rows: a delete+insert by day whose
    delete comes from the list of days, so a day that lost every row keeps
    none. Spark rebuilds the per-trace models in full every run (no DELETE
    on Parquet tables) and so these too: a table (an insert_overwrite by a
    day partition would keep the old rows of a day with no new row).
    A view over such a table can carry the same meta for its tests
    (focus_charges: period_key, and rebuilt_every_run for its rows rebuilt
    on every run whatever their day; rows_rebuilt_in_periods). -#}
{% macro period_rebuild_config(column) -%}
    {{ return(adapter.dispatch('period_rebuild_config', 'llm_spend_attribution')(column)) }}
{%- endmacro %}

{% macro default__period_rebuild_config(column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'pre_hook': ["{{ delete_rebuilt_periods('" ~ column ~ "') }}"],
        'meta': {'period_key': column},
    }) }}
{%- endmacro %}

{% macro spark__period_rebuild_config(column) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{#- Config of a mart that is a union of tables every run keeps current
    (focus_charges): a view, nothing to write or keep in step, with the
    meta its row-level tests read on a nightly run (period_key, the day
    column, and rebuilt_every_run, a predicate on its columns for the rows
    of the tables rebuilt every run: rows_rebuilt_in_periods). Spark: a
    table rebuilt every run, since a Spark warehouse is read as Parquet
    folders by path (scripts/spark_equivalence.py, DuckDB over
    DBT_SPARK_WAREHOUSE) and a view has none; its tests check every row
    there anyway. -#}
{% macro union_view_config(period_key, rebuilt_every_run) -%}
    {{ return(adapter.dispatch('union_view_config', 'llm_spend_attribution')(period_key, rebuilt_every_run)) }}
{%- endmacro %}

{% macro default__union_view_config(period_key, rebuilt_every_run) -%}
    {{ return({
        'materialized': 'view',
        'meta': {'period_key': period_key, 'rebuilt_every_run': rebuilt_every_run},
    }) }}
{%- endmacro %}

{% macro spark__union_view_config(period_key, rebuilt_every_run) -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}
