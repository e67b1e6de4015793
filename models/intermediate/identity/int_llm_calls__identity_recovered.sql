{#- Priced model calls with each identity field recovered along the trace and
    its provenance. Candidates for a field are every alias of it on the call's
    own span and, when var recover_identity_from_ancestors is true, on its
    ancestors (int_spans__ancestry: bounded by var max_trace_depth, so cycles
    and missing parents just end the walk), plus, for tenant_id, the owner of
    a virtual key (seed virtual_keys) carried on any of those hops. When all
    candidates agree the nearest wins (own span first); when they disagree
    seed identity_trust_order decides (virtual key, then alias key rank, then
    hop service rank), then the nearest. A tenant disagreement is an
    identity conflict. Rules: docs/attribution_rules.md. -#}
{%- set fields = recovered_identity_fields() -%}
{%- set provenance_fields = fields + ['api_key_id'] -%}
{%- set trust = identity_trust_order() -%}
{%- set replaced_columns = [] -%}
{%- for field in fields -%}
    {%- do replaced_columns.extend([field, field ~ '_source_key']) -%}
{%- endfor -%}
with

calls as {{ cte_inline_hint() }} (
    select * from {{ ref('int_llm_calls__priced') }}
),

identity_attributes as (
    select * from {{ ref('int_spans__identity_attributes') }}
),

ancestry as (
    select * from {{ ref('int_spans__ancestry') }}
),

virtual_keys as (
    select * from {{ ref('virtual_keys') }}
),

-- The hops whose attributes may answer for a call: itself, then ancestors.
call_hops as (
    select
        span_key as call_span_key,
        started_at as call_at,
        span_key as hop_span_key,
        0 as distance
    from calls
    {%- if var('recover_identity_from_ancestors', true) %}
        union all
        select
            calls.span_key as call_span_key,
            calls.started_at as call_at,
            ancestry.ancestor_span_key as hop_span_key,
            ancestry.distance
        from calls
        inner join ancestry
            on calls.span_key = ancestry.span_key
    {%- endif %}
),

hop_attributes as (
    select
        call_hops.call_span_key,
        call_hops.call_at,
        call_hops.distance,
        identity_attributes.span_key as hop_span_key,
        identity_attributes.service_name,
        identity_attributes.span_name,
        identity_attributes.identity_field,
        identity_attributes.alias_key,
        identity_attributes.alias_rank,
        identity_attributes.attribute_value,
        {{ trust_rank('identity_attributes.alias_key', trust.get('keys', ['*'])) }} as key_trust_rank,
        {{ trust_rank('identity_attributes.service_name', trust.get('services', ['*'])) }}
            as service_trust_rank
    from call_hops
    inner join identity_attributes
        on call_hops.hop_span_key = identity_attributes.span_key
),

-- The owner of a virtual key valid at the call: the most trusted tenant.
key_tenants as (
    select
        hop_attributes.call_span_key,
        hop_attributes.distance,
        hop_attributes.hop_span_key,
        hop_attributes.service_name,
        hop_attributes.span_name,
        'tenant_id' as identity_field,
        hop_attributes.alias_key,
        hop_attributes.alias_rank,
        virtual_keys.tenant_id as attribute_value,
        -1 as key_trust_rank,
        -1 as service_trust_rank,
        'virtual_key' as source_kind
    from hop_attributes
    inner join virtual_keys
        on
            hop_attributes.attribute_value = virtual_keys.api_key_id
            and hop_attributes.call_at >= virtual_keys.valid_from
            and (virtual_keys.valid_to is null or hop_attributes.call_at < virtual_keys.valid_to)
    where hop_attributes.identity_field = 'api_key_id'
),

candidates as (
    select
        call_span_key,
        distance,
        hop_span_key,
        service_name,
        span_name,
        identity_field,
        alias_key,
        alias_rank,
        attribute_value,
        key_trust_rank,
        service_trust_rank,
        'attribute' as source_kind
    from hop_attributes
    union all
    select * from key_tenants
),

disagreement as (
    select
        call_span_key,
        identity_field,
        count(distinct attribute_value) > 1 as has_disagreement
    from candidates
    group by call_span_key, identity_field
),

ranked as (
    select
        candidates.*,
        disagreement.has_disagreement,
        row_number() over (
            partition by candidates.call_span_key, candidates.identity_field
            order by
                -- Trust only matters when the hops disagree; otherwise the
                -- nearest hop is the provenance.
                case when disagreement.has_disagreement then candidates.key_trust_rank else 0 end,
                case when disagreement.has_disagreement then candidates.service_trust_rank else 0 end,
                candidates.distance,
                candidates.alias_rank,
                candidates.source_kind,
                candidates.alias_key,
                candidates.hop_span_key
        ) as candidate_rank
    from candidates
    inner join disagreement
        on
            candidates.call_span_key = disagreement.call_span_key
            and candidates.identity_field = disagreement.identity_field
),

winners as (
    select * from ranked
    where candidate_rank = 1
),

-- The tenant the trace claimed closest to the call that lost to the winner.
claims as (
    select
        ranked.call_span_key,
        ranked.attribute_value as claimed_tenant_id,
        ranked.alias_key as claimed_tenant_id_source_key,
        {{ hop_label('ranked.service_name', 'ranked.span_name') }} as claimed_tenant_id_source_hop,
        ranked.distance as claimed_tenant_id_source_depth,
        row_number() over (
            partition by ranked.call_span_key
            order by ranked.distance, ranked.alias_rank, ranked.alias_key, ranked.hop_span_key
        ) as claim_rank
    from ranked
    inner join winners
        on
            ranked.call_span_key = winners.call_span_key
            and ranked.identity_field = winners.identity_field
    where
        ranked.identity_field = 'tenant_id'
        and ranked.attribute_value != winners.attribute_value
),

nearest_key_tenant as (
    select
        call_span_key,
        attribute_value as virtual_key_tenant_id,
        row_number() over (
            partition by call_span_key
            order by distance, alias_rank, hop_span_key
        ) as key_rank
    from key_tenants
),

pivoted as (
    select
        call_span_key,
        {%- for field in provenance_fields %}
            max(case when identity_field = '{{ field }}' then attribute_value end) as {{ field }},
            max(case when identity_field = '{{ field }}' then alias_key end) as {{ field }}_source_key,
            max(
                case
                    when identity_field = '{{ field }}'
                        then {{ hop_label('service_name', 'span_name') }}
                end
            ) as {{ field }}_source_hop,
            max(case when identity_field = '{{ field }}' then distance end) as {{ field }}_source_depth,
            max(case when identity_field = '{{ field }}' then hop_span_key end) as {{ field }}_source_span_key,
        {%- endfor %}
        max(case when identity_field = 'tenant_id' then source_kind end) as tenant_id_source_kind,
        coalesce(max(
            case when identity_field = 'tenant_id' and has_disagreement then 1 else 0 end
        ) = 1, false) as is_identity_conflict
    from winners
    group by call_span_key
),

final as (
    select
        {{ star_except('calls', replaced_columns, ref('int_llm_calls__priced')) }},
        {%- for field in provenance_fields %}
            pivoted.{{ field }},
            pivoted.{{ field }}_source_key,
            pivoted.{{ field }}_source_hop,
            pivoted.{{ field }}_source_depth,
            pivoted.{{ field }}_source_span_key,
        {%- endfor %}
        pivoted.tenant_id_source_kind,
        nearest_key_tenant.virtual_key_tenant_id,
        coalesce(pivoted.is_identity_conflict, false) as is_identity_conflict,
        case
            when pivoted.is_identity_conflict and pivoted.tenant_id_source_kind = 'virtual_key'
                then 'virtual_key'
            when pivoted.is_identity_conflict then 'trust_order'
        end as identity_conflict_kind,
        claims.claimed_tenant_id,
        claims.claimed_tenant_id_source_key,
        claims.claimed_tenant_id_source_hop,
        claims.claimed_tenant_id_source_depth
    from calls
    left join pivoted
        on calls.span_key = pivoted.call_span_key
    left join nearest_key_tenant
        on
            calls.span_key = nearest_key_tenant.call_span_key
            and nearest_key_tenant.key_rank = 1
    left join claims
        on
            calls.span_key = claims.call_span_key
            and claims.claim_rank = 1
)

select * from final
