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
    the calls (never calls x ancestors x aliases), numbers only: one row
    per call and hop on its path. Each hop's candidates are already reduced
    to one wide row (int_spans__identity_hops); the fold over a call's path
    is a group by with plain aggregates (which spill to disk): per field the
    nearest candidate, the most trusted (nearest on equal trust), and the
    lowest and highest value seen (the hops disagree iff they differ); for
    the tenant also the nearest value that differs from the nearest one,
    which is all the losing claim needs. Virtual keys depend on the call's
    time, so the hops carrying a key are joined to the seed after the walk.
    The candidates' strings are read back after the fold: one row per call
    and candidate, put side by side by a window, which spills, instead of a
    group by call holding every string (BENCHMARKS.md, "Identity walk
    memory"). -#}
{{ config(**trace_rebuild_config('span_key')) }}
{%- set fields = identity_hop_fields() -%}
{%- set max_depth = var('max_trace_depth', 12) if var('recover_identity_from_ancestors', true) else 0 -%}
{%- set key_aliases = identity_field_aliases('api_key_id') -%}
{%- set near_columns = ['value', 'key', 'rank', 'depth', 'hop'] -%}
{%- set key_columns = [
    ('value', 'tenant_id'), ('key', 'alias_key'), ('rank', 'alias_rank'),
    ('depth', 'distance'), ('hop', 'hop_label')
] -%}
{%- set output_columns = [
    ('value', ''), ('key', '_source_key'), ('hop', '_source_hop'), ('depth', '_source_depth')
] -%}
{%- set item_suffixes = {'value': '', 'rank': '_rank'} -%}
with recursive

calls as (
    select
        span_key,
        started_at
    from {{ ref('int_spans__canonicalized') }}
    where is_billed_call and {{ in_rebuilt_traces('trace_id') }}
),

-- Read again by each step of the walk (each read takes only the columns
-- it uses): never copied whole on a full build; a night's few hops are
-- computed once (rebuilt_traces_cte_hint; 10M spans on 30 days: the
-- night's select 4.0-4.4 s against 3.1-3.4 s).
hops as {{ rebuilt_traces_cte_hint() }} (
    select * from {{ ref('int_spans__identity_hops') }}
    where {{ in_rebuilt_traces(trace_of('span_key')) }}
),

virtual_keys as (
    select
        api_key_id,
        {{ canonical_tenant_id('tenant_id') }} as tenant_id,
        valid_from,
        valid_to
    from {{ ref('virtual_keys') }}
),

call_hops as {{ cte_materialize_hint() }} (
    select
        hops.hop_id as call_hop_id,
        hops.parent_hop_id,
        calls.span_key as call_span_key,
        calls.started_at as call_at
    from calls
    inner join hops
        on calls.span_key = hops.span_key
),

-- The walk up the parents (macro ancestry_ctes): one row per call and hop
-- on its path, hop ids only.
{{ ancestry_ctes('call_hops', 'hops', max_depth) }},

-- Each hop on a call's path with what the fold needs of it. Read by three
-- CTEs below, each taking its own columns: never copied whole.
path as {{ cte_inline_hint() }} (
    select
        ancestry.call_hop_id,
        ancestry.distance,
        hops.hop_id,
        hops.span_key,
        hops.hop_label,
        hops.service_trust_rank,
        {%- for field in fields %}
            hops.{{ field }}__near,
            {{ alias_trust_of_rank(field, 'hops.' ~ field ~ '__trusted_rank') }} as {{ field }}__trusted_key_rank,
            hops.{{ field }}__low,
            hops.{{ field }}__high,
        {%- endfor %}
        {%- for key, rank, key_trust in key_aliases %}
            hops.api_key_id__{{ rank }},
        {%- endfor %}
        hops.tenant_id__other
    from ancestry
    inner join hops
        on ancestry.hop_id = hops.hop_id
),

{# The fold, per call and field, as plain aggregates (they spill to disk
    where the memory runs short): the nearest candidate (lowest distance),
    the most trusted one (key rank, then service rank, as one number: both
    lists are far shorter than 1000; nearest on equal trust), and the
    lowest and highest value seen (the hops disagree iff they differ).
    Candidates are hops, kept as numbers (macro hop_ordered: the order
    and the hop id in one number, so that min() picks the hop); their
    strings are read back from the hop's row further down. #}
folded as (
    select
        {%- for field in fields %}
            {%- set found = field ~ '__near is not null' %}
            min(case when {{ found }} then {{ hop_ordered('distance', 'hop_id') }} end) as {{ field }}__nearest,
            min(
                case
                    when {{ found }} then {{ hop_ordered(
                        '(' ~ field ~ '__trusted_key_rank * 1000 + service_trust_rank) * '
                        ~ (max_depth + 1) ~ ' + distance',
                        'hop_id'
                    ) }}
                end
            ) as {{ field }}__most_trusted,
            min({{ field }}__low) as {{ field }}__low,
            max({{ field }}__high) as {{ field }}__high,
        {%- endfor %}
        call_hop_id
    from path
    group by call_hop_id
),

-- The tenant value of each call's nearest tenant candidate, for the calls
-- whose tenant candidates disagree (only those have a differing one): the
-- tenant folded again on its own, since a CTE read twice would be held in
-- memory whole.
nearest_tenants as (
    select
        nearest.call_hop_id,
        hops.tenant_id__near as nearest_tenant_id
    from (
        select
            call_hop_id,
            min(case when tenant_id__near is not null then {{ hop_ordered('distance', 'hop_id') }} end) as nearest
        from path
        group by call_hop_id
        having min(tenant_id__low) != max(tenant_id__high)
    ) as nearest
    inner join hops
        on {{ ordered_hop_id('nearest.nearest') }} = hops.hop_id
),

{# For the tenant also the nearest hop with a value that differs from the
    nearest one: as its first alias (a hop further up) or as a later alias
    of its own (tenant_id__other, the nearest hop included); the first
    alias wins when one hop has both. #}
differing_tenants as (
    select
        path.call_hop_id,
        {%- set ordered = hop_ordered('path.distance', 'path.hop_id') %}
        min(
            case when path.tenant_id__near != nearest_tenants.nearest_tenant_id then {{ ordered }} end
        ) as first_alias_differs,
        min(case when path.tenant_id__other is not null then {{ ordered }} end) as other_alias_differs
    from path
    inner join nearest_tenants
        on path.call_hop_id = nearest_tenants.call_hop_id
    group by path.call_hop_id
),

-- Each call's fold, decoded: candidate hops and their distances.
walked as (
    select
        folded.call_hop_id,
        call_hops.call_span_key,
        {%- for field in fields %}
            {{ ordered_hop_id('folded.' ~ field ~ '__nearest') }} as {{ field }}__n_hop_id,
            {{ ordered_order('folded.' ~ field ~ '__nearest') }} as {{ field }}__n_depth,
            {{ ordered_hop_id('folded.' ~ field ~ '__most_trusted') }} as {{ field }}__t_hop_id,
            mod({{ ordered_order('folded.' ~ field ~ '__most_trusted') }}, {{ max_depth + 1 }})
                as {{ field }}__t_depth,
            folded.{{ field }}__low,
            folded.{{ field }}__high,
        {%- endfor %}
        {%- set differing = least_of([
            'differing_tenants.first_alias_differs', 'differing_tenants.other_alias_differs'
        ]) %}
        {{ ordered_hop_id(differing) }} as tenant_id__c_hop_id,
        {{ ordered_order(differing) }} as tenant_id__c_depth,
        coalesce(
            differing_tenants.first_alias_differs <= differing_tenants.other_alias_differs,
            differing_tenants.first_alias_differs is not null
        ) as tenant_id__c_is_near
    from folded
    inner join call_hops
        on folded.call_hop_id = call_hops.call_hop_id
    left join differing_tenants
        on folded.call_hop_id = differing_tenants.call_hop_id
),

-- Hops carrying an API key, and the tenant owning the key at the call.
key_hops as (
    select
        path.call_hop_id,
        call_hops.call_at,
        path.distance,
        path.hop_id,
        path.span_key as hop_span_key,
        {%- for key, rank, key_trust in key_aliases %}
            path.api_key_id__{{ rank }} as hop_api_key_id__{{ rank }},
        {%- endfor %}
        path.hop_label
    from path
    inner join call_hops
        on path.call_hop_id = call_hops.call_hop_id
    where path.api_key_id__near is not null
),

key_tenants as (
    {%- for key, rank, key_trust in key_aliases %}
        select
            key_hops.call_hop_id,
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
            partition by call_hop_id
            order by distance, alias_rank, alias_key, hop_span_key
        ) as key_rank
    from key_tenants
),

-- Per call: the nearest key tenant, the nearest one that differs from it,
-- and the lowest and highest key tenant.
key_summary as (
    select
        key_ranked.call_hop_id,
        {%- for column, source in key_columns %}
            max(case when key_ranked.key_rank = 1 then key_ranked.{{ source }} end) as n_{{ column }},
        {%- endfor %}
        min(key_ranked.tenant_id) as low,
        max(key_ranked.tenant_id) as high
    from key_ranked
    group by key_ranked.call_hop_id
),

key_other_ranked as (
    select
        key_ranked.*,
        row_number() over (
            partition by key_ranked.call_hop_id
            order by key_ranked.distance, key_ranked.alias_rank, key_ranked.alias_key, key_ranked.hop_span_key
        ) as other_rank
    from key_ranked
    inner join key_summary
        on key_ranked.call_hop_id = key_summary.call_hop_id
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
            key_summary.call_hop_id = key_other_ranked.call_hop_id
            and key_other_ranked.other_rank = 1
),

-- Each call's candidates as the hops that hold them (numbers): for the
-- tenant every one the decision below needs (nearest, most trusted, nearest
-- differing); for the other fields the winner (the most trusted when the
-- hops disagree, else the nearest). Read by every slot below: computed once.
picked as {{ cte_materialize_hint() }} (
    select
        call_hop_id,
        call_span_key,
        tenant_id__low,
        tenant_id__high,
        {%- for kind in ['n', 't', 'c'] %}
            tenant_id__{{ kind }}_hop_id,
            tenant_id__{{ kind }}_depth,
        {%- endfor %}
        {%- for field in fields if field != 'tenant_id' %}
            {%- set disagree = field ~ '__low != ' ~ field ~ '__high' %}
            coalesce({{ disagree }}, false) as {{ field }}__is_trusted,
            {%- for column, name in [('hop_id', field ~ '__hop_id'), ('depth', field ~ '_source_depth')] %}
                case
                    when {{ disagree }} then {{ field }}__t_{{ column }}
                    else {{ field }}__n_{{ column }}
                end as {{ name }},
            {%- endfor %}
        {%- endfor %}
        tenant_id__c_is_near
    from walked
),

{#- Slots side by side in the window below: (name, field, hop id column,
    condition choosing the alternative pick, pick, alternative pick). The
    tenant's most trusted and nearest differing candidates are not among
    them (CTE disputed). -#}
{%- set slots = [('tenant_id__n', 'tenant_id', 'tenant_id__n_hop_id', none, 'near', none)] %}
{%- for field in fields if field != 'tenant_id' %}
    {%- do slots.append((
        field, field, field ~ '__hop_id', 'picked.' ~ field ~ '__is_trusted', 'near', 'trusted'
    )) %}
{%- endfor %}
{%- set anchor_columns = ['call_span_key', 'tenant_id__low', 'tenant_id__high'] %}
{%- for kind in ['n', 't', 'c'] %}{% do anchor_columns.append('tenant_id__' ~ kind ~ '_depth') %}{% endfor %}
{%- for field in fields if field != 'tenant_id' %}{% do anchor_columns.append(field ~ '_source_depth') %}{% endfor %}

-- One row per call and slot, the slot's value, alias rank (its key is
-- read back from the rank once the slots are side by side) and hop label
-- read from its hop (a null hop gives nulls): each join holds
-- `picked` (numbers; on slot 0, which also carries the call's own columns,
-- the span key and tenant range), and the hops stream through it.
candidates as (
    {%- for name, field, hop_id, is_alternative, pick, alternative in slots %}
        {%- set slot = loop.index0 %}
        select
            picked.call_hop_id,
            {{ slot }} as slot,
            {%- for item in ['value', 'rank'] %}
                {%- if is_alternative %}
                    case
                        when {{ is_alternative }} then hops.{{ field }}__{{ alternative }}{{ item_suffixes[item] }}
                        else hops.{{ field }}__{{ pick }}{{ item_suffixes[item] }}
                    end as candidate_{{ item }},
                {%- else %}
                    hops.{{ field }}__{{ pick }}{{ item_suffixes[item] }} as candidate_{{ item }},
                {%- endif %}
            {%- endfor %}
            {%- for column in anchor_columns %}
                {{ 'picked.' ~ column if slot == 0 else 'null' }} as {{ column }},
            {%- endfor %}
            hops.hop_label as candidate_hop
        from picked
        left join hops
            on picked.{{ hop_id }} = hops.hop_id
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- The slots side by side on the slot-0 row, by position in the call's
-- rows (every call has one row per slot).
spread as (
    select
        {%- for column in anchor_columns %}
            {{ column }},
        {%- endfor %}
        {%- for name, field, hop_id, is_alternative, pick, alternative in slots %}
            {%- set offset = loop.index0 %}
            {%- set names = {
                'value': name ~ '_value', 'rank': name ~ '_rank', 'hop': name ~ '_hop'
            } if name.startswith('tenant_id') else {
                'value': name, 'rank': name ~ '_source_rank', 'hop': name ~ '_source_hop'
            } %}
            {%- for item, column in names.items() %}
                {%- if offset == 0 %}
                    candidate_{{ item }} as {{ column }},
                {%- else %}
                    lead(candidate_{{ item }}, {{ offset }})
                        over (partition by call_hop_id order by slot)
                        as {{ column }},
                {%- endif %}
            {%- endfor %}
        {%- endfor %}
        call_hop_id,
        slot
    from candidates
),

-- The tenant's most trusted candidate and the nearest one that differs,
-- read for the calls whose tenant candidates disagree only (no other call's
-- decision reads them): a few percent of the calls, kept out of the window.
disputed as (
    select
        trusted_hops.tenant_id__trusted as tenant_id__t_value,
        trusted_hops.tenant_id__trusted_rank as tenant_id__t_rank,
        trusted_hops.hop_label as tenant_id__t_hop,
        -- The differing value is the hop's first alias, or a later alias
        -- of its own (tenant_id__other) when it is the nearest hop.
        case
            when picked.tenant_id__c_is_near then differing_hops.tenant_id__near
            else differing_hops.tenant_id__other
        end as tenant_id__c_value,
        case
            when picked.tenant_id__c_is_near then differing_hops.tenant_id__near_rank
            else differing_hops.tenant_id__other_rank
        end as tenant_id__c_rank,
        differing_hops.hop_label as tenant_id__c_hop,
        picked.call_hop_id
    from picked
    left join hops as trusted_hops
        on picked.tenant_id__t_hop_id = trusted_hops.hop_id
    left join hops as differing_hops
        on picked.tenant_id__c_hop_id = differing_hops.hop_id
    where picked.tenant_id__low != picked.tenant_id__high
),

resolved as (
    select
        spread.*,
        {%- for kind in ['t', 'c'] %}
            {%- for item in ['value', 'rank', 'hop'] %}
                disputed.tenant_id__{{ kind }}_{{ item }},
            {%- endfor %}
        {%- endfor %}
        -- Each candidate's alias key, from its alias rank.
        {%- for kind, source in [('n', 'spread'), ('t', 'disputed'), ('c', 'disputed')] %}
            {{ alias_key_of_rank('tenant_id', source ~ '.tenant_id__' ~ kind ~ '_rank') }} as tenant_id__{{ kind }}_key,
        {%- endfor %}
        {%- for field in fields if field != 'tenant_id' %}
            {{ alias_key_of_rank(field, 'spread.' ~ field ~ '_source_rank') }} as {{ field }}_source_key,
        {%- endfor %}
        {%- for column, source in key_columns %}
            keys.n_{{ column }} as key_n_{{ column }},
            keys.c_{{ column }} as key_c_{{ column }},
        {%- endfor %}
        keys.low as key_low,
        keys.high as key_high
    from spread
    left join keys
        on spread.call_hop_id = keys.call_hop_id
    left join disputed
        on spread.call_hop_id = disputed.call_hop_id
    where spread.slot = 0
),

-- Tenant: attribute and key candidates together.
tenant_decided as (
    select
        resolved.*,
        coalesce(
            {{ least_of(['resolved.tenant_id__low', 'resolved.key_low']) }}
            != {{ greatest_of(['resolved.tenant_id__high', 'resolved.key_high']) }},
            false
        ) as has_disagreement,
        -- Nearest: by distance, then alias rank; the attribute on a tie.
        resolved.key_n_value is not null
        and (
            resolved.tenant_id__n_value is null
            or resolved.key_n_depth < resolved.tenant_id__n_depth
            or (resolved.key_n_depth = resolved.tenant_id__n_depth and resolved.key_n_rank < resolved.tenant_id__n_rank)
        ) as is_key_nearest,
        -- Nearest claim: by distance, alias rank, then alias key.
        resolved.key_n_value is not null
        and (
            resolved.tenant_id__n_value is null
            or resolved.key_n_depth < resolved.tenant_id__n_depth
            or (
                resolved.key_n_depth = resolved.tenant_id__n_depth
                and (
                    resolved.key_n_rank < resolved.tenant_id__n_rank
                    or (
                        resolved.key_n_rank = resolved.tenant_id__n_rank
                        and resolved.key_n_key < resolved.tenant_id__n_key
                    )
                )
            )
        ) as is_key_first_claim
    from resolved
),

tenant_candidates as (
    select
        -- A virtual key wins every disagreement; in agreement the nearest.
        coalesce(
            case when tenant_decided.has_disagreement then tenant_decided.key_n_value is not null end,
            tenant_decided.is_key_nearest
        ) as is_key_winner,
        {%- for column in near_columns %}
            case
                when tenant_decided.is_key_first_claim then tenant_decided.key_n_{{ column }}
                else tenant_decided.tenant_id__n_{{ column }}
            end
                as first_{{ column }},
        {%- endfor %}
        -- Each side's nearest candidate that differs from the first claim.
        {%- set first_value -%}
            case when tenant_decided.is_key_first_claim then tenant_decided.key_n_value else tenant_decided.tenant_id__n_value end
        {%- endset %}
        {%- for column in near_columns %}
            case
                when tenant_decided.tenant_id__n_value != {{ first_value }}
                    then tenant_decided.tenant_id__n_{{ column }}
                else tenant_decided.tenant_id__c_{{ column }}
            end as attribute_other_{{ column }},
            case
                when tenant_decided.key_n_value != {{ first_value }} then tenant_decided.key_n_{{ column }}
                else tenant_decided.key_c_{{ column }}
            end as key_other_{{ column }},
        {%- endfor %}
        tenant_decided.*
    from tenant_decided
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
        tenant_claims.call_span_key as span_key,
        {%- for field in fields %}
            {%- if field == 'tenant_id' %}
                {%- for column, suffix in output_columns %}
                    case
                        when tenant_claims.is_key_winner then tenant_claims.key_n_{{ column }}
                        when tenant_claims.has_disagreement then tenant_claims.tenant_id__t_{{ column }}
                        else tenant_claims.tenant_id__n_{{ column }}
                    end as tenant_id{{ suffix }},
                {%- endfor %}
            {%- else %}
                {%- for suffix in ['', '_source_key', '_source_hop', '_source_depth'] %}
                    tenant_claims.{{ field }}{{ suffix }},
                {%- endfor %}
            {%- endif %}
        {%- endfor %}
        -- The losing claim nearest the call: the first claim, unless it is
        -- the winner's value, then the nearest that differs from it.
        {%- set winner_value -%}
            case
                when tenant_claims.is_key_winner then tenant_claims.key_n_value
                when tenant_claims.has_disagreement then tenant_claims.tenant_id__t_value
                else tenant_claims.tenant_id__n_value
            end
        {%- endset %}
        {%- for column, suffix in output_columns %}
            case
                when not tenant_claims.has_disagreement then null
                when tenant_claims.first_value != {{ winner_value }} then tenant_claims.first_{{ column }}
                when tenant_claims.is_key_second_claim then tenant_claims.key_other_{{ column }}
                else tenant_claims.attribute_other_{{ column }}
            end as claimed_tenant_id{{ suffix }},
        {%- endfor %}
        case
            when tenant_claims.is_key_winner then 'virtual_key'
            when tenant_claims.tenant_id__n_value is not null then 'attribute'
        end as tenant_id_source_kind,
        tenant_claims.key_n_value as virtual_key_tenant_id,
        tenant_claims.has_disagreement as is_identity_conflict,
        case
            when tenant_claims.has_disagreement and tenant_claims.is_key_winner then 'virtual_key'
            when tenant_claims.has_disagreement then 'trust_order'
        end as identity_conflict_kind
    from tenant_claims
)

select * from final
