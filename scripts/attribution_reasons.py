"""The reason codes of the UNATTRIBUTED bucket (docs/attribution_rules.md), shared by
the scripts and the tests; the dbt side lists them in models/marts/_marts__models.yml."""

from __future__ import annotations

# In the order a call's first reason is taken (identity before workflow), so
# each unattributed dollar can be counted once.
REASON_ORDER: tuple[str, ...] = (
    "missing_tenant",
    "unmapped_tenant",
    "unknown_cost_center",
    "missing_workflow",
    "unregistered_workflow",
    "missing_actor",
    "unpriced_model",
)
REASONS: frozenset[str] = frozenset(REASON_ORDER)
