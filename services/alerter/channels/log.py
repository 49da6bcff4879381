"""Log channel: the alert as one structured log line (``ALERT``), which ``attache run`` shows on screen.

Target: ``{"kind": "log"}``. The line carries what a reader needs to recognise the story; the article
URL is logged under ``article_url``, the one field the log redaction leaves whole (a public address)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.alerter.channels import content
from services.alerter.channels.base import DeliveryResult, Destination
from services.common.logging import get_logger

log = get_logger("alerts")


class LogChannel:
    kind = "log"

    def destination(self, target: Mapping[str, Any]) -> Destination:
        return Destination(key="log", shown="log")

    async def deliver(self, alert: Mapping[str, Any], target: Mapping[str, Any]) -> DeliveryResult:
        log.info("ALERT", alert_id=alert.get("alert_id"), subscription=alert.get("subscription_id"),
                 story_id=content.story(alert).get("story_id"), change=content.change(alert),
                 headline=content.headline(alert), type=content.type_label(alert), modality=content.modality(alert),
                 countries=content.countries(alert), leaders=content.leaders(alert),
                 sources_count=content.sources_count(alert), evidence=content.evidence(alert),
                 title=content.title(alert), article_url=content.link(alert))
        return DeliveryResult.delivered()

    async def close(self) -> None:
        """Nothing held."""
