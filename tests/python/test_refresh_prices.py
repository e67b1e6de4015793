"""Tests of the price seeds, their refresh script, model resolution and the price oracle."""

from __future__ import annotations

import csv
import dataclasses
import random
import shutil
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from genai_prices import data_snapshot
from genai_prices import types as gp_types

import price_oracle
import refresh_prices as rp
from price_rules import PRICE_SQL, RESOLVE_SQL, rule_matches

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT / 'seeds' / 'pricing'
GENERATED = (rp.PRICES_FILE, rp.MODEL_RULES_FILE, rp.PROVIDER_RULES_FILE, rp.FALLBACKS_FILE)
HAND_MADE = ('llm_price_overrides.csv', 'llm_model_aliases.csv', 'llm_provider_aliases.csv')


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline='', encoding='utf-8') as handle:
        return list(csv.DictReader(handle))


def snapshot_bytes(seed_dir: Path) -> dict[str, bytes]:
    return {name: (seed_dir / name).read_bytes() for name in GENERATED}


def all_providers() -> list[gp_types.Provider]:
    return list(data_snapshot.get_snapshot().providers)


@pytest.fixture(scope='module')
def seed_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the committed seeds, refreshed once (append-only, default providers)."""
    seed_dir = tmp_path_factory.mktemp('seeds')
    for name in GENERATED + HAND_MADE:
        shutil.copy(SEEDS / name, seed_dir / name)
    rp.refresh(seed_dir, list(rp.DEFAULT_PROVIDERS))
    return seed_dir


@pytest.fixture(scope='module')
def prices() -> list[dict[str, str]]:
    return read(SEEDS / rp.PRICES_FILE)


# --------------------------------------------------------------------------- refresh


def test_committed_seeds_are_fresh() -> None:
    """The committed seeds are what the installed genai-prices gives (refresh is a no-op)."""
    changed, _ = rp.refresh(SEEDS, list(rp.DEFAULT_PROVIDERS), check=True)
    assert changed == [], f'run scripts/refresh_prices.py: {changed} would change'


def test_refresh_twice_is_byte_identical(tmp_path: Path) -> None:
    rp.refresh(tmp_path, list(rp.DEFAULT_PROVIDERS), rebuild=True)
    first = snapshot_bytes(tmp_path)
    changed, _ = rp.refresh(tmp_path, list(rp.DEFAULT_PROVIDERS))
    assert changed == []
    assert snapshot_bytes(tmp_path) == first
    assert first[rp.PRICES_FILE] == (SEEDS / rp.PRICES_FILE).read_bytes()


def test_seed_size_and_columns(prices: list[dict[str, str]]) -> None:
    assert (SEEDS / rp.PRICES_FILE).stat().st_size < 1_000_000
    assert tuple(prices[0].keys()) == rp.PRICE_COLUMNS
    assert {row['price_source'] for row in prices} == {'genai-prices'}
    assert {row['token_type'] for row in prices} <= set(rp.TOKEN_TYPES.values())
    providers = {row['provider'] for row in prices}
    assert {'openai', 'anthropic', 'google', 'azure', 'aws', 'mistral', 'groq', 'deepseek', 'x-ai'} <= providers


def _modified_providers() -> list[gp_types.Provider]:
    """Upstream where openai/o3 vanished and gpt-4o-mini's input price changed."""
    out = []
    for provider in all_providers():
        if provider.id == 'openai':
            models = []
            for model in provider.models:
                if model.id == 'o3':
                    continue
                if model.id == 'gpt-4o-mini':
                    assert isinstance(model.prices, gp_types.ModelPrice)
                    changed = gp_types.ModelPrice(**{**model.prices.__dict__, 'input_mtok': Decimal('0.99')})
                    model = dataclasses.replace(model, prices=changed)
                models.append(model)
            provider = dataclasses.replace(provider, models=models)
        out.append(provider)
    return out


