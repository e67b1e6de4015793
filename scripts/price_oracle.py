#!/usr/bin/env python3
"""Independent price check: price each call with genai-prices' own ``calc_price``.

Input CSV (header required; extra columns are ignored):

    call_id, provider, model, call_at,
    input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens
    [, cache_write_1h_tokens]

Short names (``input``, ``cache_read``, ``cache_write``, ``output``, ``reasoning``,
``cache_write_1h``) are accepted too. Token semantics are the project's and genai-prices':
``input_tokens`` INCLUDES cache reads and writes, ``output_tokens`` INCLUDES reasoning tokens,
``cache_write_tokens`` includes the 1-hour writes when ``cache_write_1h_tokens`` is given.
Empty token cells are 0. ``call_at`` is ISO 8601; no offset means UTC. ``provider`` is passed
as genai-prices' ``provider_id`` (empty: genai-prices guesses it from the model).

Output CSV: call_id, oracle_cost_usd (plain Decimal string, empty when genai-prices cannot
price the call), oracle_provider, oracle_model (the genai-prices provider/model whose prices
were used), oracle_error (why it is empty). Standard prices only: no price_context, so
batch/flex/priority variants are never applied.

Usage: python scripts/price_oracle.py calls.csv oracle.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from genai_prices import Usage, calc_price, data_snapshot

# column in the input CSV -> genai-prices Usage field
USAGE_FIELDS: dict[str, str] = {
    'input_tokens': 'input_tokens',
    'cache_read_tokens': 'cache_read_tokens',
    'cache_write_tokens': 'cache_write_tokens',
    'cache_write_1h_tokens': 'cache_write_1h_tokens',
    'output_tokens': 'output_tokens',
    'reasoning_tokens': 'output_reasoning_tokens',
}
SHORT_NAMES: dict[str, str] = {
    'input': 'input_tokens',
    'cache_read': 'cache_read_tokens',
    'cache_write': 'cache_write_tokens',
    'cache_write_1h': 'cache_write_1h_tokens',
    'output': 'output_tokens',
    'reasoning': 'reasoning_tokens',
}
OUTPUT_COLUMNS = ('call_id', 'oracle_cost_usd', 'oracle_provider', 'oracle_model', 'oracle_error')


@dataclass(frozen=True)
class OracleResult:
    call_id: str
    cost_usd: Decimal | None
    provider: str = ''
    model: str = ''
    error: str = ''

    def as_row(self) -> dict[str, str]:
        return {
            'call_id': self.call_id,
            'oracle_cost_usd': format_cost(self.cost_usd) if self.cost_usd is not None else '',
            'oracle_provider': self.provider,
            'oracle_model': self.model,
            'oracle_error': self.error,
        }


def format_cost(value: Decimal) -> str:
    """Exact plain string, no exponent: Decimal('1.5E-7') -> '0.00000015'."""
    text = format(value, 'f')
    if '.' in text:
        text = text.rstrip('0').rstrip('.')
    return text or '0'


def parse_call_at(value: str) -> datetime:
    """ISO 8601 (``Z``, offset, or naive = UTC) -> aware UTC datetime."""
    text = value.strip()
    if text.endswith(('Z', 'z')):
        text = text[:-1] + '+00:00'
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_tokens(value: str | None) -> int:
    if value is None or value.strip() == '':
        return 0
    number = Decimal(value.strip())
    if number != number.to_integral_value() or number < 0:
        raise ValueError(f'token count must be a non-negative integer, got {value!r}')
    return int(number)


def normalize_row(row: Mapping[str, str]) -> dict[str, str]:
    return {SHORT_NAMES.get(key.strip(), key.strip()): value for key, value in row.items() if key is not None}


def build_usage(row: Mapping[str, str]) -> Usage:
    return Usage(**{field: parse_tokens(row.get(column)) for column, field in USAGE_FIELDS.items()})


def owner_of(model: object) -> str:
    """The provider whose model list holds this model (differs from the resolved provider on fallback)."""
    for provider in data_snapshot.get_snapshot().providers:
        if any(candidate is model for candidate in provider.models):
            return provider.id
    return ''


def price_call(row: Mapping[str, str]) -> OracleResult:
    row = normalize_row(row)
    call_id = row.get('call_id', '')
    provider = (row.get('provider') or '').strip() or None
    model = (row.get('model') or '').strip()
    try:
        usage = build_usage(row)
        call_at = parse_call_at(row['call_at'])
        result = calc_price(usage, model, provider_id=provider, genai_request_timestamp=call_at)
    except LookupError as exc:
        return OracleResult(call_id, None, error=f'LookupError: {exc}')
    except (ValueError, KeyError) as exc:
        return OracleResult(call_id, None, error=f'{type(exc).__name__}: {exc}')
    return OracleResult(call_id, result.total_price, owner_of(result.model), result.model.id)


def price_calls(rows: Iterable[Mapping[str, str]]) -> Iterator[OracleResult]:
    for row in rows:
        yield price_call(row)


def run(input_path: Path, output_path: Path) -> tuple[int, int]:
    """Price every call of input_path into output_path; returns (calls, priced)."""
    total = priced = 0
    with input_path.open(newline='', encoding='utf-8') as source, output_path.open(
        'w', newline='', encoding='utf-8'
    ) as target:
        writer = csv.DictWriter(target, fieldnames=list(OUTPUT_COLUMNS), lineterminator='\n')
        writer.writeheader()
        for result in price_calls(csv.DictReader(source)):
            writer.writerow(result.as_row())
            total += 1
            priced += result.cost_usd is not None
    return total, priced


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('calls', type=Path, help='input CSV of calls')
    parser.add_argument('output', type=Path, help='output CSV (call_id, oracle_cost_usd, ...)')
    args = parser.parse_args(argv)
    total, priced = run(args.calls, args.output)
    print(f'{priced} of {total} calls priced by genai-prices -> {args.output}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
