"""Webhook channel: the alert POSTed as JSON, signed as the Standard Webhooks specification says.

Target: ``{"kind": "webhook", "url": "https://…"}`` or ``{"kind": "webhook", "url_ref": "<secret name>"}``
(the URL itself kept as a secret), with optional ``secret_version`` (int, default 1; bump to rotate the
derived signing secret), ``secret_ref`` (sign with a named secret instead of the derived one) and
``timeout_s`` (capped by the channel's ``max_timeout_s``).

Body (the specification's recommended envelope)::

    {"type": "alert.new" | "alert.update", "timestamp": <matched_at>, "data": <the alert>}

Headers: ``webhook-id`` (the alert id: the same on every retry, so receivers deduplicate on it),
``webhook-timestamp`` (Unix seconds of this attempt: signed afresh at each attempt, since receivers
refuse timestamps more than five minutes old) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of
"<id>.<timestamp>.<body>">``, made by the ``standardwebhooks`` package).

2xx is delivered; 408, 425, 429, 5xx and network errors are retried (``Retry-After`` honoured); other
answers and refused addresses are final."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson
from standardwebhooks import Webhook

from services.alerter.channels.base import DeliveryResult, Destination, TargetError
from services.alerter.channels.posting import Poster, resolve_url
from services.common.netguard import AddressPolicy
from services.common.secrets import SecretError, WebhookSecrets


def envelope(alert: Mapping[str, Any]) -> bytes:
    """The request body: the Standard Webhooks envelope around the alert."""
    kind = "alert.update" if alert.get("kind") == "update" else "alert.new"
    timestamp = alert.get("matched_at") or dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    return orjson.dumps({"type": kind, "timestamp": timestamp, "data": alert})


class WebhookChannel:
    """Signed JSON POSTs; one attempt per ``deliver``."""

    kind = "webhook"

    def __init__(self, secrets: WebhookSecrets, policy: AddressPolicy | None = None, timeout_s: float = 10.0,
                 max_timeout_s: float = 30.0, max_redirects: int = 3) -> None:
        self.secrets = secrets
        self.timeout_s = timeout_s
        self.max_timeout_s = max_timeout_s
        self.poster = Poster(policy, max_redirects=max_redirects)

    def destination(self, target: Mapping[str, Any]) -> Destination:
        return resolve_url(self.kind, target, self.secrets.store)[1]

    async def deliver(self, alert: Mapping[str, Any], target: Mapping[str, Any]) -> DeliveryResult:
        try:
            url, _ = resolve_url(self.kind, target, self.secrets.store)
        except TargetError as exc:
            return DeliveryResult.failed(str(exc))
        try:
            signer = Webhook(self.secrets.for_channel(str(alert["subscription_id"]), target))
        except SecretError as exc:
            return DeliveryResult.failed(str(exc))
        except Exception as exc:  # a referenced secret that is not valid whsec_ base64
            return DeliveryResult.failed(f"the signing secret cannot be used ({type(exc).__name__})")
        body = envelope(alert)
        message_id = str(alert["alert_id"])
        now = dt.datetime.now(dt.UTC)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(message_id, now, body),
        }
        return await self.poster.post(url, body, headers, self._timeout(target))

    def _timeout(self, target: Mapping[str, Any]) -> float:
        wanted = target.get("timeout_s")
        if isinstance(wanted, int | float) and not isinstance(wanted, bool) and wanted > 0:
            return min(float(wanted), self.max_timeout_s)
        return self.timeout_s

    async def close(self) -> None:
        await self.poster.close()
