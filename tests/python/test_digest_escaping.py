"""The alert digest prints values from the data (tenants, workflows, stored
rows) as inert markdown: no markup, links, HTML, control or bidi characters,
and no value longer than the documented cap."""

from __future__ import annotations

import attribution_alerts as alerts
import export_marts

HOSTILE_TENANT = "t_acme|<img src=x onerror=alert(1)>*bold*_it_`code`[link](http://evil)"
HOSTILE_WORKFLOW = "wf\n## fake heading\u202eexe.pdf\x00\x1b[31m"


def digest_with(value_top: str, value_row: str) -> alerts.Digest:
    alert = alerts.Alert(
        name="alert_unattributed_share_error",
        unique_id="test.x",
        description="Unattributed share above threshold.",
        path="tests/alerts/alert_unattributed_share_error.sql",
        severity="error",
        status="fail",
        failing_rows=1,
        cost_usd="12.5",
        calls=3,
        top={"tenants": [alerts.TopEntry(value_top, "12.5", 3)]},
        sample_rows=[{"tenant_id": value_row, "cost_usd": "12.5"}],
        query="select * from dbt_test__audit.alert_unattributed_share_error",
    )
    return alerts.Digest("2026-12-03T00:00:00Z", "inv", 5, [alert], [], True)


def test_values_are_escaped_not_rendered() -> None:
    text = alerts.render_markdown(digest_with(HOSTILE_TENANT, HOSTILE_WORKFLOW))
    for raw in ("<img", "*bold*", "_it_", "`code`", "[link](", "t_acme|"):
        assert raw not in text, raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert r"\*bold\*" in text and r"\[link\](http://evil)" in text and r"t\_acme\|" in text
    # the hostile newline does not start a heading of its own
    assert not any(line.startswith("## fake") for line in text.splitlines())
    assert "## [ERROR] alert_unattributed_share_error" in text


def test_control_and_bidi_characters_never_reach_the_digest() -> None:
    text = alerts.render_markdown(digest_with(HOSTILE_WORKFLOW, HOSTILE_WORKFLOW))
    assert not export_marts.UNSAFE_CHARACTERS.search(text.replace("\n", ""))
    assert "wf \\#\\# fake heading\ufffdexe.pdf\ufffd\ufffd\\[31m" in text


def test_long_values_are_capped() -> None:
    text = alerts.render_markdown(digest_with("t" * 100_000, "r" * 100_000))
    longest = max(len(line) for line in text.splitlines())
    assert longest < 2 * alerts.DIGEST_VALUE_MAX_CHARS + 100
    # the marker is data too, so it is escaped like the value it ends
    assert alerts.markdown_value(export_marts.TRUNCATION_MARKER) == "…\\[truncated\\]"
    assert "t" * 100 + "…\\[truncated\\]" in text
