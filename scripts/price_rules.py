"""Match-rule helpers shared by the price refresh, the price oracle and the tests.

genai-prices matches a model reference with boolean clauses (``equals``, ``starts_with``,
``ends_with``, ``contains``, ``regex``, ``or``, ``and``). The seeds store them flattened, one
row per leaf clause. This module holds:

* ``flatten_clause``: a genai-prices clause -> flat rule rows (``or`` split into rows,
  ``and`` folded into one row with an ``exclude_regex`` when it is "positive clause AND NOT
  regex", else kept as match_type ``and`` with a JSON value);
* ``rule_matches``: the row semantics, exactly what the SQL resolver must do;
* ``RESOLVE_SQL``: the reference DuckDB query that resolves (provider, model) strings over the
  seed CSVs. It is what the dbt pricing model should implement and what the tests run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from genai_prices import types as gp_types

MATCH_TYPES = ('equals', 'starts_with', 'ends_with', 'contains', 'regex', 'and')

# A regex that starts with a negative lookahead: ``^(?!X)Y``. RE2 (DuckDB, BigQuery, ...)
# has no lookarounds, so it is stored as ``regex ^Y`` plus ``exclude_regex ^(?:X)``.
_LOOKAROUND = re.compile(r'\(\?(?:=|!|<=|<!)')


@dataclass(frozen=True)
class FlatRule:
    """One flattened match clause."""

    match_type: str
    match_value: str
    exclude_regex: str = ''

    @property
    def is_exclusion_only(self) -> bool:
        """A rule that only says "does NOT match exclude_regex" (from ``^(?!X)`` alone)."""
        return self.match_type == 'regex' and self.match_value == '^' and self.exclude_regex != ''


class UnsupportedClause(ValueError):
    """A clause that cannot be flattened into RE2-compatible rule rows."""


def _split_negative_lookahead(regex: str) -> tuple[str, str]:
    """Split ``^(?!X)Y`` into (``^Y``, ``^(?:X)``); other regexes are returned unchanged.

    ``re.search`` with a leading ``^`` only tries position 0, so ``^(?!X)Y`` is exactly
    "``^Y`` matches and ``^X`` does not". Raises UnsupportedClause when a lookaround remains.
    """
    if regex.startswith('^(?!'):
        depth = 0
        end: int | None = None
        escaped = False
        in_class = False
        for index in range(1, len(regex)):
            char = regex[index]
            if escaped:
                escaped = False
            elif char == '\\':
                escaped = True
            elif in_class:
                in_class = char != ']'
            elif char == '[':
                in_class = True
            elif char == '(':
                depth += 1
            elif char == ')':
                depth -= 1
                if depth == 0:
                    end = index
                    break
        if end is None:
            raise UnsupportedClause(f'unbalanced lookahead in {regex!r}')
        excluded = regex[4:end]
        rest = regex[end + 1 :]
        if _LOOKAROUND.search(excluded) or _LOOKAROUND.search(rest):
            raise UnsupportedClause(f'nested lookaround in {regex!r}')
        return '^' + rest, f'^(?:{excluded})'
    if _LOOKAROUND.search(regex):
        raise UnsupportedClause(f'lookaround in {regex!r}')
    return regex, ''


_LEAF_CLAUSES: tuple[tuple[type[Any], str], ...] = (
    (gp_types.ClauseEquals, 'equals'),
    (gp_types.ClauseStartsWith, 'starts_with'),
    (gp_types.ClauseEndsWith, 'ends_with'),
    (gp_types.ClauseContains, 'contains'),
    (gp_types.ClauseRegex, 'regex'),
)


def _clause_to_json(clause: Any) -> Any:
    for clause_type, attr in _LEAF_CLAUSES:
        if isinstance(clause, clause_type):
            return {attr: getattr(clause, attr)}
    if isinstance(clause, gp_types.ClauseOr):
        return {'or': [_clause_to_json(child) for child in clause.or_]}
    if isinstance(clause, gp_types.ClauseAnd):
        return {'and': [_clause_to_json(child) for child in clause.and_]}
    raise UnsupportedClause(f'unknown clause {clause!r}')


def flatten_clause(clause: Any) -> tuple[list[FlatRule], list[str]]:
    """Flatten a genai-prices match clause into rule rows.

    Returns the rows and a list of warnings (for ``and`` clauses kept as JSON).
    String clauses are case-insensitive in genai-prices (both sides lowercased), so their
    value is lowercased here; regexes run on the lowercased model reference and are kept
    verbatim.
    """
    warnings: list[str] = []
    if isinstance(clause, gp_types.ClauseEquals):
        return [FlatRule('equals', clause.equals.lower())], warnings
    if isinstance(clause, gp_types.ClauseStartsWith):
        return [FlatRule('starts_with', clause.starts_with.lower())], warnings
    if isinstance(clause, gp_types.ClauseEndsWith):
        return [FlatRule('ends_with', clause.ends_with.lower())], warnings
    if isinstance(clause, gp_types.ClauseContains):
        return [FlatRule('contains', clause.contains.lower())], warnings
    if isinstance(clause, gp_types.ClauseRegex):
        positive, excluded = _split_negative_lookahead(clause.regex)
        return [FlatRule('regex', positive, excluded)], warnings
    if isinstance(clause, gp_types.ClauseOr):
        rows: list[FlatRule] = []
        for child in clause.or_:
            child_rows, child_warnings = flatten_clause(child)
            rows.extend(child_rows)
            warnings.extend(child_warnings)
        return rows, warnings
    if isinstance(clause, gp_types.ClauseAnd):
        return _flatten_and(clause)
    raise UnsupportedClause(f'unknown clause {clause!r}')


def _flatten_and(clause: gp_types.ClauseAnd) -> tuple[list[FlatRule], list[str]]:
    """``and`` of one positive leaf and any number of ``^(?!X)`` exclusions -> one row.

    Anything else is kept as a single ``and`` row whose value is the clause as JSON (the
    reference resolver never matches it) and reported.
    """
    positives: list[FlatRule] = []
    exclusions: list[str] = []
    try:
        for child in clause.and_:
            child_rows, _ = flatten_clause(child)
            if len(child_rows) != 1:
                raise UnsupportedClause('or inside and')
            row = child_rows[0]
            if row.is_exclusion_only:
                exclusions.append(row.exclude_regex)
            else:
                if row.exclude_regex:
                    exclusions.append(row.exclude_regex)
                positives.append(FlatRule(row.match_type, row.match_value))
        if len(positives) > 1:
            raise UnsupportedClause('more than one positive clause')
    except UnsupportedClause as exc:
        value = json.dumps(_clause_to_json(clause)['and'], separators=(',', ':'), sort_keys=True)
        return [FlatRule('and', value)], [f'and clause kept as JSON ({exc}): {value}']
    positive = positives[0] if positives else FlatRule('regex', '^')
    return [FlatRule(positive.match_type, positive.match_value, '|'.join(exclusions))], []


def rule_matches(match_type: str, match_value: str, exclude_regex: str, model_ref: str) -> bool:
    """Row semantics (model_ref must already be lowercased). Mirrors RESOLVE_SQL."""
    if exclude_regex and re.search(exclude_regex, model_ref):
        return False
    if match_type == 'equals':
        return model_ref == match_value
    if match_type == 'starts_with':
        return model_ref.startswith(match_value)
    if match_type == 'ends_with':
        return model_ref.endswith(match_value)
    if match_type == 'contains':
        return match_value in model_ref
    if match_type == 'regex':
        return re.search(match_value, model_ref) is not None
    return False  # 'and' rows kept as JSON are not evaluated


def _rule_matches_sql(match: "re.Match[str]") -> str:
    """``__MATCHES(rule, value)__`` in RESOLVE_SQL: rule_matches() as SQL over a rule row alias."""
    rule, value = match.group(1), match.group(2)
    tests = {
        'equals': f'{value} = {rule}.match_value',
        'starts_with': f'starts_with({value}, {rule}.match_value)',
        'ends_with': f'ends_with({value}, {rule}.match_value)',
        'contains': f'contains({value}, {rule}.match_value)',
        'regex': f'regexp_matches({value}, {rule}.match_value)',
    }
    whens = ' '.join(f"when '{name}' then {test}" for name, test in tests.items())
    return (
        f'({rule}.exclude_regex is null or not regexp_matches({value}, {rule}.exclude_regex))'
        f' and case {rule}.match_type {whens} else false end'
    )


# Compact dated refs (``gpt-5.2-20251211``) are retried in dashed form when nothing matched,
# like genai_prices.types._normalize_compact_dated_ref. RE2 has no lookahead, so the trailing
# ``(?=-|:|$)`` becomes a captured group; only the first valid date is rewritten.
COMPACT_DATE_RE2 = r'-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(-|:|$)'

# Reference resolver over the seeds. Inputs (DuckDB relations):
#   calls(call_key, provider, model)           provider may be NULL
#   llm_model_match_rules, llm_provider_match_rules, llm_provider_fallbacks,
#   llm_provider_aliases, llm_model_aliases, llm_price_overrides   (the seed CSVs)
# Output: call_key, resolved_provider (the provider genai-prices picks), price_provider and
# price_model (the (provider, model) whose prices apply; NULL when unresolved), how
# (alias | match_rule | override_id).
RESOLVE_SQL = r"""
with calls_norm as (
    select
        call_key,
        lower(trim(provider)) as provider_raw,
        lower(model) as model_ref
    from calls
),

