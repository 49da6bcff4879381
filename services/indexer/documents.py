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
        settings.topic("stories"): Route("stories", settings.index("stories"), "story_id"),
        settings.topic("alerts"): Route("alerts", settings.index("alerts"), "alert_id"),
        settings.topic("alerts.deliveries"): Route("alerts.deliveries", settings.index("alerts"), "alert_id"),
    }


# An alert document is written once: a replayed alert keeps the first ``matched_at``. Delivery outcomes may
# arrive before the alert itself (another topic): then the document holds them, and the alert fills in.
KEEP_FIRST_ALERT = ("if (ctx._source.matched_at == null) { ctx._source.putAll(params.alert) } "
                    "else { ctx.op = 'noop' }")


def to_action(route: Route, raw: bytes | None) -> dict[str, Any]:
    """Raises ``BadMessage`` for what Elasticsearch must never see."""
    message = decode_message(raw, schema_for_topic(route.logical_topic))
    if route.logical_topic == "articles.tagged":
        article = message["article"]
        source = {**article, **{k: v for k, v in message.items() if k != "article"}}
        version = article["version"]
    elif route.logical_topic == "events":
        source, version = message, message["article_version"]
    elif route.logical_topic == "stories":
        source, version = message, message["updates"]  # a replayed older revision never overwrites a newer
    elif route.logical_topic == "alerts":
        return {"_op_type": "update", "_index": route.index, "_id": message["alert_id"],
                "script": {"source": KEEP_FIRST_ALERT, "lang": "painless", "params": {"alert": message}},
                "upsert": message}
    elif route.logical_topic == "alerts.deliveries":
        outcome = {"deliveries": message["deliveries"], "delivery_status": message["delivery_status"],
                   "deliveries_finished_at": message["finished_at"]}
        return {"_op_type": "update", "_index": route.index, "_id": message["alert_id"], "doc": outcome,
                "doc_as_upsert": True}
    else:
        source, version = message, None
    action: dict[str, Any] = {"_op_type": "index", "_index": route.index, "_id": source[route.id_field],
                              "_source": source}
    if version is not None:
        # a replayed older version must never overwrite a newer one
        action["version"] = version
        action["version_type"] = "external_gte"
    return action
