"""Independent Python oracle for docs/attribution_rules.md and docs/pricing.md.

Used by the trace generator to write the ground-truth ledger. It shares no
code with the dbt models on purpose: identity, cost center and reasons are
re-implemented from the documents in plain Python, and costs come from
genai-prices itself (its own model resolution and ``calc_price`` at the
call's instant) plus the hand-kept seeds the documents name (provider and
model aliases, overrides, negotiated prices), with ``decimal`` for money. A
disagreement between the ledger and the marts points at one of the two
implementations.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from genai_prices import Usage, data_snapshot
from genai_prices.types import TieredPrices

from attribution_reasons import REASONS

TOKEN_TYPES = ("input", "cache_read", "cache_write", "output", "reasoning")
IDENTITY_FIELDS = ("tenant_id", "cost_center", "workflow_id", "actor_id", "actor_type")

# Rule 7 says "any reason above applies". unpriced_model is defined in an
# earlier section of the document, so it is read as one of those reasons.
STATUS_REASONS = REASONS

_SNAPSHOT_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


def parse_utc_ms(text: str) -> int:
    """Epoch milliseconds of an ISO 8601 / 'YYYY-MM-DD HH:MM:SS' instant; naive = UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)


def _open_ms(text: str | None) -> int | None:
    return parse_utc_ms(text) if text and text.strip() else None


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def seed_csv(seeds_dir: Path, name: str) -> Path:
    """The seed `name` under seeds_dir: seeds sit in domain folders (policy/, pricing/, ...)."""
    matches = sorted(seeds_dir.rglob(f"{name}.csv"))
    if len(matches) != 1:
        raise FileNotFoundError(f"expected one {name}.csv under {seeds_dir}, found {len(matches)}")
    return matches[0]


def _read_csv(path: Path) -> list[dict[str, str]]:
    # Columns are read by name; unknown extra columns are simply ignored.
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def strip_snapshot(model: str) -> str:
    """Model name without a dated snapshot suffix (-YYYY-MM-DD or -YYYYMMDD)."""
    return _SNAPSHOT_SUFFIX.sub("", model)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _in_force(start_ms: int, end_ms: int | None, at_ms: int) -> bool:
    return start_ms <= at_ms and (end_ms is None or at_ms < end_ms)


# --------------------------------------------------------------------------
# Project configuration
# --------------------------------------------------------------------------


def provider_spellings(seed_file: Path) -> dict[str, str | None]:
    """Seed provider_spellings: spelling -> provider (an empty provider means no provider)."""
    with seed_file.open(newline="", encoding="utf-8") as handle:
        return {row["spelling"]: (row["provider"] or None) for row in csv.DictReader(handle)}


def attribute_aliases(seed_file: Path) -> dict[str, list[str]]:
    """Seed attribute_aliases: field -> alias keys in priority order (api_key_id: virtual key keys)."""
    with seed_file.open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: (row["field"], int(row["priority"]), row["alias_key"]))
    aliases: dict[str, list[str]] = {}
    for row in rows:
        aliases.setdefault(row["field"], []).append(row["alias_key"])
    return aliases


def identity_trust_order(seed_file: Path) -> dict[str, list[str]]:
    """Seed identity_trust_order: {"alias_key": [...], "service_name": [...]}, most trusted first."""
    with seed_file.open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: (row["applies_to"], int(row["trust_rank"]), row["pattern"]))
    order: dict[str, list[str]] = {}
    for row in rows:
        order.setdefault(row["applies_to"], []).append(row["pattern"])
    return order


# Vars that held reference lists before seeds/mappings/ did: setting one fails, as in dbt.
RETIRED_VARS = {
    "identity_aliases": "attribute_aliases",
    "execution_aliases": "attribute_aliases",
    "virtual_key_aliases": "attribute_aliases",
    "identity_trust_order": "identity_trust_order",
}