-- 1. provider: hand-made alias, else genai-prices' exact id, else its provider_match rules
provider_resolved as (
    select
        c.*,
        coalesce(
            (select a.provider from llm_provider_aliases as a where a.alias_provider = c.provider_raw),
            (select r.provider
             from llm_provider_match_rules as r
             where r.match_scope = 'provider_id'
               and __MATCHES(r, c.provider_raw)__
             order by r.rule_rank
             limit 1),
            -- no provider given: genai-prices guesses it from the model reference
            case when c.provider_raw is null or c.provider_raw = '' then
                (select r.provider
                 from llm_provider_match_rules as r
                 where r.match_scope = 'model_ref'
                   and __MATCHES(r, c.model_ref)__
                 order by r.rule_rank
                 limit 1)
            end
        ) as resolved_provider
    from calls_norm as c
),

-- 2. the refs to try: as given (attempt 0), then with a compact date dashed (attempt 1)
refs as (
    select call_key, resolved_provider, provider_raw, 0 as attempt, model_ref as ref from provider_resolved
    union all
    select call_key, resolved_provider, provider_raw, 1 as attempt,
        regexp_replace(model_ref, '__COMPACT_DATE__', '-\1-\2-\3\4') as ref
    from provider_resolved
    where regexp_matches(model_ref, '__COMPACT_DATE__')
      and try_strptime(
          regexp_extract(model_ref, '__COMPACT_DATE__', 1)
          || regexp_extract(model_ref, '__COMPACT_DATE__', 2)
          || regexp_extract(model_ref, '__COMPACT_DATE__', 3), '%Y%m%d') is not null
),

