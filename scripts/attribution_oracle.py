"""Independent Python oracle for docs/attribution_rules.md.

Used by the trace generator to write the ground-truth ledger. It shares no
code with the dbt models on purpose: it re-implements the rules from the
document with `decimal`, so a disagreement between the ledger and the marts
points at one of the two implementations.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Context, Decimal
from pathlib import Path
from typing import Any, NamedTuple

import yaml

TOKEN_TYPES = ("input", "cache_read", "cache_write", "output", "reasoning")

# Rule 7 says "any reason above applies". unpriced_model is defined in an
# earlier section of the document, so it is read as one of those reasons.
# Flip this set if the rules are clarified to mean identity reasons only.
STATUS_REASONS = frozenset(
    {
        "missing_tenant",
        "unmapped_tenant",
        "unknown_cost_center",
        "missing_workflow",
        "unregistered_workflow",
        "missing_actor",
        "unpriced_model",
    }
)

_SNAPSHOT_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


def parse_utc_ms(text: str) -> int:
    """Epoch milliseconds of an ISO 8601 / 'YYYY-MM-DD HH:MM:SS' instant; naive = UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)


def _open_ms(text: str | None) -> int | None:
    return parse_utc_ms(text) if text and text.strip() else None


def _read_csv(path: Path) -> list[dict[str, str]]:
    # Columns are read by name; unknown extra columns are simply ignored.
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def strip_snapshot(model: str) -> str:
    """Model name without a dated snapshot suffix (-YYYY-MM-DD or -YYYYMMDD)."""
    return _SNAPSHOT_SUFFIX.sub("", model)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


# --------------------------------------------------------------------------
# Project configuration
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectVars:
    """The dbt vars the rules depend on."""

    identity_aliases: dict[str, list[str]]
    execution_aliases: dict[str, list[str]]
    provider_value_map: dict[str, str]

    @classmethod
    def load(cls, project_file: Path) -> "ProjectVars":
        data = yaml.safe_load(project_file.read_text(encoding="utf-8"))
        dbt_vars = data.get("vars", {})
        return cls(
            identity_aliases={k: list(v) for k, v in dbt_vars["identity_aliases"].items()},
            execution_aliases={k: list(v) for k, v in dbt_vars["execution_aliases"].items()},
            provider_value_map={str(k): str(v) for k, v in dbt_vars.get("provider_value_map", {}).items()},
        )

    def normalize_provider(self, provider: str | None) -> str | None:
        """provider_value_map spelling, else lowercased; None when blank."""
        if is_blank(provider):
            return None
        key = str(provider).strip()
        return self.provider_value_map.get(key, self.provider_value_map.get(key.lower(), key.lower()))


class IdentityResolver:
    """Canonical fields from attribute maps: the first non-blank alias, in alias order."""

    def __init__(self, aliases: Mapping[str, Sequence[str]]) -> None:
        self.fields = tuple(aliases)
        # key -> [(field, rank)]: a span carries few keys, so walking its keys
        # is much cheaper than walking every alias list.
        self._rank: dict[str, list[tuple[str, int]]] = {}
        for field_name, keys in aliases.items():
            for rank, key in enumerate(keys):
                self._rank.setdefault(key, []).append((field_name, rank))

    def resolve(self, attr_chain: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str | None, str | None]]:
        """field -> (value, winning key); (None, None) when no alias is set.

        `attr_chain` lists attribute maps nearest first. Today the pipeline
        reads the model-call span only, so callers pass a one-element chain; a
        later lineage-recovery mode passes the call span followed by its
        ancestors, and the first map yielding a value for a field wins.
        """
        resolved: dict[str, tuple[str | None, str | None]] = {}
        for attrs in attr_chain:
            best: dict[str, tuple[int, str, str]] = {}
            for key, value in attrs.items():
                if is_blank(value):
                    continue
                for field_name, rank in self._rank.get(key, ()):
                    if field_name not in resolved and (field_name not in best or rank < best[field_name][0]):
                        best[field_name] = (rank, str(value).strip(), key)
            for field_name, (_, value, key) in best.items():
                resolved[field_name] = (value, key)
        return {name: resolved.get(name, (None, None)) for name in self.fields}