def test_append_only_and_changed_prices(seed_copy: Path, tmp_path: Path) -> None:
    for name in GENERATED:
        shutil.copy(seed_copy / name, tmp_path / name)
    before = {row['price_id']: row for row in read(tmp_path / rp.PRICES_FILE)}
    rules_before = [r for r in read(tmp_path / rp.MODEL_RULES_FILE) if (r['provider'], r['model']) == ('openai', 'o3')]

    changed, report = rp.refresh(tmp_path, list(rp.DEFAULT_PROVIDERS), providers=_modified_providers())
    after = {row['price_id']: row for row in read(tmp_path / rp.PRICES_FILE)}
    # every old row is still there: o3 vanished upstream but keeps its prices
    assert before.keys() <= after.keys()
    assert after['openai/o3/input/0/2025-06-10'] == before['openai/o3/input/0/2025-06-10']
    assert report.kept_vanished_model == sum(1 for row in before.values() if row['model'] == 'o3'
                                             and row['provider'] == 'openai')
    # the changed price is reported and the old value kept by default
    assert any('gpt-4o-mini/input' in line and '0.99' in line for line in report.changed)
    assert after['openai/gpt-4o-mini/input/0/1970-01-01']['usd_per_mtok'] == '0.15'
    # the vanished model keeps its match rules, so old traces still resolve to its prices
    rules_after = read(tmp_path / rp.MODEL_RULES_FILE)
    o3_rules = [r for r in rules_after if (r['provider'], r['model']) == ('openai', 'o3')]
    assert [(r['match_type'], r['match_value']) for r in o3_rules] == [
        (r['match_type'], r['match_value']) for r in rules_before
    ]
    assert rp.MODEL_RULES_FILE in changed
    for name in HAND_MADE:
        shutil.copy(SEEDS / name, tmp_path / name)
    assert sql_resolution(tmp_path, [('openai', 'o3-2025-04-16'), ('openai', 'o3-pro'), ('openai', 'o3-mini')]) == [
        ('openai', 'o3'),
        ('openai', 'o3-pro'),
        ('openai', 'o3-mini'),
    ]
    # idempotent with the same upstream
    assert rp.refresh(tmp_path, list(rp.DEFAULT_PROVIDERS), providers=_modified_providers())[0] == []

    # --overwrite-changed takes the new price; the vanished model is still kept
    rp.refresh(tmp_path, list(rp.DEFAULT_PROVIDERS), providers=_modified_providers(), overwrite_changed=True)
    overwritten = {row['price_id']: row for row in read(tmp_path / rp.PRICES_FILE)}
    assert overwritten['openai/gpt-4o-mini/input/0/1970-01-01']['usd_per_mtok'] == '0.99'
    assert 'openai/o3/output/0/1970-01-01' in overwritten


def test_new_period_closes_open_row(seed_copy: Path, tmp_path: Path) -> None:
    """A start date added upstream closes the open row instead of overlapping it."""
    for name in GENERATED:
        shutil.copy(seed_copy / name, tmp_path / name)
    providers = []
    for provider in all_providers():
        if provider.id == 'openai':
            models = []
            for model in provider.models:
                if model.id == 'gpt-4o':
                    assert isinstance(model.prices, gp_types.ModelPrice)
                    cheaper = gp_types.ModelPrice(**{**model.prices.__dict__, 'input_mtok': Decimal('1')})
                    model = dataclasses.replace(
                        model,
                        prices=[
                            gp_types.ConditionalPrice(constraint=None, prices=model.prices),
                            gp_types.ConditionalPrice(
                                constraint=gp_types.StartDateConstraint(start_date=datetime(2030, 1, 1).date()),
                                prices=cheaper,
                            ),
                        ],
                    )
                models.append(model)
            provider = dataclasses.replace(provider, models=models)
        providers.append(provider)
    rp.refresh(tmp_path, list(rp.DEFAULT_PROVIDERS), providers=providers)
    rows = {row['price_id']: row for row in read(tmp_path / rp.PRICES_FILE)}
    assert rows['openai/gpt-4o/input/0/1970-01-01']['effective_to'] == '2030-01-01 00:00:00'
    assert rows['openai/gpt-4o/input/0/2030-01-01']['usd_per_mtok'] == '1'
    assert rows['openai/gpt-4o/input/0/2030-01-01']['effective_to'] == ''


# --------------------------------------------------------------------------- seed invariants


def _periods_never_overlap(rows: Sequence[dict[str, str]]) -> None:
    groups: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[(row['provider'], row['model'], row['token_type'], row['tier_min_input_tokens'])].append(row)
    for key, group in groups.items():
        group.sort(key=lambda row: row['effective_from'])
        for row in group:
            assert row['effective_to'] == '' or row['effective_from'] < row['effective_to'], row['price_id']
        for previous, following in zip(group, group[1:]):
            assert previous['effective_to'] != '', f'{key}: open row followed by another period'
            assert previous['effective_to'] <= following['effective_from'], f'{key}: periods overlap'


