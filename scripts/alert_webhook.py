"""Post the attribution alert digest to a chat webhook (Slack-compatible).

The body is JSON: ``text`` (the markdown digest, which Slack, Mattermost,
Rocket.Chat and Teams incoming webhooks display) plus ``attribution_alerts``
(the structured digest, as ``--format json`` prints it). Each attempt has a
timeout; failed attempts (network error, timeout, HTTP 429 or 5xx) are
retried a bounded number of times with exponential backoff; other HTTP errors
are not retried. The URL of a webhook is a secret (its path or query holds the
token), so every message shows it redacted: scheme and host only.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "llm-spend-attribution-alerts/1"


class DeliveryError(Exception):
    """The digest could not be delivered; the message never holds the URL's secrets."""


@dataclass(frozen=True)
class DeliveryResult:
    attempts: int
    status: int


def redact_url(url: str) -> str:
    """`https://user:pw@hooks.example.com/services/T0/B0/XYZ?token=1` -> `https://hooks.example.com/<redacted>`."""
    parts = urlsplit(url)
    host = parts.hostname or "<no host>"
    if parts.port:
        host = f"{host}:{parts.port}"
    secret = parts.path.strip("/") or parts.query or parts.fragment or parts.username or parts.password
    return urlunsplit((parts.scheme, host, "/<redacted>" if secret else "", "", ""))


def scrub(text: str, url: str) -> str:
    """`text` with the URL and each of its secret parts replaced by the redacted URL or `<redacted>`."""
    parts = urlsplit(url)
    text = text.replace(url, redact_url(url))
    for secret in (parts.password, parts.username, parts.query, parts.path.strip("/"), parts.fragment):
        if secret and len(secret) > 1:
            text = text.replace(secret, "<redacted>")
    return text


def payload(markdown: str, digest_json: str) -> dict[str, Any]:
    """The webhook body: Slack's `text` plus the structured digest."""
    return {"text": markdown, "attribution_alerts": json.loads(digest_json)}


def _request(url: str, body: bytes) -> urllib.request.Request:
    """A POST without userinfo in the URL (urllib cannot send it): it becomes Basic auth."""
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    if parts.username or parts.password:
        token = f"{parts.username or ''}:{parts.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
        netloc = parts.hostname or ""
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return urllib.request.Request(url, data=body, headers=headers, method="POST")


def post_json(
    url: str,
    body: dict[str, Any],
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """POST `body` as JSON: at most 1 + `retries` attempts, `timeout` seconds each.

    Raises DeliveryError (URL redacted) when no attempt got a 2xx answer.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(f"webhook URL must be http(s): {redact_url(url)}")
    data = json.dumps(body).encode()
    attempts = 1 + max(retries, 0)
    last = "no attempt made"
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(_request(url, data), timeout=timeout) as response:
                return DeliveryResult(attempts=attempt, status=response.status)
        except urllib.error.HTTPError as err:
            last = f"HTTP {err.code}"
            if err.code not in RETRYABLE_STATUSES:
                break
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            last = f"{type(reason).__name__}: {reason}"
        if attempt < attempts:
            sleep(backoff * 2 ** (attempt - 1))
    raise DeliveryError(
        scrub(f"webhook {redact_url(url)}: not delivered after {attempt} attempt(s): {last}", url)
    )