-- 3. the provider's own rules (search_order 0), then its fallback providers' rules
searched as (
    select r.*, p.provider as rules_provider, 0 as search_order
    from refs as r
    inner join (select distinct provider from llm_model_match_rules) as p
        on p.provider = r.resolved_provider
    union all
    select r.*, f.fallback_provider as rules_provider, f.fallback_rank as search_order
    from refs as r
    inner join llm_provider_fallbacks as f on f.provider = r.resolved_provider
),

rule_hits as (
    select
        s.call_key, s.attempt, s.search_order, m.rule_rank, m.provider as price_provider, m.model as price_model
    from searched as s
    inner join llm_model_match_rules as m
        on m.provider = s.rules_provider
       and __MATCHES(m, s.ref)__
),

best_rule as (
    select call_key, price_provider, price_model
    from rule_hits
    qualify row_number() over (partition by call_key order by attempt, search_order, rule_rank) = 1
),

-- 0. hand-made model aliases win over everything (exact provider beats the '*' wildcard)
alias_hit as (
    select c.call_key, a.provider as price_provider, a.model as price_model
    from provider_resolved as c
    inner join llm_model_aliases as a
        on a.alias_model = c.model_ref
       and (a.alias_provider = c.provider_raw or a.alias_provider = c.resolved_provider or a.alias_provider = '*')
    qualify row_number() over (
        partition by c.call_key order by case when a.alias_provider = '*' then 1 else 0 end
    ) = 1
),

-- 4. models that only exist in the manual overrides: exact (provider, model), case-insensitive
override_hit as (
    select c.call_key, o.provider as price_provider, o.model as price_model
    from provider_resolved as c
    inner join (select distinct provider, model from llm_price_overrides) as o
        on lower(o.model) = c.model_ref
       and (lower(o.provider) = c.provider_raw or o.provider = c.resolved_provider)
    qualify row_number() over (partition by c.call_key order by o.provider, o.model) = 1
)

