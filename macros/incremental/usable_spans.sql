{#- The usable first copy of each span, the one place that says what a span
    read by the models is: the rows of stg_traces__span_records that were
    not rejected (malformed, invalid or a later copy of the same span), keyed
    `trace_id:span_id` (span_key, and parent_span_key for the parent).
    Renders a select of span_key, parent_span_key and `columns` (names of
    stg_traces__span_records columns) from `span_records` (its ref), with an
    optional extra predicate `where` (e.g. in_rebuilt_traces). The view
    stg_traces__spans and the per-trace models that read spans all use it,
    so the models need not read the view (one model less per chain). -#}
{% macro usable_spans(span_records, columns, where=none) -%}
    select
        {{ dbt.concat(['trace_id', "':'", 'span_id']) }} as span_key,
        case
            when parent_span_id is not null
                then {{ dbt.concat(['trace_id', "':'", 'parent_span_id']) }}
        end as parent_span_key,
        {{ columns | join(',\n        ') }}
    from {{ span_records }}
    where
        rejection_reason is null
        {%- if where is not none %}
            and {{ where }}
        {%- endif %}
{%- endmacro %}
