from __future__ import annotations

import json
from typing import Any

from services.alerter.matching import build_alert, matches
from services.common.schemas import SCHEMA_DIR, validate

EVENT: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / "event.json").read_text())


def subscription(**match: Any) -> dict[str, Any]:
    return {"id": "s1", "name": "Test", "match": match, "deliver": [{"kind": "log"}]}


def test_the_founding_event_matches_a_kp_ru_leader_meeting_subscription() -> None:
    assert matches(subscription(types=["leader_meeting"], countries_all=["KP", "RU"]), EVENT)


def test_every_given_criterion_must_hold() -> None:
    assert not matches(subscription(types=["leader_meeting"], countries_all=["KP", "US"]), EVENT)
    assert not matches(subscription(modalities=["occurred"]), EVENT)
    assert matches(subscription(countries_any=["US", "RU"], leaders_any=["vladimir putin"]), EVENT)
    assert not matches(subscription(min_confidence=0.999), EVENT)
    assert not matches({**subscription(), "enabled": False}, EVENT)


def test_an_alert_id_is_stable_per_subscription_event_and_modality() -> None:
    sub = subscription(types=["leader_meeting"])
    first, again = build_alert(sub, EVENT), build_alert(sub, EVENT)
    assert first["alert_id"] == again["alert_id"]
    assert build_alert(sub, {**EVENT, "modality": "occurred"})["alert_id"] != first["alert_id"]
    validate("alert", first)
