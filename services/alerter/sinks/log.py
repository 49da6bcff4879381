"""Log sink: the alert as a structured log line (and on the ``attache run`` screen)."""

from __future__ import annotations

from typing import Any

from services.common.logging import get_logger

log = get_logger("alerts")


class LogSink:
    async def deliver(self, alert: dict[str, Any], channel: dict[str, Any]) -> None:
        event = alert["event"]
        log.info("ALERT", subscription=alert["subscription_id"], type=event["type"], modality=event["modality"],
                 countries=event["countries"], leaders=event["leaders"], title=event["article"]["title"],
                 article_url=event["article"]["url"], alert_id=alert["alert_id"])