# --------------------------------------------------------------------------
# Policy and registry
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRow:
    tenant_id: str
    cost_center: str
    valid_from_ms: int
    valid_to_ms: int | None


@dataclass
class Policy:
    """cost_center_policy.csv plus workflow_registry.csv."""

    rows: list[PolicyRow]
    workflows: frozenset[str]
    by_tenant: dict[str, list[PolicyRow]] = field(default_factory=dict)
    taxonomy: frozenset[str] = frozenset()
    _instants: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        for row in sorted(self.rows, key=lambda r: (r.tenant_id, r.valid_from_ms)):
            self.by_tenant.setdefault(row.tenant_id, []).append(row)
        self.taxonomy = frozenset(r.cost_center for r in self.rows)
        self._instants = sorted({t for r in self.rows for t in (r.valid_from_ms, r.valid_to_ms) if t is not None})

    def epoch(self, at_ms: int) -> int:
        """Index of the interval between policy instants: no tenant moves within one."""
        return bisect.bisect_right(self._instants, at_ms)

    @classmethod
    def load(cls, seeds_dir: Path) -> "Policy":
        rows = [
            PolicyRow(
                tenant_id=r["tenant_id"].strip(),
                cost_center=r["cost_center"].strip(),
                valid_from_ms=parse_utc_ms(r["valid_from"]),
                valid_to_ms=_open_ms(r.get("valid_to")),
            )
            for r in _read_csv(seeds_dir / "cost_center_policy.csv")
        ]
        workflows = frozenset(r["workflow_id"].strip() for r in _read_csv(seeds_dir / "workflow_registry.csv"))
        return cls(rows=rows, workflows=workflows)

    def cost_center_at(self, tenant_id: str | None, call_ms: int) -> str | None:
        """Policy cost center with valid_from <= call_at < valid_to (null = open).

        Overlapping rows are a data error the rules do not cover; the latest
        valid_from wins here.
        """
        hit = None
        for row in self.by_tenant.get(tenant_id or "", []):
            if row.valid_from_ms <= call_ms and (row.valid_to_ms is None or call_ms < row.valid_to_ms):
                hit = row.cost_center
        return hit


# --------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceRow:
    provider: str
    model: str
    token_type: str
    from_ms: int
    to_ms: int | None
    usd_per_mtok: Decimal


