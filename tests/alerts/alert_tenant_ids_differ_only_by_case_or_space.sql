{#- Tenant ids that differ only by case or leading/trailing space: each is
    billed as its own tenant unless var normalize_tenant_ids (off by default)
    merges them. Lists what the rule would merge. -#}
{{ config(severity='warn') }}
-- depends_on: {{ ref('alert_run') }} (an alert never holds back the publish; models/alerts/alert_run.sql)

with

-- Each span's own tenant (its first non-blank tenant alias).
spans as (
    select tenant_id__near as tenant_id
    from {{ ref('int_spans__identity_hops') }}
    where tenant_id__near is not null
),

grouped as (
    select
        lower(trim(tenant_id)) as normalized_tenant_id,
        count(distinct tenant_id) as spellings,
        min(tenant_id) as first_spelling,
        max(tenant_id) as last_spelling,
        count(*) as spans
    from spans
    group by lower(trim(tenant_id))
)

select * from grouped
where spellings > 1
