#!/usr/bin/env python3
"""Refresh the price seeds from the genai-prices package data (offline).

Writes, under --seed-dir (default: <repo>/seeds):

* ``llm_prices.csv``               one row per provider x model x token_type x tier x period.
                                    APPEND-ONLY: rows already in the file are kept, even when
                                    the model vanished upstream; a changed upstream price for an
                                    existing key is reported and kept unless --overwrite-changed.
* ``llm_model_match_rules.csv``    genai-prices' model ``match`` clauses, flattened and ranked
                                    so that "lowest rule_rank wins" reproduces genai-prices.
* ``llm_provider_match_rules.csv`` provider ids, ``provider_match`` and ``model_match`` clauses.
* ``llm_provider_fallbacks.csv``   ``fallback_model_providers`` (azure -> openai, anthropic, ...).

Never touched: ``llm_price_overrides.csv``, ``llm_model_aliases.csv``, ``llm_provider_aliases.csv``.
Running it twice gives byte-identical files. See docs/pricing.md.

Usage: python scripts/refresh_prices.py [--providers all|openai,anthropic,...]
       [--overwrite-changed] [--prune-stale] [--rebuild] [--check]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from genai_prices import data_snapshot
from genai_prices import types as gp_types

sys.path.insert(0, str(Path(__file__).resolve().parent))
from price_rules import FlatRule, UnsupportedClause, flatten_clause, rule_matches  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
PRICE_SOURCE = 'genai-prices'
BASE_START = date(1970, 1, 1)

# Default provider allow-list (genai-prices ids). Fallback providers of a selected provider
# (azure -> openai, anthropic, deepseek, x-ai, moonshotai; google -> anthropic) are added
# automatically so that resolution can follow them. OpenRouter (900+ models) and the
# HuggingFace/reseller providers are left out to keep the seed small: use --providers all.
DEFAULT_PROVIDERS: tuple[str, ...] = (
    'openai',
    'anthropic',
    'google',
    'azure',
    'aws',
    'mistral',
    'groq',
    'deepseek',
    'x-ai',
    'cohere',
    'perplexity',
)

# genai-prices price key -> seed token_type. Other keys (audio/image/video tokens, requests,
# web searches, characters, pages, durations) are not priced by the pipeline and skipped.
TOKEN_TYPES: dict[str, str] = {
    'input_mtok': 'input',
    'cache_read_mtok': 'cache_read',
    'cache_write_mtok': 'cache_write',
    'cache_write_1h_mtok': 'cache_write_1h',
    'output_mtok': 'output',
    'output_reasoning_mtok': 'reasoning',
}
TOKEN_TYPE_ORDER = {token_type: index for index, token_type in enumerate(TOKEN_TYPES.values())}

# Keys that change calc_price for a plain token usage but cannot be expressed per token.
ALWAYS_CHARGED_KEYS = ('requests_kcount',)

PRICE_COLUMNS: tuple[str, ...] = (
    'price_id',
    'provider',
    'model',
    'token_type',
    'effective_from',
    'effective_to',
    'usd_per_mtok',
    'price_source',
    'source_version',
    'prices_checked',
    'tier_min_input_tokens',
    'model_name',
    'context_window',
)
MODEL_RULE_COLUMNS = ('provider', 'model', 'match_type', 'match_value', 'exclude_regex', 'rule_rank')
PROVIDER_RULE_COLUMNS = ('match_scope', 'provider', 'match_type', 'match_value', 'exclude_regex', 'rule_rank')
FALLBACK_COLUMNS = ('provider', 'fallback_provider', 'fallback_rank')

PRICES_FILE = 'llm_prices.csv'
MODEL_RULES_FILE = 'llm_model_match_rules.csv'
PROVIDER_RULES_FILE = 'llm_provider_match_rules.csv'
FALLBACKS_FILE = 'llm_provider_fallbacks.csv'

Row = dict[str, str]
PriceKey = tuple[str, str, str, str, str]


@dataclass
class Report:
    """What a refresh did, printed at the end."""

    added: int = 0
    kept_vanished_model: int = 0
    kept_stale: list[str] = field(default_factory=list)
    pruned_stale: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    skipped_time_windows: list[str] = field(default_factory=list)
    skipped_keys: dict[str, int] = field(default_factory=dict)
    always_charged: list[str] = field(default_factory=list)
    variant_models: list[str] = field(default_factory=list)
    free_models: list[str] = field(default_factory=list)
    rule_warnings: list[str] = field(default_factory=list)
    high_scale_prices: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f'price rows added: {self.added}',
            f'price rows kept for models no longer upstream: {self.kept_vanished_model}',
            f'upstream price changes for existing keys: {len(self.changed)}',
        ]
        out += [f'  changed: {line}' for line in self.changed]
        out += [f'  kept (row no longer upstream): {line}' for line in self.kept_stale]
        out += [f'  pruned (row no longer upstream): {line}' for line in self.pruned_stale]
        out.append(f'daily time-window prices skipped (base/start-date prices kept): {len(self.skipped_time_windows)}')
        out += [f'  {line}' for line in self.skipped_time_windows]
        out.append(f'free models (empty price set upstream) written as 0 input/output rows: {len(self.free_models)}')
        out.append(f'models whose request-context price variants (batch/flex/fast...) are not in the seed: {len(self.variant_models)}')
        if self.always_charged:
            out.append('models whose calc_price adds a per-request fee the seed cannot express:')
            out += [f'  {line}' for line in self.always_charged]
        if self.skipped_keys:
            skipped = ', '.join(f'{key}={count}' for key, count in sorted(self.skipped_keys.items()))
            out.append(f'non-token price keys skipped: {skipped}')
        if self.high_scale_prices:
            out.append(f'prices with more than 9 decimals (seed column is decimal(18,9)): {len(self.high_scale_prices)}')
        out += [f'match rule warning: {line}' for line in self.rule_warnings]
        return out


# --------------------------------------------------------------------------- formatting


def format_decimal(value: Decimal) -> str:
    """Plain decimal string without exponent or trailing zeros: 2.50 -> '2.5', 1E+1 -> '10'."""
    text = format(value.normalize(), 'f')
    if '.' in text:
        text = text.rstrip('0').rstrip('.')
    return text or '0'


def format_timestamp(day: date) -> str:
    return f'{day.isoformat()} 00:00:00'


def price_id(provider: str, model: str, token_type: str, tier: str, effective_from: str) -> str:
    return f'{provider}/{model}/{token_type}/{tier}/{effective_from[:10]}'


def price_key(row: Row) -> PriceKey:
    return (row['provider'], row['model'], row['token_type'], row['tier_min_input_tokens'], row['effective_from'])


# --------------------------------------------------------------------------- provider selection


def select_providers(providers: Sequence[gp_types.Provider], requested: Iterable[str]) -> list[gp_types.Provider]:
    """The requested providers plus their fallback providers, in genai-prices' order."""
    by_id = {provider.id: provider for provider in providers}
    wanted = set(requested)
    unknown = sorted(wanted - by_id.keys())
    if unknown:
        raise SystemExit(f'unknown genai-prices provider id(s): {", ".join(unknown)}')
    pending = list(wanted)
    while pending:
        for fallback in by_id[pending.pop()].fallback_model_providers or ():
            if fallback in by_id and fallback not in wanted:
                wanted.add(fallback)
                pending.append(fallback)
    return [provider for provider in providers if provider.id in wanted]


