"""Who hears about a story, and what the alert says. Pure functions over stories and subscriptions.

A subscriber gets one alert when a story first matches their query, then one update per material change
of the story (a modality move, its outlets crossing a threshold) reported by an event that matches.
The story remembers, per subscription, the revision last alerted (``Story.notified``), so a report that
changes nothing, or a replay, alerts nobody; and ``alert_id`` comes from (subscription, story, revision),
so even an alert sent twice after a crash is the same alert to its receivers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from services.common.stories import Change, Story, alert_id

MAX_SOURCES_SHOWN = 50


@dataclass(frozen=True)
class Decision:
    subscription: Mapping[str, Any]
    kind: Literal["new", "update"]


def decide(story: Story, change: Change | None, matched: Iterable[Mapping[str, Any]], *, fresh: bool) -> list[Decision]:
    """The alerts one report makes: for each matched subscription, "new" if it never heard of the story,
    "update" if the report made a material change it has not heard of; nothing for a report older than
    the age limit (``fresh`` false: a replay of old events never floods subscribers). Marks the story's
    ``notified`` for those alerted."""
    if not fresh:
        return []
    decisions = []
    for subscription in matched:
        last = story.notified.get(subscription["id"])
        if last is None:
            decisions.append(Decision(subscription, "new"))
        elif change is not None and story.revision > last:
            decisions.append(Decision(subscription, "update"))
        else:
            continue
        story.notified[subscription["id"]] = story.revision
    return decisions


def is_fresh(event: Mapping[str, Any], now: dt.datetime, max_age: dt.timedelta) -> bool:
    """Tagged within ``max_age``: the tagging time, not the publication time, because what must not alert
    is the pipeline re-reading what it already judged (a new consumer group, expired offsets, a replay);
    an old article seen for the first time is news to its subscribers."""
    tagged = dt.datetime.fromisoformat(str(event["tagged_at"]).replace("Z", "+00:00"))
    return tagged >= now - max_age


def story_summary(story: Story) -> dict[str, Any]:
    """What an alert says about its story (``alert.schema.json#/$defs/story_summary``)."""
    doc = story.to_document()
    return {
        "story_id": doc["story_id"],
        "type": doc["type"],
        "modality": doc["modality"],
        "modality_history": doc["modality_history"],
        "countries": doc["countries"],
        "leaders": doc["leaders"],
        "date": doc["date"],
        "title": doc["title"],
        "url": doc["url"],
        "evidence": doc["evidence"]["text"],
        "sources_count": doc["sources_count"],
        "sources": [s["source_domain"] for s in doc["sources"]][:MAX_SOURCES_SHOWN],
        "first_seen": doc["first_seen"],
        "last_seen": doc["last_seen"],
        "revision": doc["revision"],
        "last_change": doc["last_change"],
    }


def build_alert(decision: Decision, story: Story, change: Change | None, event: Mapping[str, Any],
                matched_at: str) -> dict[str, Any]:
    """An ``alert.schema.json`` message. ``change`` is what made the revision reported: the report's own
    change for an update; the story's latest change for a first alert."""
    subscription = decision.subscription
    return {
        "alert_id": alert_id(subscription["id"], story.story_id, story.revision),
        "subscription_id": subscription["id"],
        "subscription_name": subscription["name"],
        "query": subscription["query"],
        "story": story_summary(story),
        "revision": story.revision,
        "kind": decision.kind,
        "change": change.kind if (decision.kind == "update" and change is not None) else story.last_change,
        "event": dict(event),
        "matched_at": matched_at,
        "channels": sorted({c["kind"] for c in subscription.get("channels", [])}),
    }
