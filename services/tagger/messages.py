"""Between Kafka messages and the pure tagging core: decode, validate, tag, build output messages.

No faust here either, so the unit tests exercise exactly what the stream processor runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from services.common.ids import stable_id
from services.common.kafka import utc_now_iso
from services.common.schemas import decode_message, validate
from services.tagger.core import TAGGER_VERSION, Document, TaggedEvent, Tagger


@dataclass(frozen=True)
class TagOutput:
    tagged_article: dict[str, Any]
    events: list[dict[str, Any]]


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def decode_article(raw: bytes | None) -> dict[str, Any]:
    """Raises ``BadMessage`` when the value is not an article."""
    return dict(decode_message(raw, "article"))


def article_document(article: dict[str, Any]) -> Document:
    body = "\n\n".join(part for part in (article.get("summary", ""), article.get("content", "")) if part)
    return Document(article["article_id"], article.get("title", ""), body, parse_time(article.get("published")))


def event_message(article: dict[str, Any], event: TaggedEvent, tagged_at: str) -> dict[str, Any]:
    core = event.to_dict()
    return {
        "event_id": stable_id(article["article_id"], event.type, event.countries),
        "article_id": article["article_id"],
        "article_version": article["version"],
        **core,
        "article": {
            "title": article["title"], "url": article["url"], "published": article["published"],
            "source_domain": article["source_domain"], "feed_id": article["feed_id"],
        },
        "tagged_at": tagged_at,
        "tagger_version": TAGGER_VERSION,
    }


def tag_article(tagger: Tagger, article: dict[str, Any]) -> TagOutput:
    tagged_at = utc_now_iso()
    found = tagger.tag(article_document(article))
    events = [event_message(article, event, tagged_at) for event in found]
    for event in events:
        validate("event", event)
    tagged = {
        "article": article,
        "event_ids": [e["event_id"] for e in events],
        "event_types": sorted({e["type"] for e in events}),
        "countries": sorted({c for e in events for c in e["countries"]}),
        "leaders": sorted({name for e in events for name in e["leaders"]}),
        "tagged_at": tagged_at,
        "tagger_version": TAGGER_VERSION,
    }
    validate("tagged_article", tagged)
    return TagOutput(tagged, events)