def parse_providers_arg(value: str) -> list[str] | None:
    """'all' -> None (every provider); else a comma-separated list of genai-prices ids."""
    if value.strip().lower() == 'all':
        return None
    return [part.strip() for part in value.split(',') if part.strip()]


# --------------------------------------------------------------------------- prices


def model_periods(
    model: gp_types.ModelInfo, report: Report, provider_id: str
) -> list[tuple[date, gp_types.ModelPrice]]:
    """[(start, prices)] with each start inclusive, sorted, consecutive duplicates merged.

    Replays ModelInfo.get_prices: the last ConditionalPrice whose constraint is active wins,
    the first one is used when none is. Daily time-window constraints (DeepSeek off-peak) are
    dropped, so the rows carry the price that applies outside the windows.
    """
    if isinstance(model.prices, gp_types.ModelPrice):
        return [(BASE_START, model.prices)]
    conditionals = list(model.prices)
    windows = [c for c in conditionals if isinstance(c.constraint, gp_types.TimeOfDateConstraint)]
    if windows:
        spans = ', '.join(f'{c.constraint.start_time:%H:%M}-{c.constraint.end_time:%H:%M} UTC' for c in windows)
        report.skipped_time_windows.append(f'{provider_id}/{model.id}: {spans}')
    kept = [c for c in conditionals if not isinstance(c.constraint, gp_types.TimeOfDateConstraint)]
    starts = sorted(
        {BASE_START}
        | {c.constraint.start_date for c in kept if isinstance(c.constraint, gp_types.StartDateConstraint)}
    )
    periods: list[tuple[date, gp_types.ModelPrice]] = []
    for start in starts:
        winner = conditionals[0]
        for conditional in reversed(kept):
            constraint = conditional.constraint
            if constraint is None or (
                isinstance(constraint, gp_types.StartDateConstraint) and constraint.start_date <= start
            ):
                winner = conditional
                break
        if not periods or periods[-1][1] is not winner.prices:
            periods.append((start, winner.prices))
    return periods