class PriceBook:
    """llm_prices.csv indexed for effective-period lookups."""

    def __init__(self, rows: Sequence[PriceRow], project: ProjectVars) -> None:
        self.rows = list(rows)
        self._project = project
        self._candidates: dict[tuple[str, str], tuple[str, ...]] = {}
        self._instants = sorted({t for r in self.rows for t in (r.from_ms, r.to_ms) if t is not None})
        grouped: dict[tuple[str, str], list[PriceRow]] = {}
        for row in self.rows:
            grouped.setdefault((row.provider, row.model), []).append(row)
        # Per (provider, model): sorted change instants and the prices in force
        # from each instant, so a call is a bisect away from its price set.
        self._segments: dict[tuple[str, str], tuple[list[int], list[dict[str, Decimal]]]] = {}
        self._buckets: dict[tuple[str, str], list[tuple[Decimal | None, ...] | None]] = {}
        for key, model_rows in grouped.items():
            instants = sorted({r.from_ms for r in model_rows} | {r.to_ms for r in model_rows if r.to_ms is not None})
            price_sets = [self._prices_at(model_rows, t) for t in instants]
            self._segments[key] = (instants, price_sets)
            self._buckets[key] = [bucket_prices(p) if p else None for p in price_sets]

    @classmethod
    def load(cls, seeds_dir: Path, project: ProjectVars) -> "PriceBook":
        rows = []
        for r in _read_csv(seeds_dir / "llm_prices.csv"):
            token_type = r["token_type"].strip()
            if token_type not in TOKEN_TYPES:
                continue  # unknown token types are not part of the rules
            rows.append(
                PriceRow(
                    provider=project.normalize_provider(r["provider"]) or "",
                    model=r["model"].strip(),
                    token_type=token_type,
                    from_ms=parse_utc_ms(r["effective_from"]),
                    to_ms=_open_ms(r.get("effective_to")),
                    usd_per_mtok=Decimal(r["usd_per_mtok"].strip()),
                )
            )
        return cls(rows, project)

    @staticmethod
    def _prices_at(rows: Sequence[PriceRow], at_ms: int) -> dict[str, Decimal]:
        prices: dict[str, Decimal] = {}
        # Several rows for one token type at one instant (e.g. tiers) are not
        # covered by the rules; the latest effective_from, then the first row
        # in file order, wins.
        for row in sorted(rows, key=lambda r: -r.from_ms):
            if row.from_ms <= at_ms and (row.to_ms is None or at_ms < row.to_ms):
                prices.setdefault(row.token_type, row.usd_per_mtok)
        return prices

    def prices_at(self, provider: str | None, model: str, at_ms: int) -> dict[str, Decimal]:
        """Token type -> USD per million tokens for one model at one instant."""
        segments = self._segments.get((provider or "", model))
        if segments is None:
            return {}
        instants, price_sets = segments
        pos = bisect.bisect_right(instants, at_ms) - 1
        return price_sets[pos] if pos >= 0 else {}

    def bucket_prices_at(self, provider: str | None, model: str, at_ms: int) -> tuple[Decimal | None, ...] | None:
        """bucket_prices() of the prices in force, or None when the model has none then."""
        segments = self._segments.get((provider or "", model))
        if segments is None:
            return None
        pos = bisect.bisect_right(segments[0], at_ms) - 1
        return self._buckets[(provider or "", model)][pos] if pos >= 0 else None

    def epoch(self, at_ms: int) -> int:
        """Index of the interval between price-sheet instants: no price changes within one."""
        return bisect.bisect_right(self._instants, at_ms)

    def candidates(self, provider: str | None, model: str) -> tuple[str, ...]:
        """Lookup order: the exact model, then the model without a snapshot suffix."""
        key = (provider or "", model)
        found = self._candidates.get(key)
        if found is None:
            stripped = strip_snapshot(model)
            found = (model,) if stripped == model else (model, stripped)
            self._candidates[key] = found
        return found

    def models(self) -> list[tuple[str, str]]:
        return sorted(self._segments)

    def change_instants(self, provider: str, model: str) -> list[int]:
        return list(self._segments[(provider, model)][0])


class Tokens(NamedTuple):
    """Token counts as reported: input includes cache tokens, output includes reasoning."""

    input: int = 0
    cache_read: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0


class PricedCall(NamedTuple):
    pricing_status: str  # priced | unpriced
    priced_model: str | None
    cost_usd: Decimal | None


def bucket_tokens(tokens: Tokens) -> tuple[int, int, int, int, int]:
    """Disjoint priced buckets in TOKEN_TYPES order; input and output include their sub-counts."""
    return (
        tokens.input - tokens.cache_read - tokens.cache_write,
        tokens.cache_read,
        tokens.cache_write,
        tokens.output - tokens.reasoning,
        tokens.reasoning,
    )


# Price used for each bucket when its own token type has no price.
_FALLBACK = {"input": "input", "cache_read": "input", "cache_write": "input", "output": "output", "reasoning": "output"}


def bucket_prices(prices: Mapping[str, Decimal]) -> tuple[Decimal | None, ...]:
    """Per-bucket price after fallback, in TOKEN_TYPES order (None: no price at all)."""
    return tuple(prices.get(t, prices.get(_FALLBACK[t])) for t in TOKEN_TYPES)


_EXACT = Context(prec=80)  # wide enough that no sum or product here ever rounds


def resolve_prices(
    book: PriceBook, provider: str | None, request_model: str | None, response_model: str | None, call_ms: int
) -> tuple[str, tuple[Decimal | None, ...]] | None:
    """(priced model, bucket prices) for a call, or None when the model is unpriced then.

    The response model is priced, else the request model: exact name first,
    then without a dated snapshot suffix; the price rows are those in force at
    the call's start.
    """
    model = response_model if not is_blank(response_model) else request_model
    if is_blank(model):
        return None
    for candidate in book.candidates(provider, str(model).strip()):
        prices = book.bucket_prices_at(provider, candidate, call_ms)
        if prices is not None:
            return candidate, prices
    return None


