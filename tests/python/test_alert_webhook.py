"""attribution_alerts.py --webhook: delivery to a local HTTP server on 127.0.0.1
(success, retries on a failing server, timeout on a slow one), never showing
the URL's secrets. Runs on a hand-written run_results/manifest: no dbt build."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from _dbt_builds import PROJECT_ROOT
from alert_webhook import redact_url, scrub

SCRIPT = PROJECT_ROOT / "scripts" / "attribution_alerts.py"
SECRETS = ("T0SECRET", "B0SECRET", "tok3n", "hunter2", "alice")


class Hook:
    """A webhook receiver: answers each POST with the next planned status, after `delay` seconds."""

    def __init__(self, statuses: list[int], delay: float = 0.0) -> None:
        self.statuses = statuses
        self.delay = delay
        self.bodies: list[dict] = []
        self.headers: list[dict[str, str]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                hook.bodies.append(json.loads(self.rfile.read(length)))
                hook.headers.append(dict(self.headers))
                status = hook.statuses[min(len(hook.bodies), len(hook.statuses)) - 1]
                time.sleep(hook.delay)
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self) -> str:
        """A URL with secrets in the userinfo, path and query, as real webhooks have."""
        port = self.server.server_address[1]
        return f"http://alice:hunter2@127.0.0.1:{port}/services/T0SECRET/B0SECRET?token=tok3n"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """run_results + manifest of a build where one error alert and one warning fired."""
    nodes = {
        f"test.p.{name}": {
            "resource_type": "test",
            "name": name,
            "unique_id": f"test.p.{name}",
            "tags": ["alert"],
            "description": f"{name} fired",
            "original_file_path": f"tests/alerts/{name}.sql",
        }
        for name in ("alert_budget_actual_over", "alert_spend_anomaly")
    }
    results = [
        {"unique_id": "test.p.alert_budget_actual_over", "status": "fail", "failures": 1},
        {"unique_id": "test.p.alert_spend_anomaly", "status": "warn", "failures": 2},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    (tmp_path / "run_results.json").write_text(
        json.dumps({"metadata": {"generated_at": "2026-07-01T00:00:00Z"}, "results": results})
    )
    return tmp_path


def run_digest(target: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, str(SCRIPT), "--target", str(target), "--duckdb", str(target / "absent.duckdb"),
            "--webhook", url, "--webhook-backoff", "0", *extra,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == [], text


@pytest.fixture
def hooks() -> Iterator[list[Hook]]:
    opened: list[Hook] = []
    yield opened
    for hook in opened:
        hook.close()


def test_digest_posted_as_slack_text_and_json(target: Path, hooks: list[Hook]) -> None:
    hook = Hook([200])
    hooks.append(hook)
    proc = run_digest(target, hook.url())
    assert proc.returncode == 2, proc.stderr  # an error alert fired: delivery keeps the exit status
    [body] = hook.bodies
    assert body["text"].startswith("# Attribution alerts: 1 error(s), 1 warning(s)")
    assert "[ERROR] alert_budget_actual_over" in body["text"]
    digest = body["attribution_alerts"]
    assert digest["status"] == "error"
    assert [a["name"] for a in digest["alerts"]] == ["alert_budget_actual_over", "alert_spend_anomaly"]
    assert hook.headers[0]["Content-Type"].startswith("application/json")
    assert hook.headers[0]["Authorization"] == "Basic YWxpY2U6aHVudGVyMg=="  # userinfo sent as Basic auth
    assert "posted to http://127.0.0.1:" in proc.stderr and "/<redacted>" in proc.stderr
    assert_no_secret(proc.stdout + proc.stderr)


def test_failing_server_is_retried_then_exit_3(target: Path, hooks: list[Hook]) -> None:
    hook = Hook([503, 500, 502, 500])
    hooks.append(hook)
    proc = run_digest(target, hook.url(), "--webhook-retries", "2")
    assert proc.returncode == 3, proc.stderr
    assert len(hook.bodies) == 3  # 1 attempt + 2 retries, no more
    assert "not delivered after 3 attempt(s): HTTP 502" in proc.stderr
    assert_no_secret(proc.stdout + proc.stderr)


def test_transient_failure_then_delivered(target: Path, hooks: list[Hook]) -> None:
    hook = Hook([500, 200])
    hooks.append(hook)
    proc = run_digest(target, hook.url(), "--webhook-retries", "3")
    assert proc.returncode == 2, proc.stderr
    assert len(hook.bodies) == 2 and "attempt 2" in proc.stderr


def test_client_error_is_not_retried(target: Path, hooks: list[Hook]) -> None:
    hook = Hook([404])
    hooks.append(hook)
    proc = run_digest(target, hook.url(), "--webhook-retries", "3")
    assert proc.returncode == 3 and len(hook.bodies) == 1
    assert_no_secret(proc.stderr)


def test_slow_server_times_out_each_attempt(target: Path, hooks: list[Hook]) -> None:
    hook = Hook([200], delay=3.0)
    hooks.append(hook)
    started = time.monotonic()
    proc = run_digest(target, hook.url(), "--webhook-timeout", "0.5", "--webhook-retries", "1")
    elapsed = time.monotonic() - started
    assert proc.returncode == 3, proc.stderr
    assert len(hook.bodies) == 2
    assert "timed out" in proc.stderr.lower()
    assert elapsed < 2 * 3.0  # gave up on each attempt after the timeout, not after the server's delay
    assert_no_secret(proc.stdout + proc.stderr)


def test_unreachable_host_message_is_redacted(target: Path) -> None:
    hook = Hook([200])
    url = hook.url()
    hook.close()  # nothing listens on that port any more
    proc = run_digest(target, url, "--webhook-retries", "1")
    assert proc.returncode == 3
    assert "not delivered after 2 attempt(s)" in proc.stderr
    assert_no_secret(proc.stderr)


def test_redaction_keeps_scheme_and_host_only() -> None:
    url = "https://alice:hunter2@hooks.slack.com/services/T0SECRET/B0SECRET?token=tok3n#x"
    assert redact_url(url) == "https://hooks.slack.com/<redacted>"
    assert redact_url("https://example.com") == "https://example.com"
    assert_no_secret(scrub(f"failed: {url} (path /services/T0SECRET/B0SECRET, hunter2)", url))