def price_rows_for_model(
    provider_id: str, model: gp_types.ModelInfo, source_version: str, report: Report
) -> list[Row]:
    """All seed rows of one model (effective_to is filled in later, over the merged seed)."""
    rows: list[Row] = []
    prices_checked = getattr(model, 'prices_checked', None)
    checked = prices_checked.isoformat() if isinstance(prices_checked, date) else ''
    if model.price_variants:
        report.variant_models.append(f'{provider_id}/{model.id}')
    for start, model_price in model_periods(model, report, provider_id):
        effective_from = format_timestamp(start)
        items = [(key, value) for key, value in model_price.__dict__.items() if value is not None and key[0] != '_']
        if not items:
            # An empty price set means free (e.g. ':free' models): calc_price returns 0. Record
            # it as explicit zero rows, so the pipeline prices these calls at 0, not 'unpriced'.
            report.free_models.append(f'{provider_id}/{model.id} from {start}')
            items = [('input_mtok', Decimal(0)), ('output_mtok', Decimal(0))]
        for key, value in items:
            if key not in TOKEN_TYPES:
                report.skipped_keys[key] = report.skipped_keys.get(key, 0) + 1
                if key in ALWAYS_CHARGED_KEYS:
                    report.always_charged.append(f'{provider_id}/{model.id} from {start}: {key}={value}')
                continue
            token_type = TOKEN_TYPES[key]
            if isinstance(value, gp_types.TieredPrices):
                tiers = [(0, value.base)] + [(tier.start, tier.price) for tier in value.tiers]
            else:
                tiers = [(0, value)]
            for tier_start, price in tiers:
                if -price.normalize().as_tuple().exponent > 9:
                    report.high_scale_prices.append(f'{provider_id}/{model.id}/{token_type}={price}')
                tier = str(tier_start)
                rows.append(
                    {
                        'price_id': price_id(provider_id, model.id, token_type, tier, effective_from),
                        'provider': provider_id,
                        'model': model.id,
                        'token_type': token_type,
                        'effective_from': effective_from,
                        'effective_to': '',
                        'usd_per_mtok': format_decimal(price),
                        'price_source': PRICE_SOURCE,
                        'source_version': source_version,
                        'prices_checked': checked,
                        'tier_min_input_tokens': tier,
                        'model_name': model.name or '',
                        'context_window': str(model.context_window) if model.context_window else '',
                    }
                )
    return rows


def merge_prices(
    existing: Sequence[Row],
    generated: Sequence[Row],
    upstream_models: set[tuple[str, str]],
    *,
    overwrite_changed: bool,
    prune_stale: bool,
    report: Report,
) -> list[Row]:
    """Append-only merge of the generated rows into the existing seed rows."""
    new_by_key = {price_key(row): row for row in generated}
    merged: dict[PriceKey, Row] = {}
    for row in existing:
        key = price_key(row)
        label = '/'.join(key)
        new = new_by_key.get(key)
        if new is None:
            if (row['provider'], row['model']) not in upstream_models:
                report.kept_vanished_model += 1
            elif prune_stale:
                report.pruned_stale.append(label)
                continue
            else:
                report.kept_stale.append(label)
            merged[key] = dict(row)
        elif Decimal(new['usd_per_mtok']) != Decimal(row['usd_per_mtok']):
            action = 'overwritten' if overwrite_changed else 'kept old'
            report.changed.append(f'{label}: {row["usd_per_mtok"]} -> {new["usd_per_mtok"]} ({action})')
            merged[key] = dict(new) if overwrite_changed else dict(row)
        else:
            merged[key] = dict(row)
    for key, row in new_by_key.items():
        if key not in merged:
            report.added += 1
            merged[key] = dict(row)
    return assign_effective_to(list(merged.values()))


