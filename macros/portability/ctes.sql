{#- Written between `as` and `(` of an import CTE that is read more than once.
    DuckDB materializes such a CTE: a copy of every row and column used (an
    attribute map or the raw record, for a span table) held in memory before
    the query goes on, which spills at scale. Inlined, the table is just
    scanned again, reading only the columns each use needs. Engines without
    the hint (Spark) inline on their own. -#}
{% macro cte_inline_hint() -%}
    {{ return(adapter.dispatch('cte_inline_hint', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__cte_inline_hint() -%}
{%- endmacro %}

{% macro duckdb__cte_inline_hint() -%}
    not materialized
{%- endmacro %}

{#- Written between `as` and `(` of a small CTE read more than once that
    should be computed once (a few keys out of every span), so the CTEs that
    read it can stay inlined. Engines without the hint (Spark) decide on
    their own. -#}
{% macro cte_materialize_hint() -%}
    {{ return(adapter.dispatch('cte_materialize_hint', 'llm_spend_attribution')()) }}
{%- endmacro %}

{% macro default__cte_materialize_hint() -%}
{%- endmacro %}

{% macro duckdb__cte_materialize_hint() -%}
    materialized
{%- endmacro %}

{#- A select of every column of `relation` for the rows where `predicate`
    (a condition on its columns) holds, for a predicate that keeps few rows
    of a wide table (a night's records among every staged record). ANSI: a
    plain filter. DuckDB: the predicate runs on a scan of the columns it
    names, then only the matching rows are read whole, by rowid; filtered
    in one scan, every column (the attribute map) of every row is read
    before the filter (10M spans, a night's 334K records of
    stg_traces__parsed_records: 2.1-2.2 s against 1.0 s). A unit test's
    inputs are queries without a rowid: the plain filter. -#}
{% macro select_rows_where(relation, predicate) -%}
    {{ return(adapter.dispatch('select_rows_where', 'llm_spend_attribution')(relation, predicate)) }}
{%- endmacro %}

{% macro default__select_rows_where(relation, predicate) -%}
    select * from {{ relation }}
    where {{ predicate }}
{%- endmacro %}

{% macro duckdb__select_rows_where(relation, predicate) -%}
    {%- if rendering_unit_test() -%}
        {{ default__select_rows_where(relation, predicate) }}
    {%- else -%}
        select * from {{ relation }}
        where rowid in (
            select rowid from {{ relation }}
            where {{ predicate }}
        )
    {%- endif -%}
{%- endmacro %}

{#- CTEs ending in `ancestry (call_hop_id, distance, hop_id, ...)`: one row
    per call and hop up its parents (the call's own hop at distance 0), from
    CTE `calls_cte` (call_hop_id, parent_hop_id) and CTE `hops_cte` (hop_id,
    parent_hop_id), up to distance `max_depth`; a missing parent or a parent
    that is the call itself ends the walk. Written between two CTEs of a
    WITH RECURSIVE. -#}
{% macro ancestry_ctes(calls_cte, hops_cte, max_depth) -%}
    {{ return(adapter.dispatch('ancestry_ctes', 'llm_spend_attribution')(calls_cte, hops_cte, max_depth)) }}
{%- endmacro %}

{#- One recursive CTE (SQL:1999). Engines that inline CTEs (Spark) plan it
    once wherever it is read, a few joins each time. -#}
{% macro default__ancestry_ctes(calls_cte, hops_cte, max_depth) -%}
ancestry (call_hop_id, distance, hop_id, next_hop_id, has_next) as (
    select
        call_hop_id,
        0 as distance,
        call_hop_id as hop_id,
        parent_hop_id as next_hop_id,
        coalesce(0 < {{ max_depth }} and parent_hop_id != call_hop_id, false) as has_next
    from {{ calls_cte }}

    union all

    select
        walker.call_hop_id,
        walker.distance + 1 as distance,
        parent.hop_id,
        parent.parent_hop_id as next_hop_id,
        coalesce(
            walker.distance + 1 < {{ max_depth }} and parent.parent_hop_id != walker.call_hop_id,
            false
        ) as has_next
    from ancestry as walker
    inner join {{ hops_cte }} as parent
        on walker.next_hop_id = parent.hop_id
    where walker.has_next
)
{%- endmacro %}

{#- One CTE per level, then their union. DuckDB cannot estimate a recursive
    CTE's size (it guessed 136M rows for 2M), so the joins reading it built
    their hash tables on the wrong side: the identity walk needed 1.9x the
    memory (BENCHMARKS.md, "Identity walk memory, stop 34"). Levels past the
    deepest trace are empty joins. -#}
{% macro duckdb__ancestry_ctes(calls_cte, hops_cte, max_depth) -%}
level_0 as (
    select
        call_hop_id,
        0 as distance,
        call_hop_id as hop_id,
        parent_hop_id as next_hop_id,
        coalesce(parent_hop_id != call_hop_id, false) as has_next
    from {{ calls_cte }}
),
{% for level in range(1, max_depth + 1) %}
level_{{ level }} as (
    select
        walker.call_hop_id,
        {{ level }} as distance,
        parent.hop_id,
        parent.parent_hop_id as next_hop_id,
        coalesce(parent.parent_hop_id != walker.call_hop_id, false) as has_next
    from level_{{ level - 1 }} as walker
    inner join {{ hops_cte }} as parent
        on walker.next_hop_id = parent.hop_id
    where walker.has_next
),
{% endfor %}
ancestry as (
    {%- for level in range(max_depth + 1) %}
    select
        call_hop_id,
        distance,
        hop_id
    from level_{{ level }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)
{%- endmacro %}
