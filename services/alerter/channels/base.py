"""What every channel shares: the result of one delivery attempt, the ``Channel`` protocol, and the
HTTP rules (which answers are worth retrying, ``Retry-After``, how a URL is shown without its secrets).

A channel makes exactly one attempt per ``deliver`` call and says what happened; retrying, ordering and
isolation between endpoints are the ``Dispatcher``'s (``delivery.py``), so they are written once."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from services.common.redact import redact_text

Outcome = Literal["delivered", "retry", "failed"]
MAX_REASON = 300


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every given secret (a URL, its path, a token) replaced by ``***``, URLs' userinfo and
    query values masked, control characters dropped and the length capped: fit for a log line or record."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    text = redact_text(text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


@dataclass(frozen=True)
class DeliveryResult:
    """One attempt's outcome. ``reason`` is short and secret-free (it ends up in records and logs);
    ``retry_after_s`` is the delay the server asked for (``Retry-After``), if any."""

    outcome: Outcome
    reason: str = ""
    retry_after_s: float | None = None

    @classmethod
    def delivered(cls, note: str = "") -> DeliveryResult:
        return cls("delivered", note)

    @classmethod
    def retry(cls, reason: str, retry_after_s: float | None = None) -> DeliveryResult:
        return cls("retry", reason, retry_after_s)

    @classmethod
    def failed(cls, reason: str) -> DeliveryResult:
        return cls("failed", reason)


@dataclass(frozen=True)
class Destination:
    """Where a channel target delivers. ``key`` tells targets apart (one queue each; it may hold a
    secret URL and stays in memory); ``shown`` is the secret-free name for records and logs."""

    key: str
    shown: str


class TargetError(ValueError):
    """A channel target that cannot be delivered to at all (bad path, unknown secret, bad address).
    ``str()`` is secret-free; ``shown`` names the target as far as that is possible."""

    def __init__(self, reason: str, shown: str) -> None:
        super().__init__(reason)
        self.shown = shown


class Channel(Protocol):
    """A delivery channel (webhook, slack, email, log, file).

    ``target`` is one entry of a subscription's channel list, e.g. ``{"kind": "webhook", "url": ...}``."""

    kind: str

    def destination(self, target: Mapping[str, Any]) -> Destination:
        """Resolve the target (secrets included) to its destination; ``TargetError`` when it cannot be."""
        ...

    async def deliver(self, alert: Mapping[str, Any], target: Mapping[str, Any]) -> DeliveryResult:
        """Make one attempt. Never raises for a delivery problem: the result says what happened."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


# --- HTTP ------------------------------------------------------------------------------------------------

RETRYABLE_STATUSES = frozenset({408, 425, 429})


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date); None when absent
    or unreadable. A date in the past is 0. The caller caps it."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def classify_status(status: int, retry_after: str | None, detail: str = "") -> DeliveryResult:
    """2xx delivered; 408, 425, 429 and 5xx worth retrying (honouring ``Retry-After``); any other answer
    final, since sending the same request again gets the same answer."""
    said = f"HTTP {status}" + (f" {detail}" if detail else "")
    if 200 <= status < 300:
        return DeliveryResult.delivered()
    if status in RETRYABLE_STATUSES or 500 <= status < 600:
        return DeliveryResult.retry(said, parse_retry_after(retry_after))
    return DeliveryResult.failed(said)


def shown_url(url: str) -> str:
    """A URL as records and logs show it: scheme, host and port only, the path and query masked.

    Webhook URLs are credentials in practice (Slack's ``/services/T…/B…/<token>``, Discord's, capability
    URLs), and no rule tells a token segment from a harmless one, so no part of the path is shown."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable URL)"
    host = f"[{host}]" if ":" in host else host
    rest = "/***" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"