@dataclass(frozen=True)
class ProjectVars:
    """The dbt vars and the seeds (seeds/mappings/) the rules depend on."""

    identity_aliases: dict[str, list[str]]
    execution_aliases: dict[str, list[str]]
    provider_value_map: dict[str, str | None]
    virtual_key_aliases: list[str] = field(default_factory=list)
    trust_keys: list[str] = field(default_factory=lambda: ["*"])
    trust_services: list[str] = field(default_factory=lambda: ["*"])
    recover_identity_from_ancestors: bool = True
    max_trace_depth: int = 12

    @classmethod
    def load(cls, project_file: Path, overrides: Mapping[str, Any] | None = None) -> "ProjectVars":
        """Vars of dbt_project.yml and seeds/mappings/ beside it; `overrides` plays the part of `dbt --vars`."""
        data = yaml.safe_load(project_file.read_text(encoding="utf-8"))
        dbt_vars = {**data.get("vars", {}), **(overrides or {})}
        for name, seed in RETIRED_VARS.items():
            if dbt_vars.get(name) is not None:
                raise ValueError(f"var {name} is retired: edit seeds/mappings/{seed}.csv instead.")
        mappings = project_file.parent / "seeds" / "mappings"
        aliases = attribute_aliases(mappings / "attribute_aliases.csv")
        trust = identity_trust_order(mappings / "identity_trust_order.csv")
        return cls(
            identity_aliases={k: aliases[k] for k in IDENTITY_FIELDS if k in aliases},
            execution_aliases={k: v for k, v in aliases.items() if k not in IDENTITY_FIELDS and k != "api_key_id"},
            provider_value_map=provider_spellings(mappings / "provider_spellings.csv"),
            virtual_key_aliases=aliases.get("api_key_id", []),
            trust_keys=trust.get("alias_key") or ["*"],
            trust_services=trust.get("service_name") or ["*"],
            recover_identity_from_ancestors=bool(dbt_vars.get("recover_identity_from_ancestors", True)),
            max_trace_depth=int(dbt_vars.get("max_trace_depth", 12)),
        )

    def normalize_provider(self, provider: str | None) -> str | None:
        """provider_spellings seed spelling (an empty provider means no provider), else lowercased; None when blank."""
        if is_blank(provider):
            return None
        key = str(provider).strip()
        for candidate in (key, key.lower()):
            if candidate in self.provider_value_map:
                return self.provider_value_map[candidate]
        return key.lower()


# --------------------------------------------------------------------------
# Identity along the trace
# --------------------------------------------------------------------------


class Hop(NamedTuple):
    """One span of the call's ancestry: its service and its attributes."""

    service: str
    attrs: Mapping[str, Any]


class Candidate(NamedTuple):
    value: str
    depth: int
    alias_pos: int
    is_virtual_key: bool
    key: str
    service: str


class Resolved(NamedTuple):
    value: str | None
    key: str | None
    depth: int | None
    service: str | None
    kind: str | None  # attribute | virtual_key


NOT_FOUND = Resolved(None, None, None, None, None)


class TenantConflict(NamedTuple):
    kind: str  # virtual_key | trust_order
    claimed_tenant_id: str
    claimed_key: str


@dataclass(frozen=True)
class VirtualKey:
    tenant_id: str
    valid_from_ms: int
    valid_to_ms: int | None


def load_virtual_keys(seeds_dir: Path) -> dict[str, list[VirtualKey]]:
    keys: dict[str, list[VirtualKey]] = {}
    matches = sorted(seeds_dir.rglob("virtual_keys.csv"))
    if not matches:
        return keys
    path = seed_csv(seeds_dir, "virtual_keys")
    for r in _read_csv(path):
        keys.setdefault(r["api_key_id"].strip(), []).append(
            VirtualKey(r["tenant_id"].strip(), parse_utc_ms(r["valid_from"]), _open_ms(r.get("valid_to")))
        )
    return keys


def _pattern_rank(patterns: Sequence[str], value: str) -> int:
    """Position of the first pattern naming `value` (trailing * = prefix); '*' = anything not named."""
    for pos, pattern in enumerate(patterns):
        if pattern == "*":
            continue
        if (pattern.endswith("*") and value.startswith(pattern[:-1])) or pattern == value:
            return pos
    return patterns.index("*") if "*" in patterns else len(patterns)


