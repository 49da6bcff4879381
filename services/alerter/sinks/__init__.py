"""Delivery channels. Each sink takes an alert and its channel settings from the subscription."""

from __future__ import annotations

from typing import Any, Protocol


class Sink(Protocol):
    async def deliver(self, alert: dict[str, Any], channel: dict[str, Any]) -> None: ...