def cost_of(prices: tuple[Decimal | None, ...], tokens: Tokens) -> Decimal | None:
    """Exact USD cost; None when a nonzero bucket has no price at all (never priced as zero)."""
    total = Decimal(0)
    for count, price in zip(bucket_tokens(tokens), prices):
        if count == 0:
            continue
        if price is None:
            return None
        total = _EXACT.fma(count, price, total)
    # Prices are USD per million tokens: shifting the exponent by 6 divides exactly.
    return total.scaleb(-6, _EXACT)


def price_call(
    book: PriceBook,
    provider: str | None,
    request_model: str | None,
    response_model: str | None,
    call_ms: int,
    tokens: Tokens,
) -> PricedCall:
    """Cost of one call per the Tokens and cost rules; unpriced => cost None."""
    found = resolve_prices(book, provider, request_model, response_model, call_ms)
    cost = cost_of(found[1], tokens) if found else None
    if found is None or cost is None:
        return PricedCall("unpriced", None, None)
    return PricedCall("priced", found[0], cost)


def format_decimal(value: Decimal | None) -> str:
    """Plain (non-scientific) exact decimal text; '' for None."""
    if value is None:
        return ""
    text = format(value.normalize(_EXACT), "f")
    return "0" if text in ("-0", "0") else text


# --------------------------------------------------------------------------
# Attribution
# --------------------------------------------------------------------------


class Attribution(NamedTuple):
    tenant_id: str | None
    workflow_id: str | None
    actor_id: str | None
    trace_cost_center: str | None
    cost_center: str | None
    status: str
    reasons: tuple[str, ...]
    cost_center_conflict: bool
    source_keys: dict[str, str | None]


def attribute(
    identity: Mapping[str, tuple[str | None, str | None]],
    call_ms: int,
    policy: Policy,
    pricing_status: str,
) -> Attribution:
    """Cost center, status and reasons for one call (rules 1-7)."""
    tenant = identity["tenant_id"][0]
    trace_cc = identity["cost_center"][0]
    workflow = identity["workflow_id"][0]
    actor = identity["actor_id"][0]
    reasons: set[str] = set()
    policy_cc = policy.cost_center_at(tenant, call_ms) if tenant else None
    if tenant is None:
        reasons.add("missing_tenant")
    elif policy_cc is None:
        reasons.add("unmapped_tenant")
    if trace_cc is not None and trace_cc not in policy.taxonomy:
        reasons.add("unknown_cost_center")
    if policy_cc is not None:
        cost_center = policy_cc
    elif trace_cc is not None and trace_cc in policy.taxonomy:
        cost_center = trace_cc
    else:
        cost_center = None
    # "Both exist and differ": an unknown trace cost center differing from
    # the policy also raises the alert.
    conflict = policy_cc is not None and trace_cc is not None and trace_cc != policy_cc
    if workflow is None:
        reasons.add("missing_workflow")
    elif workflow not in policy.workflows:
        reasons.add("unregistered_workflow")
    if actor is None:
        reasons.add("missing_actor")
    if pricing_status == "unpriced":
        reasons.add("unpriced_model")
    if cost_center is None:
        status = "unattributed"
    elif reasons & STATUS_REASONS:
        status = "partially_attributed"
    else:
        status = "attributed"
    return Attribution(
        tenant_id=tenant,
        workflow_id=workflow,
        actor_id=actor,
        trace_cost_center=trace_cc,
        cost_center=cost_center,
        status=status,
        reasons=tuple(sorted(reasons)),
        cost_center_conflict=conflict,
        source_keys={name: value[1] for name, value in identity.items()},
    )


def true_cost_center(policy: Policy, tenant_id: str | None, carried_cc: str | None, call_ms: int) -> str | None:
    """Owner had identity survived every hop: policy first, else a valid carried cc."""
    policy_cc = policy.cost_center_at(tenant_id, call_ms) if tenant_id else None
    if policy_cc is not None:
        return policy_cc
    return carried_cc if carried_cc in policy.taxonomy else None