class IdentityResolver:
    """Identity fields of a call per "Identity along the trace"."""

    def __init__(
        self,
        project: ProjectVars,
        virtual_keys: Mapping[str, Sequence[VirtualKey]] | None = None,
        recover: bool | None = None,
    ) -> None:
        self.project = project
        self.recover = project.recover_identity_from_ancestors if recover is None else recover
        self.fields = tuple(project.identity_aliases)
        self.virtual_keys = dict(virtual_keys or {})
        # key -> [(field, alias position)]: a span carries few keys, so walking its
        # keys is much cheaper than walking every alias list.
        self._rank: dict[str, list[tuple[str, int]]] = {}
        for field_name, keys in project.identity_aliases.items():
            for pos, key in enumerate(keys):
                self._rank.setdefault(key, []).append((field_name, pos))
        self._vk_pos = {key: pos for pos, key in enumerate(project.virtual_key_aliases)}

    def candidates(self, chain: Sequence[Hop], call_ms: int) -> dict[str, list[Candidate]]:
        """Every non-blank alias (and virtual-key tenant) on the call and, with recovery, its ancestors."""
        depth_limit = self.project.max_trace_depth if self.recover else 0
        found: dict[str, list[Candidate]] = {name: [] for name in self.fields}
        for depth, hop in enumerate(chain[: depth_limit + 1]):
            for key, raw in hop.attrs.items():
                if is_blank(raw):
                    continue
                value = str(raw).strip()
                for field_name, pos in self._rank.get(key, ()):
                    found[field_name].append(Candidate(value, depth, pos, False, key, hop.service))
                if key in self._vk_pos and "tenant_id" in found:
                    for vk in self.virtual_keys.get(value, ()):
                        if _in_force(vk.valid_from_ms, vk.valid_to_ms, call_ms):
                            found["tenant_id"].append(
                                Candidate(vk.tenant_id, depth, self._vk_pos[key], True, key, hop.service)
                            )
        return found

    def _trust(self, c: Candidate) -> tuple:
        return (
            0 if c.is_virtual_key else 1,
            0 if c.is_virtual_key else _pattern_rank(self.project.trust_keys, c.key),
            _pattern_rank(self.project.trust_services, c.service),
            *self._near(c),
        )

    @staticmethod
    def _near(c: Candidate) -> tuple:
        return (c.depth, c.alias_pos, c.is_virtual_key)

    def choose(self, found: Sequence[Candidate]) -> tuple[Resolved, Candidate | None]:
        """(winner, nearest loser with another value) for one field."""
        if not found:
            return NOT_FOUND, None
        if len({c.value for c in found}) == 1:
            best = min(found, key=self._near)
            loser = None
        else:
            best = min(found, key=self._trust)
            loser = min((c for c in found if c.value != best.value), key=self._near)
        kind = "virtual_key" if best.is_virtual_key else "attribute"
        return Resolved(best.value, best.key, best.depth, best.service, kind), loser

    def resolve(
        self, chain: Sequence[Hop], call_ms: int = 0
    ) -> tuple[dict[str, Resolved], TenantConflict | None]:
        """field -> Resolved, and the tenant conflict if the candidates disagreed.

        `chain` lists the call span first, then its parent, grandparent, ...
        (spans that arrived; a missing parent ends the chain).
        """
        resolved: dict[str, Resolved] = {}
        conflict = None
        for name, found in self.candidates(chain, call_ms).items():
            resolved[name], loser = self.choose(found)
            if name == "tenant_id" and loser is not None:
                conflict = TenantConflict(resolved[name].kind == "virtual_key" and "virtual_key" or "trust_order",
                                          loser.value, loser.key)  # fmt: skip
        return resolved, conflict


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
    """cost_center_policy.csv plus workflow_registry.csv (and virtual-key instants)."""

    rows: list[PolicyRow]
    workflows: frozenset[str]
    extra_instants: Sequence[int] = ()
    by_tenant: dict[str, list[PolicyRow]] = field(default_factory=dict)
    taxonomy: frozenset[str] = frozenset()
    _instants: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        for row in sorted(self.rows, key=lambda r: (r.tenant_id, r.valid_from_ms)):
            self.by_tenant.setdefault(row.tenant_id, []).append(row)
        self.taxonomy = frozenset(r.cost_center for r in self.rows)
        own = {t for r in self.rows for t in (r.valid_from_ms, r.valid_to_ms) if t is not None}
        self._instants = sorted(own | set(self.extra_instants))

    def epoch(self, at_ms: int) -> int:
        """Index of the interval between policy (and key) instants: no tenant moves within one."""
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
            for r in _read_csv(seed_csv(seeds_dir, "cost_center_policy"))
        ]
        workflows = frozenset(r["workflow_id"].strip() for r in _read_csv(seed_csv(seeds_dir, "workflow_registry")))
        keys = load_virtual_keys(seeds_dir)
        instants = sorted({t for ks in keys.values() for k in ks for t in (k.valid_from_ms, k.valid_to_ms) if t})
        return cls(rows=rows, workflows=workflows, extra_instants=instants)

    def cost_center_at(self, tenant_id: str | None, call_ms: int) -> str | None:
        """Policy cost center with valid_from <= call_at < valid_to (null = open).

        Overlapping rows are a data error the rules do not cover; the latest
        valid_from wins here.
        """
        hit = None
        for row in self.by_tenant.get(tenant_id or "", []):
            if _in_force(row.valid_from_ms, row.valid_to_ms, call_ms):
                hit = row.cost_center
        return hit


