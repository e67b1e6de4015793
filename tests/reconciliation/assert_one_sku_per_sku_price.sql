{#- FOCUS SkuPriceId-C-008-M: every SkuPriceId belongs to exactly one SkuId.
    A call priced at another provider's price row (an Azure deployment alias
    priced at OpenAI's row) must not give that row a second SkuId. -#}
{{ config(severity='error') }}

with

focus_rows as (
    select * from {{ ref('focus_charges') }}
),

skus_per_price as (
    select
        SkuPriceId,
        count(distinct SkuId) as sku_count,
        min(SkuId) as first_sku_id,
        max(SkuId) as last_sku_id
    from focus_rows
    where SkuPriceId is not null
    group by SkuPriceId
)

select * from skus_per_price
where sku_count > 1
