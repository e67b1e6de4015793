{#- OTLP JSON batches (one ExportTraceServiceRequest per line, as the
    Collector file exporter writes) exploded into the common span shape.
    Resource attributes are carried down to each span (span attributes win);
    the instrumentation scope is kept as otel.scope.name / otel.scope.version.
    Events and links are not read (events carry prompt content). -#}
{{ config(materialized='ephemeral') }}
{%- set array_prefix = "coalesce("
    ~ dbt.concat(["'['", dbt.safe_cast('array_position', dbt.type_string()), "'].'"]) ~ ", '')" -%}
with

records as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        array_position,
        raw_line
    from {{ ref('base_traces__lines') }}
    where record_format = 'otlp_json'
),

-- noqa: disable=PRS
-- (sqlfluff's duckdb grammar does not parse the lambdas the OTLP macros render)
exploded as (
    select * from {{ explode_otlp_batches('records') }}
),

fields as (
    select
        *,
        {{ otlp_span_fields('span_json') }} as span
    from exploded
),

entries as (
    select
        *,
        -- Span attributes first: on a repeated key the span wins over its
        -- scope and resource.
        {{ entries_concat([
            otlp_attribute_entries('span.attributes'),
            entry_list_of(["'otel.scope.name'", "'otel.scope.version'"], ['scope_name', 'scope_version']),
            otlp_attribute_entries('resource_attributes')
        ]) }} as all_entries
    from fields
),

parsed as (
    select
        source_file,
        file_size,
        file_modified_at,
        line_number,
        -- A batch that is an element of a JSON array is prefixed with its
        -- array position ([2].resourceSpans[0]...); a batch without spans
        -- has no span position (null, or just [2]).
        case
            when span_index is not null
                then {{ dbt.concat([
                    array_prefix,
                    "'resourceSpans['", dbt.safe_cast('resource_index', dbt.type_string()),
                    "'].scopeSpans['", dbt.safe_cast('scope_index', dbt.type_string()),
                    "'].spans['", dbt.safe_cast('span_index', dbt.type_string()), "']'"
                ]) }}
            when array_position is not null
                then {{ dbt.concat(["'['", dbt.safe_cast('array_position', dbt.type_string()), "']'"]) }}
        end as batch_position,
        'otlp_json' as record_format,
        cast(span_json as {{ dbt.type_string() }}) as raw_record,
        span['traceid'] as raw_trace_id,
        span['spanid'] as raw_span_id,
        span['parentspanid'] as raw_parent_span_id,
        span['name'] as span_name,
        span['kind'] as raw_span_kind,
        span['starttimeunixnano'] as raw_started_at,
        span['endtimeunixnano'] as raw_ended_at,
        span['status']['code'] as raw_status_code,
        {{ entries_first_wins(['all_entries']) }} as attribute_entries
    from entries
)

-- noqa: enable=PRS
select * from parsed