def assign_effective_to(rows: list[Row]) -> list[Row]:
    """effective_to = the model's next period start (exclusive), '' for the last period.

    Periods are per (provider, model): a token type that a later period no longer prices is
    closed at that period's start too, so no row outlives its period.
    """
    starts: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        starts.setdefault((row['provider'], row['model']), []).append(row['effective_from'])
    next_start: dict[tuple[str, str, str], str] = {}
    for model_key, values in starts.items():
        ordered = sorted(set(values))
        for current, following in zip(ordered, [*ordered[1:], '']):
            next_start[(*model_key, current)] = following
    for row in rows:
        row['effective_to'] = next_start[(row['provider'], row['model'], row['effective_from'])]
    return sort_price_rows(rows)


def sort_price_rows(rows: Iterable[Row]) -> list[Row]:
    return sorted(
        rows,
        key=lambda row: (
            row['provider'],
            row['model'],
            row['effective_from'],
            TOKEN_TYPE_ORDER.get(row['token_type'], len(TOKEN_TYPE_ORDER)),
            row['token_type'],
            int(row['tier_min_input_tokens']),
        ),
    )


# --------------------------------------------------------------------------- match rules


@dataclass
class _RankedModel:
    provider: str
    model: str
    position: int
    rules: list[FlatRule]
    matcher: Any  # callable(str) -> bool, genai-prices' own is_match for current models


def _rules_from_existing(existing_rules: Sequence[Row]) -> dict[tuple[str, str], tuple[int, list[FlatRule]]]:
    """Existing rule rows grouped by (provider, model), with the model's best old rank."""
    grouped: dict[tuple[str, str], tuple[int, list[FlatRule]]] = {}
    for row in sorted(existing_rules, key=lambda r: (r['provider'], int(r['rule_rank']))):
        key = (row['provider'], row['model'])
        rank, rules = grouped.get(key, (int(row['rule_rank']), []))
        rules.append(FlatRule(row['match_type'], row['match_value'], row['exclude_regex']))
        grouped[key] = (rank, rules)
    return grouped


def build_model_rules(
    providers: Sequence[gp_types.Provider], existing_rules: Sequence[Row], report: Report
) -> list[Row]:
    """Flattened model match rules with a rule_rank per provider.

    genai-prices (Provider._match_model) returns the FIRST model of the provider's list whose
    clause matches. rule_rank therefore follows declaration order, except that an ``equals``
    rule goes first when no earlier model matches its value (moving it cannot change the
    result). Models that vanished upstream keep their rules, placed after every current model
    (the same "safe equals first" test applies to them), so a current model wins whenever both
    match and old traces of a retired model still resolve to its kept prices.
    """
    by_provider: dict[str, list[_RankedModel]] = {}
    for provider in providers:
        ranked = by_provider.setdefault(provider.id, [])
        for position, model in enumerate(provider.models):
            try:
                rules, warnings = flatten_clause(model.match)
            except UnsupportedClause as exc:
                report.rule_warnings.append(f'{provider.id}/{model.id}: skipped ({exc})')
                continue
            report.rule_warnings.extend(f'{provider.id}/{model.id}: {w}' for w in warnings)
            ranked.append(_RankedModel(provider.id, model.id, position, rules, model.is_match))

    current = {(m.provider, m.model) for models in by_provider.values() for m in models}
    vanished = [
        (key, rank, rules) for key, (rank, rules) in _rules_from_existing(existing_rules).items() if key not in current
    ]
    for (provider_id, model_id), _rank, rules in sorted(vanished, key=lambda item: (item[0][0], item[1])):
        ranked = by_provider.setdefault(provider_id, [])
        position = len(ranked) + 100_000  # after every current model
        ranked.append(
            _RankedModel(
                provider_id,
                model_id,
                position,
                rules,
                lambda ref, rules=rules: any(
                    rule_matches(r.match_type, r.match_value, r.exclude_regex, ref) for r in rules
                ),
            )
        )

    rows: list[Row] = []
    for provider_id, models in by_provider.items():
        keyed: list[tuple[tuple[int, int, int], Row]] = []
        for index, ranked_model in enumerate(models):
            earlier = models[:index]
            for clause_index, rule in enumerate(ranked_model.rules):
                safe_equals = rule.match_type == 'equals' and not rule.exclude_regex
                if safe_equals:
                    safe_equals = not any(other.matcher(rule.match_value) for other in earlier)
                group = 0 if safe_equals else 1
                keyed.append(
                    (
                        (group, ranked_model.position, clause_index),
                        {
                            'provider': provider_id,
                            'model': ranked_model.model,
                            'match_type': rule.match_type,
                            'match_value': rule.match_value,
                            'exclude_regex': rule.exclude_regex,
                        },
                    )
                )
        keyed.sort(key=lambda item: item[0])
        for rank, (_, row) in enumerate(keyed, start=1):
            row['rule_rank'] = str(rank)
            rows.append(row)
    return sorted(rows, key=lambda row: (row['provider'], int(row['rule_rank'])))


