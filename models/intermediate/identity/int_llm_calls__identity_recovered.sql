{#- Each billed model call's identity fields recovered along the trace, with
    their provenance. Candidates for a field are its aliases on the call's
    own span and, when var recover_identity_from_ancestors is true, on its
    ancestors up to var max_trace_depth (a missing parent, or a parent that
    is the call itself, ends the walk), plus, for tenant_id, the owner of a
    virtual key (seed virtual_keys) carried on any of those hops. When all
    candidates agree the nearest wins (own span first); when they disagree
    seed identity_trust_order decides (virtual key, then alias key rank, then
    hop service rank), then the nearest. A tenant disagreement is an
    identity conflict. Rules: docs/attribution_rules.md.

    How: a walk up the parents, one join per level over a table the size of
    the calls (never calls x ancestors x aliases). Each hop's candidates are
    already reduced to one wide row (int_spans__identity_hops); each level
    folds the parent's row into the walker's state per field: the nearest
    candidate, the most trusted candidate (nearest on equal trust), and the
    lowest and highest value seen (the hops disagree iff they differ). For
    the tenant the state also keeps the nearest value that differs from the
    nearest one, which is all the losing claim needs. Virtual keys depend on
    the call's time, so the hops carrying a key are joined to the seed
    after the walk. -#}
{{ config(**trace_rebuild_config('span_key')) }}
{%- set fields = recovered_identity_fields() + ['api_key_id'] -%}
{%- set max_depth = var('max_trace_depth', 12) if var('recover_identity_from_ancestors', true) else 0 -%}
{%- set key_aliases = identity_field_aliases('api_key_id') -%}
{%- set near_columns = ['value', 'key', 'rank', 'depth', 'span_key', 'hop'] -%}
{%- set key_columns = [
    ('value', 'tenant_id'), ('key', 'alias_key'), ('rank', 'alias_rank'),
    ('depth', 'distance'), ('span_key', 'hop_span_key'), ('hop', 'hop_label')
] -%}
{%- set output_columns = [
    ('value', ''), ('key', '_source_key'), ('hop', '_source_hop'),
    ('depth', '_source_depth'), ('span_key', '_source_span_key')
] -%}
{%- set picks = {false: ['near', 'trusted'], true: ['near', 'trusted', 'other']} -%}
{%- set item_suffixes = {'value': '', 'key': '_key', 'rank': '_rank'} -%}
{%- set candidate_items = [
    ('value', 'candidate_value'), ('key', 'candidate_key'), ('rank', 'candidate_rank'),
    ('hop', 'hop_label'), ('span_key', 'span_key')
] -%}
{%- set trusted_columns = ['hop_id', 'depth', 'trust'] -%}
with

calls as (
    select
        span_key,
        started_at
    from {{ ref('int_spans__canonicalized') }}
    where is_billed_call and {{ in_rebuilt_traces('trace_id') }}
),

-- Read again at every level (each read takes only the columns it uses):
-- never copied whole.
hops as {{ cte_inline_hint() }} (
    select * from {{ ref('int_spans__identity_hops') }}
    where {{ in_rebuilt_traces(trace_of('span_key')) }}
),

virtual_keys as (
    select
        api_key_id,
        tenant_id,
        valid_from,
        valid_to
    from {{ ref('virtual_keys') }}
),

{#- One level of the walk: the state after folding hop `h` (at `distance`)
    into the walker `w` (none at level 0). Candidates are kept as the hop
    that holds them (hop_id and distance, numbers: the state stays narrow);
    their values are read back from that hop's row once the walk has ended. -#}
{%- for level in range(0, max_depth + 1) %}
    {%- set first = level == 0 %}

    level_{{ level }} as (
        select
            {%- if first %}
                calls.span_key as call_span_key,
                h.hop_id as call_hop_id,
                calls.started_at as call_at,
            {%- else %}
                w.call_span_key,
                w.call_hop_id,
                w.call_at,
            {%- endif %}
            {{ level }} as distance,
            h.hop_id,
            h.parent_hop_id as next_hop_id,
            coalesce(
                {{ level }} < {{ max_depth }}
                and h.parent_hop_id != {{ 'h.hop_id' if first else 'w.call_hop_id' }},
                false
            ) as has_next,
            h.api_key_id__near is not null as has_api_key,
            {%- for field in fields %}
                {%- set found = 'h.' ~ field ~ '__near is not null' %}
                {%- set hop_candidate = {
                    'hop_id': 'case when ' ~ found ~ ' then h.hop_id end',
                    'depth': 'case when ' ~ found ~ ' then ' ~ level ~ ' end',
                    'trust': 'h.' ~ field ~ '__trusted_key_rank * 1000 + h.service_trust_rank'
                } %}
                {%- if first %}
                    {%- for column in ['hop_id', 'depth'] %}
                        {{ hop_candidate[column] }} as {{ field }}__n_{{ column }},
                    {%- endfor %}
                    {%- for column in trusted_columns %}
                        {{ hop_candidate[column] }} as {{ field }}__t_{{ column }},
                    {%- endfor %}
                    h.{{ field }}__low,
                    h.{{ field }}__high,
                {%- else %}
                    -- Nearest: the walker's, else this hop's.
                    {%- for column in ['hop_id', 'depth'] %}
                        coalesce(w.{{ field }}__n_{{ column }}, {{ hop_candidate[column] }})
                            as {{ field }}__n_{{ column }},
                    {%- endfor %}
                    -- Most trusted (key rank, then service rank, as one number:
                    -- both lists are far shorter than 1000): this hop's only
                    -- if strictly more trusted, so the nearer wins a tie.
                    {%- set hop_wins -%}
                        {{ found }} and not coalesce(w.{{ field }}__t_trust <= {{ hop_candidate['trust'] }}, false)
                    {%- endset %}
                    {%- for column in trusted_columns %}
                        case
                            when {{ hop_wins }} then {{ hop_candidate[column] }}
                            else w.{{ field }}__t_{{ column }}
                        end as {{ field }}__t_{{ column }},
                    {%- endfor %}
                    {{ least_of(['w.' ~ field ~ '__low', 'h.' ~ field ~ '__low']) }} as {{ field }}__low,
                    {{ greatest_of(['w.' ~ field ~ '__high', 'h.' ~ field ~ '__high']) }} as {{ field }}__high,
                {%- endif %}
            {%- endfor %}
            {#- Tenant: the nearest candidate whose value differs from the
                nearest one, as (hop, whether it is that hop's first alias or
                its first differing one). #}
            {%- if first %}
                h.tenant_id__near as tenant_id__n_value,
                case when h.tenant_id__other is not null then h.hop_id end as tenant_id__c_hop_id,
                case when h.tenant_id__other is not null then 0 end as tenant_id__c_depth,
                false as tenant_id__c_is_near
            {%- else %}
                coalesce(w.tenant_id__n_value, h.tenant_id__near) as tenant_id__n_value,
                {%- for column, hop_value in [('hop_id', 'h.hop_id'), ('depth', level | string)] %}
                    case
                        when w.tenant_id__n_value is null
                            then case when h.tenant_id__other is not null then {{ hop_value }} end
                        when w.tenant_id__c_hop_id is not null then w.tenant_id__c_{{ column }}
                        when h.tenant_id__near != w.tenant_id__n_value then {{ hop_value }}
                        when h.tenant_id__other is not null then {{ hop_value }}
                    end as tenant_id__c_{{ column }},
                {%- endfor %}
                case
                    when w.tenant_id__n_value is null then false
                    when w.tenant_id__c_hop_id is not null then w.tenant_id__c_is_near
                    else coalesce(h.tenant_id__near != w.tenant_id__n_value, false)
                end as tenant_id__c_is_near
            {%- endif %}
        {%- if first %}
            from calls
            inner join hops as h
                on calls.span_key = h.span_key
        {%- else %}
            from level_{{ level - 1 }} as w
            inner join hops as h
                on w.next_hop_id = h.hop_id
            where w.has_next
        {%- endif %}
    ),
{%- endfor %}

-- Each walker's state where its walk ended.
walked as (
    {%- for level in range(0, max_depth + 1) %}
        select * from level_{{ level }}
        where not has_next
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- The candidates whose values are read back from the hops that hold them:
-- for the tenant every one the decision below needs (nearest, most trusted,
-- nearest differing); for the other fields the winner (the most trusted
-- when the hops disagree, else the nearest). Long, so that one join to the
-- hops reads them all.
{%- set candidates = [
    ('tenant_id__n', 'tenant_id', "'near'", 'tenant_id__n_hop_id'),
    ('tenant_id__t', 'tenant_id', "'trusted'", 'tenant_id__t_hop_id'),
    ('tenant_id__c', 'tenant_id', "case when tenant_id__c_is_near then 'near' else 'other' end", 'tenant_id__c_hop_id')
] %}
{%- for field in fields if field != 'tenant_id' %}
    {%- set disagree = field ~ '__low != ' ~ field ~ '__high' %}
    {%- do candidates.append((
        field, field,
        "case when " ~ disagree ~ " then 'trusted' else 'near' end",
        "case when " ~ disagree ~ " then " ~ field ~ "__t_hop_id else " ~ field ~ "__n_hop_id end"
    )) %}
{%- endfor %}
candidate_hops as (
    {%- for name, field, pick, hop_id in candidates %}
        select
            call_span_key,
            '{{ name }}' as candidate,
            '{{ field }}' as identity_field,
            {{ pick }} as pick,
            {{ hop_id }} as hop_id
        from walked
        where {{ hop_id }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

candidate_values as (
    select
        candidate_hops.call_span_key,
        candidate_hops.candidate,
        {%- for item in ['value', 'key', 'rank'] %}
            case candidate_hops.identity_field
                {%- for field in fields %}
                    when '{{ field }}' then
                        case candidate_hops.pick
                            {%- for pick in picks[field == 'tenant_id'] if not (pick == 'trusted' and item == 'rank') %}
                                when '{{ pick }}' then hops.{{ field }}__{{ pick }}{{ item_suffixes[item] }}
                            {%- endfor %}
                        end
                {%- endfor %}
            end as candidate_{{ item }},
        {%- endfor %}
        hops.hop_label,
        hops.span_key
    from candidate_hops
    inner join hops
        on candidate_hops.hop_id = hops.hop_id
),

candidate_columns as (
    select
        {%- for name, field, pick, hop_id in candidates %}
            {%- for item, source in candidate_items %}
                max(case when candidate = '{{ name }}' then {{ source }} end) as {{ name }}_{{ item }},
            {%- endfor %}
        {%- endfor %}
        call_span_key
    from candidate_values
    group by call_span_key
),

resolved as (
    select
        walked.tenant_id__low,
        walked.tenant_id__high,
        {%- for kind in ['n', 't', 'c'] %}
            {%- for item in ['value', 'key', 'rank', 'hop', 'span_key'] %}
                candidate_columns.tenant_id__{{ kind }}_{{ item }},
            {%- endfor %}
            walked.tenant_id__{{ kind }}_depth,
        {%- endfor %}
        {%- for field in fields if field != 'tenant_id' %}
            candidate_columns.{{ field }}_value as {{ field }},
            candidate_columns.{{ field }}_key as {{ field }}_source_key,
            candidate_columns.{{ field }}_hop as {{ field }}_source_hop,
            case
                when walked.{{ field }}__low != walked.{{ field }}__high then walked.{{ field }}__t_depth
                else walked.{{ field }}__n_depth
            end as {{ field }}_source_depth,
            candidate_columns.{{ field }}_span_key as {{ field }}_source_span_key,
        {%- endfor %}
        walked.call_span_key
    from walked
    left join candidate_columns
        on walked.call_span_key = candidate_columns.call_span_key
),

-- Hops carrying an API key, and the tenant owning the key at the call.
key_hops as (
    select
        walk.call_span_key,
        walk.call_at,
        walk.distance,
        hops.hop_id,
        hops.span_key as hop_span_key,
        {%- for key, rank, key_trust in key_aliases %}
            hops.api_key_id__{{ rank }} as hop_api_key_id__{{ rank }},
        {%- endfor %}
        hops.hop_label
    from (
        {%- for level in range(0, max_depth + 1) %}
            select
                call_span_key,
                call_at,
                distance,
                hop_id
            from level_{{ level }}
            where has_api_key
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ) as walk
    inner join hops
        on walk.hop_id = hops.hop_id
),

key_tenants as (
    {%- for key, rank, key_trust in key_aliases %}
        select
            key_hops.call_span_key,
            key_hops.distance,
            key_hops.hop_span_key,
            key_hops.hop_label,
            {{ dbt.string_literal(dbt.escape_single_quotes(key)) }} as alias_key,
            {{ rank }} as alias_rank,
            virtual_keys.tenant_id
        from key_hops
        inner join virtual_keys
            on
                key_hops.hop_api_key_id__{{ rank }} = virtual_keys.api_key_id
                and key_hops.call_at >= virtual_keys.valid_from
                and (virtual_keys.valid_to is null or key_hops.call_at < virtual_keys.valid_to)
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

key_ranked as (
    select
        *,
        row_number() over (
            partition by call_span_key
            order by distance, alias_rank, alias_key, hop_span_key
        ) as key_rank
    from key_tenants
),

-- Per call: the nearest key tenant, the nearest one that differs from it,
-- and the lowest and highest key tenant.
key_summary as (
    select
        key_ranked.call_span_key,
        {%- for column, source in key_columns %}
            max(case when key_ranked.key_rank = 1 then key_ranked.{{ source }} end) as n_{{ column }},
        {%- endfor %}
        min(key_ranked.tenant_id) as low,
        max(key_ranked.tenant_id) as high
    from key_ranked
    group by key_ranked.call_span_key
),

key_other_ranked as (
    select
        key_ranked.*,
        row_number() over (
            partition by key_ranked.call_span_key
            order by key_ranked.distance, key_ranked.alias_rank, key_ranked.alias_key, key_ranked.hop_span_key
        ) as other_rank
    from key_ranked
    inner join key_summary
        on key_ranked.call_span_key = key_summary.call_span_key
    where key_ranked.tenant_id != key_summary.n_value
),

keys as (
    select
        {%- for column, source in key_columns %}
            key_other_ranked.{{ source }} as c_{{ column }},
        {%- endfor %}
        key_summary.*
    from key_summary
    left join key_other_ranked
        on
            key_summary.call_span_key = key_other_ranked.call_span_key
            and key_other_ranked.other_rank = 1
),

-- Tenant: attribute and key candidates together.
tenant_decided as (
    select
        resolved.call_span_key,
        coalesce(
            {{ least_of(['resolved.tenant_id__low', 'keys.low']) }}
            != {{ greatest_of(['resolved.tenant_id__high', 'keys.high']) }},
            false
        ) as has_disagreement,
        -- Nearest: by distance, then alias rank; the attribute on a tie.
        keys.n_value is not null
        and (
            resolved.tenant_id__n_value is null
            or keys.n_depth < resolved.tenant_id__n_depth
            or (keys.n_depth = resolved.tenant_id__n_depth and keys.n_rank < resolved.tenant_id__n_rank)
        ) as is_key_nearest,
        -- Nearest claim: by distance, alias rank, then alias key.
        keys.n_value is not null
        and (
            resolved.tenant_id__n_value is null
            or keys.n_depth < resolved.tenant_id__n_depth
            or (
                keys.n_depth = resolved.tenant_id__n_depth
                and (
                    keys.n_rank < resolved.tenant_id__n_rank
                    or (keys.n_rank = resolved.tenant_id__n_rank and keys.n_key < resolved.tenant_id__n_key)
                )
            )
        ) as is_key_first_claim
    from resolved
    left join keys
        on resolved.call_span_key = keys.call_span_key
),

tenant_candidates as (
    select
        tenant_decided.has_disagreement,
        -- A virtual key wins every disagreement; in agreement the nearest.
        coalesce(
            case when tenant_decided.has_disagreement then keys.n_value is not null end,
            tenant_decided.is_key_nearest
        ) as is_key_winner,
        {%- for column in near_columns %}
            case
                when tenant_decided.is_key_first_claim then keys.n_{{ column }}
                else resolved.tenant_id__n_{{ column }}
            end
                as first_{{ column }},
        {%- endfor %}
        -- Each side's nearest candidate that differs from the first claim.
        {%- set first_value -%}
            case when tenant_decided.is_key_first_claim then keys.n_value else resolved.tenant_id__n_value end
        {%- endset %}
        {%- for column in near_columns %}
            case
                when resolved.tenant_id__n_value != {{ first_value }} then resolved.tenant_id__n_{{ column }}
                else resolved.tenant_id__c_{{ column }}
            end as attribute_other_{{ column }},
            case
                when keys.n_value != {{ first_value }} then keys.n_{{ column }}
                else keys.c_{{ column }}
            end as key_other_{{ column }},
        {%- endfor %}
        tenant_decided.call_span_key
    from tenant_decided
    inner join resolved
        on tenant_decided.call_span_key = resolved.call_span_key
    left join keys
        on tenant_decided.call_span_key = keys.call_span_key
),

tenant_claims as (
    select
        *,
        key_other_value is not null
        and (
            attribute_other_value is null
            or key_other_depth < attribute_other_depth
            or (
                key_other_depth = attribute_other_depth
                and (
                    key_other_rank < attribute_other_rank
                    or (key_other_rank = attribute_other_rank and key_other_key < attribute_other_key)
                )
            )
        ) as is_key_second_claim
    from tenant_candidates
),

final as (
    select
        resolved.call_span_key as span_key,
        {%- for field in fields %}
            {%- if field == 'tenant_id' %}
                {%- for column, suffix in output_columns %}
                    case
                        when tenant_claims.is_key_winner then keys.n_{{ column }}
                        when tenant_claims.has_disagreement then resolved.tenant_id__t_{{ column }}
                        else resolved.tenant_id__n_{{ column }}
                    end as tenant_id{{ suffix }},
                {%- endfor %}
            {%- else %}
                {%- for suffix in ['', '_source_key', '_source_hop', '_source_depth', '_source_span_key'] %}
                    resolved.{{ field }}{{ suffix }},
                {%- endfor %}
            {%- endif %}
        {%- endfor %}
        -- The losing claim nearest the call: the first claim, unless it is
        -- the winner's value, then the nearest that differs from it.
        {%- set winner_value -%}
            case
                when tenant_claims.is_key_winner then keys.n_value
                when tenant_claims.has_disagreement then resolved.tenant_id__t_value
                else resolved.tenant_id__n_value
            end
        {%- endset %}
        {%- for column, suffix in output_columns[:-1] %}
            case
                when not tenant_claims.has_disagreement then null
                when tenant_claims.first_value != {{ winner_value }} then tenant_claims.first_{{ column }}
                when tenant_claims.is_key_second_claim then tenant_claims.key_other_{{ column }}
                else tenant_claims.attribute_other_{{ column }}
            end as claimed_tenant_id{{ suffix }},
        {%- endfor %}
        case
            when tenant_claims.is_key_winner then 'virtual_key'
            when resolved.tenant_id__n_value is not null then 'attribute'
        end as tenant_id_source_kind,
        keys.n_value as virtual_key_tenant_id,
        tenant_claims.has_disagreement as is_identity_conflict,
        case
            when tenant_claims.has_disagreement and tenant_claims.is_key_winner then 'virtual_key'
            when tenant_claims.has_disagreement then 'trust_order'
        end as identity_conflict_kind
    from resolved
    inner join tenant_claims
        on resolved.call_span_key = tenant_claims.call_span_key
    left join keys
        on resolved.call_span_key = keys.call_span_key
)

select * from final
