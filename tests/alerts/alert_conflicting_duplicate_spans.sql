{#- Attribution alert (warn): spans sent more than once with different
    content (same trace_id and span_id; a retry with other token counts, a
    replayed export). The copy from the file that landed first (file
    modification time, then path, line, batch position) is billed, on a
    nightly run and a full refresh alike; each other copy is quarantined as
    duplicate_span_conflicting and listed here with both copies' files and
    token counts, and the cost billed for the span: the money the choice
    decides. Reads leaf models, so a failure skips no other model. -#}
{{ config(severity='warn', store_failures=true) }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

with

span_records as {{ cte_inline_hint() }} (
    select * from {{ ref('stg_traces__span_records') }}
),

parsed_records as (
    select * from {{ ref('stg_traces__parsed_records') }}
),

calls as (
    select * from {{ ref('fct_llm_calls') }}
),

landed as (
    select
        source_file,
        max(file_modified_at) as file_modified_at
    from parsed_records
    group by source_file
),

conflicting_copies as (
    select
        trace_id,
        span_id,
        source_file,
        line_number,
        batch_position,
        input_tokens,
        output_tokens
    from span_records
    where rejection_reason = 'duplicate_span_conflicting'
),

billed_copies as (
    select
        trace_id,
        span_id,
        source_file,
        line_number,
        input_tokens,
        output_tokens
    from span_records
    where rejection_reason is null
),

final as (
    select
        conflicting_copies.trace_id,
        conflicting_copies.span_id,
        calls.call_id,
        billed_copies.source_file as billed_source_file,
        billed_copies.line_number as billed_line_number,
        billed_landed.file_modified_at as billed_file_modified_at,
        conflicting_copies.source_file as conflicting_source_file,
        conflicting_copies.line_number as conflicting_line_number,
        conflicting_copies.batch_position as conflicting_batch_position,
        conflicting_landed.file_modified_at as conflicting_file_modified_at,
        billed_copies.input_tokens as billed_input_tokens,
        conflicting_copies.input_tokens as conflicting_input_tokens,
        billed_copies.output_tokens as billed_output_tokens,
        conflicting_copies.output_tokens as conflicting_output_tokens,
        calls.cost_usd as cost_at_stake_usd
    from conflicting_copies
    inner join billed_copies
        on
            conflicting_copies.trace_id = billed_copies.trace_id
            and conflicting_copies.span_id = billed_copies.span_id
    left join landed as billed_landed
        on billed_copies.source_file = billed_landed.source_file
    left join landed as conflicting_landed
        on conflicting_copies.source_file = conflicting_landed.source_file
    left join calls
        on
            conflicting_copies.trace_id = calls.trace_id
            and conflicting_copies.span_id = calls.span_id
)

select * from final