def build_provider_rules(providers: Sequence[gp_types.Provider], report: Report) -> list[Row]:
    """Provider resolution, in genai-prices' order (DataSnapshot.find_provider[_by_id]).

    scope provider_id: every exact provider id first, then each provider_match clause, in
    provider list order. scope model_ref: model_match clauses (used only when the call has
    no provider), in provider list order.
    """
    rows: list[Row] = []
    id_rows = [('provider_id', p.id, FlatRule('equals', p.id)) for p in providers]
    match_rows: list[tuple[str, str, FlatRule]] = []
    model_rows: list[tuple[str, str, FlatRule]] = []
    for provider in providers:
        for scope, clause, target in (
            ('provider_id', provider.provider_match, match_rows),
            ('model_ref', provider.model_match, model_rows),
        ):
            if clause is None:
                continue
            try:
                flat, warnings = flatten_clause(clause)
            except UnsupportedClause as exc:
                report.rule_warnings.append(f'{provider.id} {scope}: skipped ({exc})')
                continue
            report.rule_warnings.extend(f'{provider.id} {scope}: {w}' for w in warnings)
            target.extend((scope, provider.id, rule) for rule in flat)
    for scope_rows in (id_rows + match_rows, model_rows):
        for rank, (scope, provider_id, rule) in enumerate(scope_rows, start=1):
            rows.append(
                {
                    'match_scope': scope,
                    'provider': provider_id,
                    'match_type': rule.match_type,
                    'match_value': rule.match_value,
                    'exclude_regex': rule.exclude_regex,
                    'rule_rank': str(rank),
                }
            )
    return rows


def build_fallbacks(providers: Sequence[gp_types.Provider]) -> list[Row]:
    selected = {provider.id for provider in providers}
    rows: list[Row] = []
    for provider in providers:
        for rank, fallback in enumerate(provider.fallback_model_providers or (), start=1):
            if fallback in selected:
                rows.append({'provider': provider.id, 'fallback_provider': fallback, 'fallback_rank': str(rank)})
    return rows


# --------------------------------------------------------------------------- files


def read_rows(path: Path) -> list[Row]:
    if not path.exists():
        return []
    with path.open(newline='', encoding='utf-8') as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def render_csv(columns: Sequence[str], rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator='\n', extrasaction='raise')
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, '') for column in columns})
    return buffer.getvalue()


def write_if_changed(path: Path, content: str, *, check: bool) -> bool:
    """Write content unless identical; returns whether the file changed (or would)."""
    old = path.read_text(encoding='utf-8') if path.exists() else None
    if old == content:
        return False
    if not check:
        path.write_text(content, encoding='utf-8')
    return True