def test_unique_ids_and_keys(prices: list[dict[str, str]]) -> None:
    overrides = read(SEEDS / 'llm_price_overrides.csv')
    for rows in (prices, overrides):
        assert len({row['price_id'] for row in rows}) == len(rows)
        assert len({rp.price_key(row) for row in rows}) == len(rows)


def test_periods_never_overlap(prices: list[dict[str, str]]) -> None:
    _periods_never_overlap(prices)
    _periods_never_overlap(read(SEEDS / 'llm_price_overrides.csv'))


def _rows_at(rows: Sequence[dict[str, str]], provider: str, model: str, instant: str) -> list[dict[str, str]]:
    return [
        row
        for row in rows
        if row['provider'] == provider
        and row['model'] == model
        and row['effective_from'] <= instant
        and (row['effective_to'] == '' or instant < row['effective_to'])
    ]


def test_no_two_prices_for_one_instant(prices: list[dict[str, str]]) -> None:
    by_model: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in prices:
        by_model[(row['provider'], row['model'])].append(row)
    for (provider, model), rows in by_model.items():
        instants = {row['effective_from'] for row in rows} | {row['effective_to'] for row in rows if row['effective_to']}
        for instant in instants:
            hits = _rows_at(rows, provider, model, instant)
            keys = [(row['token_type'], row['tier_min_input_tokens']) for row in hits]
            assert len(keys) == len(set(keys)), f'{provider}/{model} at {instant}: {keys}'


def test_tier_rows(prices: list[dict[str, str]]) -> None:
    tiered = [row for row in prices if row['tier_min_input_tokens'] != '0']
    assert len({(row['provider'], row['model']) for row in tiered}) >= 5
    sonnet = {
        (row['token_type'], row['tier_min_input_tokens']): row['usd_per_mtok']
        for row in _rows_at(prices, 'anthropic', 'claude-sonnet-4-5', '2026-01-01 00:00:00')
    }
    assert sonnet[('input', '0')] == '3' and sonnet[('input', '200000')] == '6'
    assert sonnet[('output', '0')] == '15' and sonnet[('output', '200000')] == '22.5'
    # every tier row has a base row for the same token type and period
    base = {(r['provider'], r['model'], r['token_type'], r['effective_from']) for r in prices
            if r['tier_min_input_tokens'] == '0'}
    for row in tiered:
        assert (row['provider'], row['model'], row['token_type'], row['effective_from']) in base


def test_o3_real_price_change(prices: list[dict[str, str]]) -> None:
    before = {r['token_type']: r['usd_per_mtok'] for r in _rows_at(prices, 'openai', 'o3', '2025-06-09 23:59:59')}
    after = {r['token_type']: r['usd_per_mtok'] for r in _rows_at(prices, 'openai', 'o3', '2025-06-10 00:00:00')}
    assert before == {'input': '10', 'cache_read': '0.5', 'output': '40'}
    assert after == {'input': '2', 'cache_read': '0.5', 'output': '8'}


def _has_time_window(model: gp_types.ModelInfo) -> bool:
    return isinstance(model.prices, list) and any(
        isinstance(c.constraint, gp_types.TimeOfDateConstraint) for c in model.prices
    )


def test_seed_equals_genai_prices_at_every_boundary(prices: list[dict[str, str]]) -> None:
    """At each period start and just before each period end, the seed gives get_prices()."""
    by_model: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in prices:
        by_model[(row['provider'], row['model'])].append(row)
    models = {(p.id, m.id): m for p in all_providers() for m in p.models}
    checked = 0
    for (provider, model_id), rows in by_model.items():
        model = models[(provider, model_id)]
        if _has_time_window(model):
            continue
        instants = {datetime.fromisoformat(r['effective_from']) for r in rows}
        instants |= {datetime.fromisoformat(r['effective_to']) - timedelta(seconds=1) for r in rows if r['effective_to']}
        for instant in instants:
            expected: dict[tuple[str, str], Decimal] = {}
            model_price = model.get_prices(instant.replace(tzinfo=UTC))
            if not any(v is not None for k, v in model_price.__dict__.items() if not k.startswith('_')):
                expected = {('input', '0'): Decimal(0), ('output', '0'): Decimal(0)}  # free model
            for key, value in model_price.__dict__.items():
                if key not in rp.TOKEN_TYPES or value is None:
                    continue
                if isinstance(value, gp_types.TieredPrices):
                    expected[(rp.TOKEN_TYPES[key], '0')] = value.base
                    expected.update({(rp.TOKEN_TYPES[key], str(t.start)): t.price for t in value.tiers})
                else:
                    expected[(rp.TOKEN_TYPES[key], '0')] = value
            got = {
                (r['token_type'], r['tier_min_input_tokens']): Decimal(r['usd_per_mtok'])
                for r in _rows_at(rows, provider, model_id, instant.strftime('%Y-%m-%d %H:%M:%S'))
            }
            assert got == expected, f'{provider}/{model_id} at {instant}'
            checked += 1
    assert checked > 500


