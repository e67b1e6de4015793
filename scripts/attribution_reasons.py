"""The reason codes of the UNATTRIBUTED bucket (docs/attribution_rules.md), shared by
the scripts and the tests. The dbt side writes them once, in the macro
attribution_reasons (macros/attribution/attribution_reasons.sql);
tests/python/test_attribution_reasons.py checks both lists agree."""

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
