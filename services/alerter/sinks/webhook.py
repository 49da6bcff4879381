"""Webhook sink: POST the alert as JSON, with a few retries on network errors and 5xx.

Every connection, redirects included, passes the SSRF guard (``services.common.netguard``): a webhook
URL is chosen by whoever writes a subscription and must not reach the pipeline's own network."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from services.common.netguard import AddressPolicy, blocked_reason, guarded_session
from services.common.redact import redact_text


class WebhookError(Exception):
    pass


class WebhookSink:
    def __init__(self, attempts: int = 3, policy: AddressPolicy | None = None) -> None:
        self.attempts = attempts
        self.policy = policy or AddressPolicy()
        self._session: aiohttp.ClientSession | None = None

    async def deliver(self, alert: dict[str, Any], channel: dict[str, Any]) -> None:
        if self._session is None:
            self._session = guarded_session(self.policy)
        timeout = aiohttp.ClientTimeout(total=float(channel.get("timeout_s", 10)))
        shown = redact_text(channel["url"])  # a webhook URL often carries its secret
        last_error = ""
        for attempt in range(self.attempts):
            try:
                async with self._session.post(channel["url"], json=alert, timeout=timeout,
                                              headers={"X-Attache-Alert-Id": alert["alert_id"]}) as response:
                    if response.status < 500:
                        if response.status >= 400:
                            raise WebhookError(f"{shown} answered HTTP {response.status}")
                        return
                    last_error = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                if (refused := blocked_reason(exc)) is not None:
                    raise WebhookError(f"{shown}: {refused}") from exc  # retrying cannot help
                last_error = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < self.attempts:
                await asyncio.sleep(0.5 * 2**attempt)
        raise WebhookError(f"{shown}: gave up after {self.attempts} attempts ({redact_text(last_error)})")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