def test_hand_made_seeds() -> None:
    overrides = read(SEEDS / 'llm_price_overrides.csv')
    assert tuple(overrides[0].keys()) == rp.PRICE_COLUMNS
    assert {row['price_source'] for row in overrides} == {'manual'}
    priced = {(r['provider'], r['model']) for r in read(SEEDS / rp.PRICES_FILE) + overrides}
    for alias in read(SEEDS / 'llm_model_aliases.csv'):
        assert alias['alias_model'] == alias['alias_model'].lower()
        assert (alias['provider'], alias['model']) in priced, alias
    provider_ids = {p.id for p in all_providers()}
    for alias in read(SEEDS / 'llm_provider_aliases.csv'):
        assert alias['alias_provider'] == alias['alias_provider'].lower()
        assert alias['provider'] in provider_ids, alias


# --------------------------------------------------------------------------- resolution

# (provider as the caller gives it, model string). None = no provider.
RESOLUTION_CASES: list[tuple[str | None, str]] = [
    ('openai', 'gpt-4o'),
    ('openai', 'GPT-4O'),
    ('openai', 'gpt-4o-2024-08-06'),
    ('openai', 'gpt-4o-2024-05-13'),
    ('openai', 'gpt-4o-2024-11-20'),
    ('openai', 'gpt-4o-mini'),
    ('openai', 'gpt-4o-mini-2024-07-18'),
    ('openai', 'gpt-4o-audio-preview'),
    ('openai', 'gpt-4o-audio-preview-2024-12-17'),
    ('openai', 'gpt-4o-mini-audio-preview-2024-12-17'),
    ('openai', 'gpt-4o-realtime-preview-2024-10-01'),
    ('openai', 'o3'),
    ('openai', 'o3-2025-04-16'),
    ('openai', 'o3-pro'),
    ('openai', 'o3-pro-2025-06-10'),
    ('openai', 'o3-mini-high'),
    ('openai', 'o3-deep-research'),
    ('openai', 'o4-mini-2025-04-16'),
    ('openai', 'o1-pro'),
    ('openai', 'gpt-5'),
    ('openai', 'gpt-5-nano-2025-08-07'),
    ('openai', 'gpt-5-1-codex'),
    ('openai', 'gpt-5.2-20251211'),
    ('openai', 'gpt-5.2-2025-12-11'),
    ('openai', 'gpt-5.6-luna-2026-07-30'),
    ('openai', 'gpt-4.1-mini-2025-04-14'),
    ('openai', 'text-embedding-3-small'),
    ('openai', 'text-moderation-latest'),
    ('openai', 'ft:gpt-4o-mini-2024-07-18:acme::abc123'),
    ('openai', 'openai/gpt-4o'),
    ('openai', 'not-a-model'),
    ('OpenAI', 'gpt-3.5-turbo'),
    ('anthropic', 'claude-sonnet-4-5-20250929'),
    ('anthropic', 'Claude-Sonnet-4-5'),
    ('anthropic', 'claude-3-5-haiku-20241022'),
    ('anthropic', 'claude-3-7-sonnet-20250219'),
    ('anthropic', 'claude-opus-4-20250514'),
    ('anthropic', 'claude-opus-4-1-20250805'),
    ('anthropic', 'claude-sonnet-4-6'),
    ('anthropic', 'claude-haiku-4-5-20251001'),
    ('anthropic', 'claude-opus-5-20260101'),
    ('anthropic', 'claude-sonnet-4@20250514'),
    ('google', 'gemini-2.5-pro'),
    ('google', 'gemini-2.5-pro-preview-06-05'),
    ('google', 'gemini-2.5-pro-preview-tts'),
    ('google', 'gemini-2.5-flash-lite-preview-06-17'),
    ('google', 'gemini-2.5-flash'),
    ('google', 'claude-opus-4-6'),
    ('google', 'claude-sonnet-4-5@20250929'),
    ('azure', 'gpt-4o-mini'),
    ('azure', 'gpt-4o-2024-08-06'),
    ('azure', 'o3'),
    ('azure', 'o4-mini'),
    ('azure', 'claude-sonnet-4-5'),
    ('azure', 'phi-4'),
    ('azure', 'grok-4'),
    ('aws', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'),
    ('aws', 'anthropic.claude-3-5-haiku-20241022-v1:0'),
    ('aws', 'amazon.nova-pro-v1:0'),
    ('bedrock', 'amazon.nova-lite-v1:0'),
    ('mistral', 'mistral-large-latest'),
    ('mistral', 'codestral-latest'),
    ('mistral_ai', 'mistral-small-latest'),
    ('groq', 'llama-3.3-70b-versatile'),
    ('groq', 'openai/gpt-oss-120b'),
    ('deepseek', 'deepseek-chat'),
    ('deepseek', 'deepseek-reasoner'),
    ('x-ai', 'grok-4-0709'),
    ('xai', 'grok-3-mini'),
    ('x-ai', 'grok-4.3-20260101'),
    ('vertex_ai', 'gemini-2.5-flash'),
    ('perplexity', 'sonar-deep-research'),
    ('unknown-provider', 'gpt-4o'),
    (None, 'gpt-4o'),
    (None, 'o3-pro'),
    (None, 'claude-3-opus-20240229'),
    (None, 'gemini-2.5-pro'),
    (None, 'mistral-small-latest'),
    (None, 'codestral-latest'),
    (None, 'grok-4'),
    (None, 'command-r-plus'),
    (None, 'some-unknown-model'),
]


def genai_resolution(
    snapshot: data_snapshot.DataSnapshot, provider: str | None, model: str
) -> tuple[str, str] | None:
    """genai-prices' own choice: the (owner provider, model id) whose prices apply."""
    try:
        _, found = snapshot.find_provider_model(model, None, provider, None)
    except LookupError:
        return None
    owner = next(p.id for p in snapshot.providers if any(m is found for m in p.models))
    return owner, found.id


def load_seeds(con: duckdb.DuckDBPyConnection, seed_dir: Path, *, with_aliases: bool) -> None:
    def table(name: str, columns: dict[str, str], path: Path | None = None) -> None:
        source = path or seed_dir / f'{name}.csv'
        con.execute(
            f'create or replace table {name} as select * from read_csv(?, header=true, columns={columns!r})',
            [str(source)],
        )

    table('llm_model_match_rules', dict.fromkeys(rp.MODEL_RULE_COLUMNS, 'VARCHAR') | {'rule_rank': 'INTEGER'})
    table('llm_provider_match_rules', dict.fromkeys(rp.PROVIDER_RULE_COLUMNS, 'VARCHAR') | {'rule_rank': 'INTEGER'})
    table('llm_provider_fallbacks', dict.fromkeys(rp.FALLBACK_COLUMNS, 'VARCHAR') | {'fallback_rank': 'INTEGER'})
    table('llm_price_overrides', dict.fromkeys(rp.PRICE_COLUMNS, 'VARCHAR'))
    table('llm_provider_aliases', dict.fromkeys(('alias_provider', 'provider', 'note'), 'VARCHAR'))
    table('llm_model_aliases', dict.fromkeys(('alias_provider', 'alias_model', 'provider', 'model', 'note'), 'VARCHAR'))
    if not with_aliases:
        con.execute('delete from llm_provider_aliases')
        con.execute('delete from llm_model_aliases')


def sql_resolution(
    seed_dir: Path, cases: Sequence[tuple[str | None, str]], *, with_aliases: bool = False
) -> list[tuple[str, str] | None]:
    con = duckdb.connect()
    load_seeds(con, seed_dir, with_aliases=with_aliases)
    con.execute('create table calls (call_key integer, provider varchar, model varchar)')
    con.executemany('insert into calls values (?, ?, ?)', [(i, p, m) for i, (p, m) in enumerate(cases)])
    found = dict(
        (key, (provider, model) if provider else None)
        for key, provider, model in con.execute(
            f'select call_key, price_provider, price_model from ({RESOLVE_SQL})'
        ).fetchall()
    )
    return [found[index] for index in range(len(cases))]


def selected_snapshot() -> data_snapshot.DataSnapshot:
    selected = {row['provider'] for row in read(SEEDS / rp.MODEL_RULES_FILE)}
    return data_snapshot.DataSnapshot(
        providers=[p for p in all_providers() if p.id in selected], from_auto_update=False
    )


def test_resolution_matches_genai_prices() -> None:
    """The reference SQL over the seed CSVs picks the model genai-prices picks."""
    assert len(RESOLUTION_CASES) >= 60
    got = sql_resolution(SEEDS, RESOLUTION_CASES)
    snapshot = selected_snapshot()
    full = data_snapshot.get_snapshot()
    mismatches = []
    for (provider, model), sql_result in zip(RESOLUTION_CASES, got):
        expected = genai_resolution(snapshot, provider, model)
        if sql_result != expected:
            mismatches.append(f'{provider!r} {model!r}: sql={sql_result} genai-prices={expected}')
        # the seed's provider subset gives the same answer as the full genai-prices data here
        assert genai_resolution(full, provider, model) == expected, (provider, model)
    assert not mismatches, '\n'.join(mismatches)
    # variants never fall back to their base model
    results = dict(zip(RESOLUTION_CASES, got))
    assert results[('openai', 'o3-pro')] == ('openai', 'o3-pro')
    assert results[('openai', 'gpt-4o-audio-preview-2024-12-17')] == ('openai', 'gpt-4o-audio-preview')
    assert results[('openai', 'gpt-4o-2024-05-13')] == ('openai', 'gpt-4o-2024-05-13')
    assert results[('azure', 'gpt-4o-mini')] == ('openai', 'gpt-4o-mini')
    assert results[('openai', 'openai/gpt-4o')] is None


def test_resolution_of_every_rule_value() -> None:
    """Every literal rule value (and every model id) resolves like genai-prices."""
    rules = read(SEEDS / rp.MODEL_RULES_FILE)
    cases: list[tuple[str | None, str]] = sorted(
        {(r['provider'], r['match_value']) for r in rules if r['match_type'] in ('equals', 'starts_with', 'contains')}
        | {(r['provider'], r['model']) for r in rules}
        | {(r['provider'], r['match_value'] + '-2099-01-01') for r in rules if r['match_type'] == 'starts_with'}
    )
    got = sql_resolution(SEEDS, cases)
    snapshot = selected_snapshot()
    mismatches = [
        f'{case}: sql={result} genai-prices={genai_resolution(snapshot, *case)}'
        for case, result in zip(cases, got)
        if result != genai_resolution(snapshot, *case)
    ]
    assert not mismatches, '\n'.join(mismatches[:20])


def test_python_rule_semantics_match_genai_clauses() -> None:
    """rule_matches() over a model's flattened rows == genai-prices' is_match on that model."""
    probes = [case[1].lower() for case in RESOLUTION_CASES]
    rules_by_model: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for rule in read(SEEDS / rp.MODEL_RULES_FILE):
        rules_by_model[(rule['provider'], rule['model'])].append(rule)
    for provider in selected_snapshot().providers:
        for model in provider.models:
            rows = rules_by_model[(provider.id, model.id)]
            for probe in probes + [model.id.lower()]:
                ours = any(rule_matches(r['match_type'], r['match_value'], r['exclude_regex'], probe) for r in rows)
                assert ours == model.is_match(probe), (provider.id, model.id, probe)


def test_aliases_resolve() -> None:
    cases: list[tuple[str | None, str]] = [
        ('azure', 'prod-gpt4o-mini-eastus'),
        ('azure.ai.openai', 'PROD-GPT4O-MINI-EASTUS'),
        ('azure.ai.openai', 'gpt-4o'),
        ('azure.ai.openai', 'o3'),
        ('openai', 'openai/gpt-4o'),
        ('litellm', 'openai/o3'),
        ('x_ai', 'grok-4-0709'),
        ('gcp.vertex_ai', 'claude-sonnet-4-5@20250929'),
        ('aws.bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'),
        ('self_hosted', 'Llama-3.1-8B-Instruct'),
        ('openai', 'prod-gpt4o-mini-eastus'),
    ]
    assert sql_resolution(SEEDS, cases, with_aliases=True) == [
        ('openai', 'gpt-4o-mini'),
        ('openai', 'gpt-4o-mini'),
        ('openai', 'gpt-4o'),
        ('azure', 'o3-2025-04-16'),
        ('openai', 'gpt-4o'),
        ('openai', 'o3'),
        ('x-ai', 'grok-4-0709'),
        ('google', 'claude-sonnet-4-5'),  # Vertex AI has its own Claude prices in genai-prices
        ('aws', 'regional.anthropic.claude-sonnet-4-5-20250929-v1:0'),
        ('self_hosted', 'llama-3.1-8b-instruct'),
        None,
    ]


def test_rule_regexes_compile_in_duckdb() -> None:
    con = duckdb.connect()
    for name in (rp.MODEL_RULES_FILE, rp.PROVIDER_RULES_FILE):
        for rule in read(SEEDS / name):
            for pattern in (rule['match_value'] if rule['match_type'] == 'regex' else '', rule['exclude_regex']):
                if pattern:
                    con.execute('select regexp_matches(?, ?)', ['x', pattern]).fetchall()
            assert rule['match_type'] != 'and', f'unsupported and-clause in the default seed: {rule}'


# --------------------------------------------------------------------------- oracle


def test_price_oracle(tmp_path: Path) -> None:
    calls = tmp_path / 'calls.csv'
    calls.write_text(
        'call_id,provider,model,call_at,input_tokens,cache_read_tokens,cache_write_tokens,output_tokens,'
        'reasoning_tokens\n'
        'a,openai,o3,2025-06-09T23:59:59Z,1000,200,0,500,300\n'
        'b,openai,o3,2025-06-10T00:00:00Z,1000,200,0,500,300\n'
        'c,anthropic,claude-sonnet-4-5-20250929,2026-01-01 10:00:00,200000,100000,50000,10,\n'
        'd,anthropic,claude-sonnet-4-5-20250929,2026-01-01 10:00:00,200001,100000,50000,10,\n'
        'e,openai,nope-model,2026-01-01,1,,,1,\n'
        'f,azure,gpt-4o-mini,2026-01-01T01:00:00+02:00,10,20,,1,\n'
        'g,openai,o3,2025-06-10T01:00:00+02:00,1000000,0,0,0,0\n',
        encoding='utf-8',
    )
    out = tmp_path / 'oracle.csv'
    assert price_oracle.run(calls, out) == (7, 5)
    rows = {row['call_id']: row for row in read(out)}
    # o3: 800 input x $10 + 200 cache read x $0.5 + 500 output x $40 (reasoning at the output price)
    assert rows['a']['oracle_cost_usd'] == '0.0281'
    assert rows['b']['oracle_cost_usd'] == '0.0057'
    # cliff: 200,000 input tokens (cache included) is still the base rate, 200,001 is the tier
    assert rows['c']['oracle_cost_usd'] == '0.36765'
    assert rows['d']['oracle_cost_usd'] == '0.735231'
    assert rows['e']['oracle_cost_usd'] == '' and rows['e']['oracle_error'].startswith('LookupError')
    assert rows['f']['oracle_cost_usd'] == '' and 'cannot exceed' in rows['f']['oracle_error']
    assert rows['g']['oracle_cost_usd'] == '10'  # 2025-06-09 23:00 UTC: still the old price
    assert (rows['a']['oracle_provider'], rows['a']['oracle_model']) == ('openai', 'o3')


# --------------------------------------------------------------------------- seed pricing == oracle

# Models whose calc_price the token seed cannot reproduce (docs/pricing.md#not-in-the-seed).
NOT_REPRODUCIBLE = {
    ('deepseek', 'deepseek-chat'),
    ('deepseek', 'deepseek-reasoner'),
    ('deepseek', 'deepseek-flash'),
    ('deepseek', 'deepseek-v4-flash'),
    ('deepseek', 'deepseek-v4-pro'),
    ('perplexity', 'sonar'),
    ('perplexity', 'sonar-pro'),
    ('perplexity', 'sonar-reasoning'),
    ('perplexity', 'sonar-reasoning-pro'),
}


def _random_calls(count: int) -> list[dict[str, str]]:
    """Deterministic calls over every (provider, model) of the seed, with model strings taken
    from the match rules (ids, dated snapshots...) and token counts around the tier cliffs."""
    rng = random.Random(20261127)
    snapshot = selected_snapshot()
    refs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rule in read(SEEDS / rp.MODEL_RULES_FILE):
        key = (rule['provider'], rule['model'])
        if rule['match_type'] in ('equals', 'starts_with', 'contains', 'ends_with'):
            for ref in (rule['match_value'], rule['match_value'] + '-20250101'):
                if genai_resolution(snapshot, rule['provider'], ref) == key:
                    refs[key].append(ref)
    # models with no token price at all (audio hours, pages, characters) are unpriced by design
    priced = {(r['provider'], r['model']) for r in read(SEEDS / rp.PRICES_FILE)}
    models = sorted((set(refs) & priced) - NOT_REPRODUCIBLE)
    boundaries = sorted({r['effective_from'] for r in read(SEEDS / rp.PRICES_FILE)} - {'1970-01-01 00:00:00'})
    tier_starts = sorted({int(r['tier_min_input_tokens']) for r in read(SEEDS / rp.PRICES_FILE)} - {0})
    calls = []
    for index in range(count):
        provider, model = models[index % len(models)]
        model_ref = rng.choice(refs[(provider, model)])
        if rng.random() < 0.2:
            model_ref = model_ref.upper()
        if rng.random() < 0.3:
            boundary = datetime.fromisoformat(rng.choice(boundaries))
            call_at = boundary + timedelta(seconds=rng.choice([-1, 0, 1, 3600]))
        else:
            call_at = datetime(2024, 1, 1) + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        if rng.random() < 0.4:
            input_tokens = rng.choice(tier_starts) + rng.choice([-1, 0, 1, 5000])
        else:
            input_tokens = rng.randrange(0, 300_000)
        cache_read = rng.randrange(0, input_tokens + 1) if rng.random() < 0.5 else 0
        cache_write = rng.randrange(0, input_tokens - cache_read + 1) if rng.random() < 0.4 else 0
        output_tokens = rng.randrange(0, 20_000)
        reasoning = rng.randrange(0, output_tokens + 1) if rng.random() < 0.5 else 0
        calls.append(
            {
                'call_id': str(index),
                'provider': provider,
                'model': model_ref,
                'call_at': call_at.strftime('%Y-%m-%d %H:%M:%S'),
                'input_tokens': str(input_tokens),
                'cache_read_tokens': str(cache_read),
                'cache_write_tokens': str(cache_write),
                'output_tokens': str(output_tokens),
                'reasoning_tokens': str(reasoning),
            }
        )
    return calls


def test_seed_pricing_matches_calc_price() -> None:
    """PRICE_SQL over the seeds == genai-prices' calc_price to 1e-9 USD."""
    calls = _random_calls(2500)
    oracle = {result.call_id: result for result in price_oracle.price_calls(calls)}
    con = duckdb.connect()
    load_seeds(con, SEEDS, with_aliases=False)
    price_columns = dict.fromkeys(rp.PRICE_COLUMNS, 'VARCHAR') | {
        'effective_from': 'TIMESTAMP',
        'effective_to': 'TIMESTAMP',
        'usd_per_mtok': 'DECIMAL(18,9)',
        'tier_min_input_tokens': 'BIGINT',
    }
    for name in ('llm_prices', 'llm_price_overrides'):
        con.execute(
            f'create or replace table {name} as select * from read_csv(?, header=true, columns={price_columns!r})',
            [str(SEEDS / f'{name}.csv')],
        )
    con.execute(
        'create table calls (call_key integer, provider varchar, model varchar, call_at timestamp, input_tokens bigint,'
        ' cache_read_tokens bigint, cache_write_tokens bigint, output_tokens bigint, reasoning_tokens bigint)'
    )
    con.executemany(
        'insert into calls values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
            (int(c['call_id']), c['provider'], c['model'], c['call_at'], int(c['input_tokens']),
             int(c['cache_read_tokens']), int(c['cache_write_tokens']), int(c['output_tokens']),
             int(c['reasoning_tokens']))
            for c in calls
        ],
    )
    ours = {str(key): (provider, model, cost) for key, provider, model, cost in con.execute(PRICE_SQL).fetchall()}
    compared = set()
    problems = []
    for call in calls:
        expected = oracle[call['call_id']]
        provider, model, cost = ours[call['call_id']]
        if expected.cost_usd is None:
            problems.append(f'oracle could not price {call}: {expected.error}')
            continue
        if (provider, model) != (expected.provider, expected.model):
            problems.append(f'{call}: resolved {provider}/{model}, genai-prices {expected.provider}/{expected.model}')
        elif cost is None or abs(Decimal(cost) - expected.cost_usd) > Decimal('1e-9'):
            problems.append(f'{call}: seed {cost} != calc_price {expected.cost_usd}')
        else:
            compared.add((provider, model))
    assert not problems, '\n'.join(problems[:15])
    assert len(compared) >= 20