# --------------------------------------------------------------------------
# The seed price sheet (the generator plans its models and boundaries from it)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceRow:
    provider: str
    model: str
    token_type: str
    from_ms: int
    to_ms: int | None
    usd_per_mtok: Decimal
    tier: int = 0


class PriceBook:
    """llm_prices.csv (base tier) indexed for effective-period lookups.

    Only for planning which models and change instants to generate: expected
    costs come from genai-prices (PriceOracle), not from this reader.
    """

    def __init__(self, rows: Sequence[PriceRow]) -> None:
        self.rows = [r for r in rows if r.tier == 0]
        grouped: dict[tuple[str, str], list[PriceRow]] = {}
        for row in self.rows:
            grouped.setdefault((row.provider, row.model), []).append(row)
        self._segments: dict[tuple[str, str], tuple[list[int], list[dict[str, Decimal]]]] = {}
        for key, model_rows in grouped.items():
            instants = sorted({r.from_ms for r in model_rows} | {r.to_ms for r in model_rows if r.to_ms is not None})
            self._segments[key] = (instants, [self._prices_at(model_rows, t) for t in instants])

    @classmethod
    def load(cls, seeds_dir: Path, project: ProjectVars | None = None) -> "PriceBook":
        rows = []
        for r in _read_csv(seed_csv(seeds_dir, "llm_prices")):
            token_type = r["token_type"].strip()
            if token_type not in TOKEN_TYPES:
                continue
            rows.append(
                PriceRow(
                    provider=r["provider"].strip(),
                    model=r["model"].strip(),
                    token_type=token_type,
                    from_ms=parse_utc_ms(r["effective_from"]),
                    to_ms=_open_ms(r.get("effective_to")),
                    usd_per_mtok=Decimal(r["usd_per_mtok"].strip()),
                    tier=int(r.get("tier_min_input_tokens") or 0),
                )
            )
        return cls(rows)

    @staticmethod
    def _prices_at(rows: Sequence[PriceRow], at_ms: int) -> dict[str, Decimal]:
        return {r.token_type: r.usd_per_mtok for r in rows if _in_force(r.from_ms, r.to_ms, at_ms)}

    def prices_at(self, provider: str | None, model: str, at_ms: int) -> dict[str, Decimal]:
        """Token type -> base-tier USD per million tokens for one model at one instant."""
        segments = self._segments.get((provider or "", model))
        if segments is None:
            return {}
        instants, price_sets = segments
        pos = bisect.bisect_right(instants, at_ms) - 1
        return price_sets[pos] if pos >= 0 else {}

    def models(self) -> list[tuple[str, str]]:
        return sorted(self._segments)

    def change_instants(self, provider: str, model: str) -> list[int]:
        return list(self._segments[(provider, model)][0])


# --------------------------------------------------------------------------
# Pricing: genai-prices plus the hand-kept seeds
# --------------------------------------------------------------------------


class Tokens(NamedTuple):
    """Token counts as reported: input includes cache tokens, output includes reasoning."""

    input: int = 0
    cache_read: int = 0
    cache_write: int = 0
    output: int = 0
    reasoning: int = 0


class PricedCall(NamedTuple):
    pricing_status: str  # priced | partial | unpriced | invalid_usage
    pricing_provider: str | None
    priced_model: str | None
    list_cost_usd: Decimal | None
    cost_usd: Decimal | None  # contracted (= billed); list when no contract applies
    contract_id: str | None = None


