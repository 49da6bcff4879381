"""Does an event match a subscription? Pure functions over schema-shaped dicts."""

from __future__ import annotations

from typing import Any

from services.common.ids import stable_id
from services.common.kafka import utc_now_iso


def matches(subscription: dict[str, Any], event: dict[str, Any]) -> bool:
    if not subscription.get("enabled", True):
        return False
    rule = subscription.get("match", {})
    countries = set(event["countries"])
    checks = (
        "types" not in rule or event["type"] in rule["types"],
        "modalities" not in rule or event["modality"] in rule["modalities"],
        "countries_all" not in rule or set(rule["countries_all"]) <= countries,
        "countries_any" not in rule or bool(set(rule["countries_any"]) & countries),
        "leaders_any" not in rule or bool({n.casefold() for n in rule["leaders_any"]}
                                          & {n.casefold() for n in event["leaders"]}),
        event["confidence"] >= rule.get("min_confidence", 0.0),
    )
    return all(checks)


def build_alert(subscription: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The alert id changes when the modality does, so "potential" → "occurred" alerts again."""
    return {
        "alert_id": stable_id(subscription["id"], event["event_id"], event["modality"]),
        "subscription_id": subscription["id"],
        "subscription_name": subscription["name"],
        "event": event,
        "matched_at": utc_now_iso(),
        "channels": sorted({channel["kind"] for channel in subscription["deliver"]}),
    }
