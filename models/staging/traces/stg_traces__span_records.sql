{#- Every span record from every supported format, typed, with the reason it
    cannot be used (null when it can) and its rank among copies of the same
    (trace_id, span_id). The first copy by (source_file, line_number) is kept;
    later copies are counted as duplicates, never billed twice. -#}
with

flat_spans as (
    select * from {{ ref('base_traces__flat_spans') }}
),

all_formats as (
    select
        source_file,
        line_number,
        record_format,
        raw_line,
        raw_trace_id,
        raw_span_id,
        raw_parent_span_id,
        span_name,
        raw_span_kind,
        raw_started_at,
        raw_ended_at,
        attributes
    from flat_spans
),

typed as (
    select
        source_file,
        line_number,
        record_format,
        raw_line,
        raw_started_at,
        attributes,
        span_name,
        lower(trim(raw_trace_id)) as trace_id,
        lower(trim(raw_span_id)) as span_id,
        case
            when trim(raw_parent_span_id) = '' then null
            else lower(trim(raw_parent_span_id))
        end as parent_span_id,
        lower(raw_span_kind) as span_kind,
        coalesce(
            {{ nonblank(map_get('attributes', 'service.name')) }},
            {{ nonblank(map_get('attributes', 'service')) }}
        ) as service_name,
        {{ parse_utc_timestamp('raw_started_at') }} as started_at,
        {{ parse_utc_timestamp('raw_ended_at') }} as ended_at
    from all_formats
),

validated as (
    select
        *,
        case
            when trace_id is null or trace_id = '' then 'missing_trace_id'
            when span_id is null or span_id = '' then 'missing_span_id'
            when raw_started_at is null or trim(raw_started_at) = ''
                then 'missing_timestamp'
            when started_at is null then 'unparseable_timestamp'
        end as invalid_reason
    from typed
),

ranked as (
    select
        *,
        row_number() over (
            partition by trace_id, span_id, invalid_reason is null
            order by source_file, line_number
        ) as copy_rank
    from validated
),

final as (
    select
        source_file,
        line_number,
        record_format,
        raw_line,
        trace_id,
        span_id,
        parent_span_id,
        span_name,
        span_kind,
        service_name,
        started_at,
        ended_at,
        attributes,
        copy_rank,
        coalesce(
            invalid_reason,
            case when copy_rank > 1 then 'duplicate_span' end
        ) as rejection_reason
    from ranked
)

select * from final