_EXACT = Context(prec=80)  # wide enough that no sum or product here ever rounds
_MONEY = Decimal("1e-15")  # decimal(38, 15)
# Price key per token type in genai-prices' ModelPrice, and the type whose
# price a bucket falls back to when its own is absent.
_PRICE_KEYS = {
    "input": "input_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write": "cache_write_mtok",
    "output": "output_mtok",
    "reasoning": "output_reasoning_mtok",
}
_FALLBACK = {"input": "input", "cache_read": "input", "cache_write": "input", "output": "output", "reasoning": "output"}


def bucket_tokens(tokens: Tokens) -> tuple[int, int, int, int, int]:
    """Disjoint priced buckets in TOKEN_TYPES order; input and output include their sub-counts."""
    return (
        tokens.input - tokens.cache_read - tokens.cache_write,
        tokens.cache_read,
        tokens.cache_write,
        tokens.output - tokens.reasoning,
        tokens.reasoning,
    )


def is_valid_usage(tokens: Tokens) -> bool:
    """Counts ingest accepts (docs/bad_input.md): whole, non-negative, parts within totals."""
    return (
        all(isinstance(n, int) and n >= 0 for n in tokens)
        and tokens.cache_read + tokens.cache_write <= tokens.input
        and tokens.reasoning <= tokens.output
    )


def _unit_rate(price: Decimal | TieredPrices | None, total_input: int) -> tuple[Decimal | None, int]:
    """(rate, tier start) of one price: cliffs, strict > on total input tokens."""
    if price is None or not isinstance(price, TieredPrices):
        return price, 0
    for tier in reversed(price.tiers):
        if total_input > tier.start:
            return tier.price, tier.start
    return price.base, 0


def _has_tiers(model_price: Any) -> bool:
    return any(isinstance(getattr(model_price, key), TieredPrices) for key in _PRICE_KEYS.values())


@dataclass(frozen=True)
class OverrideRow:
    token_type: str
    from_ms: int
    to_ms: int | None
    tier: int
    usd_per_mtok: Decimal


@dataclass(frozen=True)
class Contract:
    contract_id: str
    provider: str
    model: str | None
    billing_account_id: str | None
    token_type: str | None
    discount_pct: Decimal | None
    contracted_usd_per_mtok: Decimal | None
    valid_from_ms: int
    valid_to_ms: int | None


def _blank_none(text: str | None) -> str | None:
    return None if is_blank(text) else str(text).strip()


