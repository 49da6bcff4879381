"""Kafka message → Elasticsearch bulk action. Ids come from content, versions from the article."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from services.common.kafka import BadMessage
from services.common.schemas import SchemaViolation, schema_for_topic, validate
from services.common.settings import Settings


class Unindexable(BadMessage):
    """Elasticsearch must never see this message."""


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
    if raw is None:
        raise Unindexable("invalid_json", "empty message value")
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Unindexable("invalid_json", f"value is not JSON: {exc}") from exc
    try:
        validate(schema_for_topic(route.logical_topic), message)
    except SchemaViolation as exc:
        raise Unindexable("schema_violation", str(exc)) from exc
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