def existing_price_rows(path: Path, *, rebuild: bool) -> list[Row]:
    """Rows of the current seed. Rows from another price_source belong in the overrides seed."""
    if rebuild:
        return []
    rows = read_rows(path)
    foreign = sorted({row['price_id'] for row in rows if row.get('price_source') != PRICE_SOURCE})
    if foreign:
        raise SystemExit(
            f'{path} has {len(foreign)} row(s) whose price_source is not {PRICE_SOURCE!r} '
            f'(e.g. {foreign[0]}); move them to llm_price_overrides.csv, or run once with --rebuild.'
        )
    for row in rows:
        row.setdefault('tier_min_input_tokens', '0')
        row['tier_min_input_tokens'] = row['tier_min_input_tokens'] or '0'
    return rows


# --------------------------------------------------------------------------- main


def refresh(
    seed_dir: Path,
    requested_providers: list[str] | None,
    *,
    overwrite_changed: bool = False,
    prune_stale: bool = False,
    rebuild: bool = False,
    check: bool = False,
    providers: Sequence[gp_types.Provider] | None = None,
    source_version: str | None = None,
) -> tuple[list[str], Report]:
    """Refresh every generated seed; returns (changed file names, report).

    ``providers``/``source_version`` default to the installed package's bundled snapshot
    (tests pass a modified copy).
    """
    all_providers = list(providers if providers is not None else data_snapshot.get_snapshot().providers)
    version = source_version or package_version('genai-prices')
    report = Report()

    prices_path = seed_dir / PRICES_FILE
    existing = existing_price_rows(prices_path, rebuild=rebuild)
    if requested_providers is None:
        requested = [provider.id for provider in all_providers]
    else:
        # Sticky selection: providers already in the seed stay selected (append-only).
        known = {provider.id for provider in all_providers}
        requested = list(requested_providers) + sorted({r['provider'] for r in existing} & known)
    selected = select_providers(all_providers, requested)

    generated: list[Row] = []
    for provider in selected:
        for model in provider.models:
            generated.extend(price_rows_for_model(provider.id, model, version, report))
    upstream_models = {(provider.id, model.id) for provider in selected for model in provider.models}
    prices = merge_prices(
        existing,
        generated,
        upstream_models,
        overwrite_changed=overwrite_changed,
        prune_stale=prune_stale,
        report=report,
    )

    existing_rules = [] if rebuild else read_rows(seed_dir / MODEL_RULES_FILE)
    outputs = {
        PRICES_FILE: render_csv(PRICE_COLUMNS, prices),
        MODEL_RULES_FILE: render_csv(MODEL_RULE_COLUMNS, build_model_rules(selected, existing_rules, report)),
        PROVIDER_RULES_FILE: render_csv(PROVIDER_RULE_COLUMNS, build_provider_rules(selected, report)),
        FALLBACKS_FILE: render_csv(FALLBACK_COLUMNS, build_fallbacks(selected)),
    }
    changed = [name for name, content in outputs.items() if write_if_changed(seed_dir / name, content, check=check)]
    return changed, report


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        '--providers',
        default=','.join(DEFAULT_PROVIDERS),
        help="comma-separated genai-prices provider ids, or 'all' (default: %(default)s; "
        'fallback providers are added, providers already in the seed stay)',
    )
    parser.add_argument('--seed-dir', type=Path, default=REPO_ROOT / 'seeds' / 'pricing', help='default: %(default)s')
    parser.add_argument(
        '--overwrite-changed',
        action='store_true',
        help='take the upstream price when it changed for an existing key (default: keep the old row, report it)',
    )
    parser.add_argument(
        '--prune-stale',
        action='store_true',
        help='drop rows whose model is still upstream but whose key (token type/tier/period) is not',
    )
    parser.add_argument(
        '--rebuild',
        action='store_true',
        help='ignore the existing seed (drops rows of vanished models: breaks append-only, use with care)',
    )
    parser.add_argument('--check', action='store_true', help='write nothing; exit 1 if a seed would change')
    parser.add_argument('--quiet', action='store_true', help='print only the changed files')
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    changed, report = refresh(
        args.seed_dir,
        parse_providers_arg(args.providers),
        overwrite_changed=args.overwrite_changed,
        prune_stale=args.prune_stale,
        rebuild=args.rebuild,
        check=args.check,
    )
    if not args.quiet:
        for line in report.lines():
            print(line, file=sys.stderr)
    verb = 'would change' if args.check else 'changed'
    print(f'{verb}: {", ".join(changed) if changed else "nothing"}')
    return 1 if args.check and changed else 0


if __name__ == '__main__':
    raise SystemExit(main())
