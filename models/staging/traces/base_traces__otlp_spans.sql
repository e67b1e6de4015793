{#- OTLP JSON batches (one ExportTraceServiceRequest per line, as the
    Collector file exporter writes) exploded into the common span shape.
    Resource attributes are carried down to each span (span attributes win);
    the instrumentation scope is kept as otel.scope.name / otel.scope.version.
    Events and links are not read (events carry prompt content). -#}
{{ config(materialized='ephemeral') }}
with

records as (
    select
        source_file,
        line_number,
        raw_line
    from {{ ref('base_traces__lines') }}
    where record_format = 'otlp_json'
),

exploded as (
    select * from {{ explode_otlp_batches('records') }}
),

fields as (
    select
        source_file,
        line_number,
        resource_index,
        scope_index,
        span_index,
        resource_attributes,
        scope_name,
        scope_version,
        span_json,
        {{ otlp_span_fields('span_json') }} as span
    from exploded
),

files as (
    select distinct
        source_file,
        file_size,
        file_modified_at
    from {{ ref('base_traces__lines') }}
    where record_format = 'otlp_json'
),

parsed as (
    select
        fields.source_file,
        files.file_size,
        files.file_modified_at,
        fields.line_number,
        case
            when fields.span_index is not null
                then {{ dbt.concat([
                    "'resourceSpans['", dbt.safe_cast('fields.resource_index', dbt.type_string()),
                    "'].scopeSpans['", dbt.safe_cast('fields.scope_index', dbt.type_string()),
                    "'].spans['", dbt.safe_cast('fields.span_index', dbt.type_string()), "']'"
                ]) }}
        end as batch_position,
        'otlp_json' as record_format,
        cast(fields.span_json as {{ dbt.type_string() }}) as raw_record,
        fields.span['traceid'] as raw_trace_id,
        fields.span['spanid'] as raw_span_id,
        fields.span['parentspanid'] as raw_parent_span_id,
        fields.span['name'] as span_name,
        fields.span['kind'] as raw_span_kind,
        fields.span['starttimeunixnano'] as raw_started_at,
        fields.span['endtimeunixnano'] as raw_ended_at,
        fields.span['status']['code'] as raw_status_code,
        -- noqa: disable=PRS
        -- (sqlfluff's duckdb grammar does not parse two-argument lambdas)
        {{ map_entry_list(map_merge([
            otlp_attributes_map('fields.resource_attributes'),
            map_of(["'otel.scope.name'", "'otel.scope.version'"], ['fields.scope_name', 'fields.scope_version']),
            otlp_attributes_map('fields.span.attributes')
        ])) }} as attribute_entries
        -- noqa: enable=PRS
    from fields
    left join files
        on fields.source_file = files.source_file
)

select * from parsed