class PriceOracle:
    """Cost of a call: genai-prices' resolution and prices, then overrides and contracts.

    Order (docs/pricing.md): the call's provider through the provider_spellings seed
    and llm_provider_aliases; llm_model_aliases; genai-prices'
    find_provider_model (its own match rules, fallback providers, compact
    date); else an exact (provider, model) of llm_price_overrides. The price
    set in force at the call comes from genai-prices (``get_prices``), an
    override row winning per token type; tiers are cliffs on total input.
    The list cost is cross-checked with genai-prices' ``calc_price``.
    """

    def __init__(self, seeds_dir: Path, project: ProjectVars) -> None:
        self.project = project
        self.snapshot = data_snapshot.get_snapshot()
        self.provider_aliases = {
            r["alias_provider"].strip().lower(): r["provider"].strip()
            for r in _read_csv(seed_csv(seeds_dir, "llm_provider_aliases"))
        }
        self.model_aliases: dict[tuple[str, str], tuple[str, str]] = {
            (r["alias_provider"].strip().lower(), r["alias_model"].strip().lower()): (
                r["provider"].strip(),
                r["model"].strip(),
            )
            for r in _read_csv(seed_csv(seeds_dir, "llm_model_aliases"))
        }
        self.overrides: dict[tuple[str, str], list[OverrideRow]] = {}
        path = seed_csv(seeds_dir, "llm_price_overrides")
        for r in _read_csv(path) if path.exists() else []:
            if r["token_type"].strip() not in TOKEN_TYPES:
                continue
            self.overrides.setdefault((r["provider"].strip().lower(), r["model"].strip().lower()), []).append(
                OverrideRow(r["token_type"].strip(), parse_utc_ms(r["effective_from"]), _open_ms(r.get("effective_to")),
                            int(r.get("tier_min_input_tokens") or 0), Decimal(r["usd_per_mtok"].strip()))
            )  # fmt: skip
        self.contracts: list[Contract] = []
        path = seed_csv(seeds_dir, "negotiated_prices")
        for r in _read_csv(path) if path.exists() else []:
            discount, contracted = _blank_none(r.get("discount_pct")), _blank_none(r.get("contracted_usd_per_mtok"))
            self.contracts.append(
                Contract(r["contract_id"].strip(), r["provider"].strip(), _blank_none(r.get("model")),
                         _blank_none(r.get("billing_account_id")), _blank_none(r.get("token_type")),
                         Decimal(discount) if discount else None, Decimal(contracted) if contracted else None,
                         parse_utc_ms(r["valid_from"]), _open_ms(r.get("valid_to")))
            )  # fmt: skip
        self._owner = {id(m): p.id for p in self.snapshot.providers for m in p.models}
        self._genai_ids = {p.id for p in self.snapshot.providers}
        self._resolved: dict[tuple[str | None, str], tuple[Any, Any] | None] = {}

    # -- resolution ---------------------------------------------------------

    def pricing_provider(self, provider: str | None) -> str | None:
        """The call's provider after provider_spellings and llm_provider_aliases (a genai-prices id when known)."""
        normalized = self.project.normalize_provider(provider)
        return None if normalized is None else self.provider_aliases.get(normalized, normalized)

    def genai_provider_id(self, provider: str | None) -> str | None:
        """pricing_provider when genai-prices knows that provider id, else None."""
        found = self.pricing_provider(provider)
        return found if found in self._genai_ids else None

    def resolve(self, provider_id: str | None, model_ref: str) -> tuple[Any, Any] | None:
        """(genai provider, genai model) or None; cached per (provider, model)."""
        key = (provider_id, model_ref)
        if key not in self._resolved:
            ref = model_ref.lower()
            alias = self.model_aliases.get((provider_id or "", ref)) or self.model_aliases.get(("*", ref))
            target_provider, target_model = alias if alias else (provider_id, model_ref)
            try:
                self._resolved[key] = self.snapshot.find_provider_model(target_model, None, target_provider, None)
            except LookupError:
                self._resolved[key] = None
        return self._resolved[key]

    def owner(self, model: Any) -> str:
        return self._owner.get(id(model), "")

    # -- prices -------------------------------------------------------------

    def _override_rates(self, provider: str, model: str, call_ms: int, total_input: int) -> dict[str, tuple]:
        """token type -> (rate, tier) from llm_price_overrides in force (highest tier exceeded)."""
        rates: dict[str, tuple] = {}
        for row in self.overrides.get((provider.lower(), model.lower()), ()):
            if not _in_force(row.from_ms, row.to_ms, call_ms):
                continue
            if row.tier != 0 and not total_input > row.tier:
                continue
            if row.token_type not in rates or row.tier > rates[row.token_type][1]:
                rates[row.token_type] = (row.usd_per_mtok, row.tier)
        return rates

    def contract_for(self, pricing_provider: str | None, model: str, provider_value: str | None, call_ms: int):
        """Rows of the single most specific contract in force for the call, or []."""
        rows = [
            c
            for c in self.contracts
            if c.provider == pricing_provider
            and (c.model is None or c.model.lower() == model.lower())
            and (c.billing_account_id is None or c.billing_account_id == provider_value)
            and _in_force(c.valid_from_ms, c.valid_to_ms, call_ms)
        ]
        if not rows:
            return []
        best = min(
            rows,
            key=lambda c: (c.billing_account_id is None, c.model is None, -c.valid_from_ms, c.contract_id),
        )
        return [c for c in rows if c.contract_id == best.contract_id]

    def price(self, *args: Any) -> PricedCall:
        """Cost of one call; pricing_provider is reported only when genai-prices knows it."""
        got = self._price(*args)
        return got._replace(pricing_provider=self.genai_provider_id(args[0]))

    def _price(
        self,
        provider: str | None,
        request_model: str | None,
        response_model: str | None,
        call_ms: int,
        tokens: Tokens,
    ) -> PricedCall:
        """Cost of one call per the documented rules."""
        pricing_provider = self.pricing_provider(provider)
        model_ref = response_model if not is_blank(response_model) else request_model
        if not is_valid_usage(tokens):
            return PricedCall("invalid_usage", pricing_provider, None, None, None)
        if is_blank(model_ref):
            return PricedCall("unpriced", pricing_provider, None, None, None)
        model_ref = str(model_ref).strip()
        found = self.resolve(pricing_provider, model_ref)
        at = _utc(call_ms)
        total_input = tokens.input
        if found is not None:
            genai_provider, model = found
            owner, model_id = self.owner(model), model.id
            model_price = model.get_prices(at)
            rates = {t: _unit_rate(getattr(model_price, k), total_input) for t, k in _PRICE_KEYS.items()}
            rates = {t: r for t, r in rates.items() if r[0] is not None}
            if not any(v is not None for v in vars(model_price).values()):
                # An empty upstream price set means free (docs/pricing.md, Free models).
                rates = {"input": (Decimal(0), 0), "output": (Decimal(0), 0)}
            overrides = self._override_rates(owner, model_id, call_ms, total_input)
        else:
            genai_provider, model, model_price = None, None, None
            owner, model_id = pricing_provider or "", model_ref
            overrides = self._override_rates(owner, model_id, call_ms, total_input)
            if not overrides:
                return PricedCall("unpriced", pricing_provider, None, None, None)
            rates = {}
        rates.update(overrides)
        if "input" not in rates and "output" not in rates:
            return PricedCall("unpriced", pricing_provider, model_id, None, None)
        # Buckets: (price-row type, tokens, rate); an unpriced bucket stays in its parent.
        counts = dict(zip(TOKEN_TYPES, bucket_tokens(tokens)))
        for sub in ("cache_read", "cache_write", "reasoning"):
            if sub not in rates:
                counts[_FALLBACK[sub]] += counts.pop(sub)
        list_costs: dict[str, Decimal] = {}
        status = "priced"
        for token_type, count in counts.items():
            if token_type not in rates:
                if count:
                    status = "partial"
                continue
            list_costs[token_type] = _EXACT.multiply(Decimal(count), rates[token_type][0]).scaleb(-6, _EXACT)
        list_cost = sum(list_costs.values(), Decimal(0))
        if model is not None and not overrides:
            self._check_against_genai(model, genai_provider, model_price, tokens, at, list_cost)
        contract = self.contract_for(pricing_provider, model_id, self.project.normalize_provider(provider), call_ms)
        if not contract:
            return PricedCall(status, pricing_provider, model_id, list_cost, list_cost)
        by_type = {c.token_type: c for c in contract}
        cost = Decimal(0)
        for token_type, line_cost in list_costs.items():
            row = by_type.get(token_type) or by_type.get(None)
            if row is None:
                cost += line_cost
            elif row.contracted_usd_per_mtok is not None:
                count = counts[token_type]
                cost += _EXACT.multiply(Decimal(count), row.contracted_usd_per_mtok).scaleb(-6, _EXACT)
            else:
                factor = 1 - row.discount_pct / 100
                cost += _EXACT.multiply(line_cost, factor).quantize(_MONEY, ROUND_HALF_UP)
        return PricedCall(status, pricing_provider, model_id, list_cost, cost, contract[0].contract_id)

    @staticmethod
    def _check_against_genai(model: Any, provider: Any, model_price: Any, tokens: Tokens, at: datetime,
                             list_cost: Decimal) -> None:  # fmt: skip
        """Our bucket sum must equal calc_price for token-only prices (they are the same rules)."""
        usage = Usage(input_tokens=tokens.input, cache_read_tokens=tokens.cache_read,
                      cache_write_tokens=tokens.cache_write, output_tokens=tokens.output,
                      output_reasoning_tokens=tokens.reasoning)  # fmt: skip
        if getattr(model_price, "requests_kcount", None) is not None:
            return  # per-request fees are not in the rules (docs/pricing.md, Not in the seed)
        total = model.calc_price(usage, provider, genai_request_timestamp=at).total_price
        if total != list_cost:
            raise AssertionError(f"oracle bucket cost {list_cost} != genai-prices {total} for {model.id} at {at}")


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
    identity_conflict: TenantConflict | None = None


def attribute(
    identity: Mapping[str, Resolved | tuple],
    call_ms: int,
    policy: Policy,
    pricing_status: str,
    identity_conflict: TenantConflict | None = None,
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
    if pricing_status != "priced":
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
        identity_conflict=identity_conflict,
    )


def true_cost_center(policy: Policy, tenant_id: str | None, carried_cc: str | None, call_ms: int) -> str | None:
    """Owner had identity survived every hop: policy first, else a valid carried cc."""
    policy_cc = policy.cost_center_at(tenant_id, call_ms) if tenant_id else None
    if policy_cc is not None:
        return policy_cc
    return carried_cc if carried_cc in policy.taxonomy else None
