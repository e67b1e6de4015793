{#- Filters and deletes of the models rebuilt per trace (trace_rebuild_config):
    on an incremental run they read and replace only the traces listed by
    stg_traces__affected_traces; on a full build they read everything. -#}

{#- The trace id of a row from its trace_id column, or from a span key
    (`trace_id:span_id`, macro usable_spans) for models keyed by call. -#}
{% macro trace_of(column) -%}
    {%- if column == 'trace_id' -%}
        trace_id
    {%- else -%}
        {{ dbt.split_part(column, "':'", 1) }}
    {%- endif -%}
{%- endmacro %}

{#- A predicate: the row's trace is rebuilt by this run (always true on a
    full build). `trace_expr` is a SQL expression of the row's trace id. The
    ref is taken on every parse so the model depends on the affected list. -#}
{% macro in_rebuilt_traces(trace_expr) -%}
    {#- A unit test renders the full build (no affected list to mock). -#}
    {%- if model is mapping and model.get('resource_type') == 'unit_test' -%}
        true
    {%- else -%}
    {%- set affected = ref('stg_traces__affected_traces') -%}
    {%- if is_incremental() -%}
        {{ trace_expr }} in (select affected.trace_id from {{ affected }} as affected)
    {%- else -%}
        true
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a model rebuilt per trace: deletes the rows of every trace
    this run rebuilds (with_missing_trace_id: also the rows without a trace
    id, rebuilt every run), so a trace that lost rows, or all of them, keeps
    none of its old ones; the model's select then appends the new rows. -#}
{% macro delete_rebuilt_traces(column='trace_id', with_missing_trace_id=false) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            {{ in_rebuilt_traces(trace_of(column)) }}
            {%- if with_missing_trace_id %}
                or {{ column }} is null
            {%- endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
