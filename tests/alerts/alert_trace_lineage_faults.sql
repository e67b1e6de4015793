{#- Traces whose parent links do not reach a root: orphans (a parent that
    never arrived) and cycles or chains deeper than var max_trace_depth.
    Reported with counts; the spans are still staged and billed. -#}
{{ config(severity='warn') }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

select
    lineage_status,
    count(*) as spans,
    count(distinct trace_id) as traces,
    min(span_key) as example_span_key
from {{ ref('int_spans__lineage') }}
where lineage_status != 'complete'
group by lineage_status
