"""Kafka message → Elasticsearch bulk action. Ids come from content, versions from the article."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.schemas import decode_message, schema_for_topic
from services.common.settings import Settings


@dataclass(frozen=True)
class Route:
    logical_topic: str
    index: str
    id_field: str


def routes(settings: Settings) -> dict[str, Route]:
    """Full topic name → where its messages are indexed."""
    return {
        settings.topic("articles.tagged"): Route("articles.tagged", settings.index("articles"), "article_id"),
        settings.topic("events"): Route("events", settings.index("events"), "event_id"),
        settings.topic("alerts"): Route("alerts", settings.index("alerts"), "alert_id"),
    }


def to_action(route: Route, raw: bytes | None) -> dict[str, Any]:
    """Raises ``BadMessage`` for what Elasticsearch must never see."""
    message = decode_message(raw, schema_for_topic(route.logical_topic))
    if route.logical_topic == "articles.tagged":
        article = message["article"]
        source = {**article, **{k: v for k, v in message.items() if k != "article"}}
        version = article["version"]
    elif route.logical_topic == "events":
        source, version = message, message["article_version"]
    else:
        source, version = message, None
    action: dict[str, Any] = {"_op_type": "index", "_index": route.index, "_id": source[route.id_field],
                              "_source": source}
    if version is not None:
        # a replayed older version must never overwrite a newer one
        action["version"] = version
        action["version_type"] = "external_gte"
    return action