select
    c.call_key,
    c.resolved_provider,
    coalesce(a.price_provider, b.price_provider, o.price_provider) as price_provider,
    coalesce(a.price_model, b.price_model, o.price_model) as price_model,
    case
        when a.call_key is not null then 'alias'
        when b.call_key is not null then 'match_rule'
        when o.call_key is not null then 'override_id'
    end as how
from provider_resolved as c
left join alias_hit as a using (call_key)
left join best_rule as b using (call_key)
left join override_hit as o using (call_key)
"""
RESOLVE_SQL = re.sub(r'__MATCHES\((\w+), ([\w.]+)\)__', _rule_matches_sql, RESOLVE_SQL).replace(
    '__COMPACT_DATE__', COMPACT_DATE_RE2
)


# Reference pricing over the seeds (what the dbt pricing model must compute to agree with
# genai-prices' calc_price). Inputs: the relations of RESOLVE_SQL plus llm_prices and
#   calls(call_key, provider, model, call_at TIMESTAMP (UTC), input_tokens, cache_read_tokens,
#         cache_write_tokens, output_tokens, reasoning_tokens)
# with input_tokens INCLUDING cache reads/writes and output_tokens INCLUDING reasoning.
# Output: call_key, price_provider, price_model, cost_usd (NULL when unresolved/unpriced).
PRICE_SQL = (
    r"""
with resolved as (
"""
    + RESOLVE_SQL
    + r"""
),

price_rows as (
    select * from llm_prices
    union all by name
    select * from llm_price_overrides
),

-- per call and token type: the period in force, override first, then the highest tier
-- whose start the call's TOTAL input tokens strictly exceed (genai-prices: `>`)
in_force as (
    select c.call_key, p.token_type, p.usd_per_mtok
    from calls as c
    inner join resolved as r using (call_key)
    inner join price_rows as p
        on p.provider = r.price_provider
       and p.model = r.price_model
       and c.call_at >= p.effective_from
       and (p.effective_to is null or c.call_at < p.effective_to)
       and (p.tier_min_input_tokens = 0 or coalesce(c.input_tokens, 0) > p.tier_min_input_tokens)
    qualify row_number() over (
        partition by c.call_key, p.token_type
        order by case when p.price_source = 'manual' then 0 else 1 end, p.tier_min_input_tokens desc
    ) = 1
),

rates as (
    select
        call_key,
        max(usd_per_mtok) filter (where token_type = 'input') as input_rate,
        max(usd_per_mtok) filter (where token_type = 'cache_read') as cache_read_rate,
        max(usd_per_mtok) filter (where token_type = 'cache_write') as cache_write_rate,
        max(usd_per_mtok) filter (where token_type = 'output') as output_rate,
        max(usd_per_mtok) filter (where token_type = 'reasoning') as reasoning_rate
    from in_force
    group by call_key
)

select
    c.call_key,
    r.price_provider,
    r.price_model,
    case when t.input_rate is not null or t.output_rate is not null then
        (
            cast(coalesce(c.input_tokens, 0) - coalesce(c.cache_read_tokens, 0) - coalesce(c.cache_write_tokens, 0)
                as decimal(38, 0)) * coalesce(t.input_rate, 0)
            -- no cache price: the tokens cost the input rate; no reasoning price: the output rate
            + cast(coalesce(c.cache_read_tokens, 0) as decimal(38, 0)) * coalesce(t.cache_read_rate, t.input_rate, 0)
            + cast(coalesce(c.cache_write_tokens, 0) as decimal(38, 0)) * coalesce(t.cache_write_rate, t.input_rate, 0)
            + cast(coalesce(c.output_tokens, 0) - coalesce(c.reasoning_tokens, 0) as decimal(38, 0))
                * coalesce(t.output_rate, 0)
            -- a model without an output price charges nothing for output (genai-prices)
            + cast(coalesce(c.reasoning_tokens, 0) as decimal(38, 0)) * coalesce(t.reasoning_rate, t.output_rate, 0)
        ) * cast(0.000001 as decimal(7, 6))
    end as cost_usd
from calls as c
inner join resolved as r using (call_key)
left join rates as t using (call_key)
"""
)
