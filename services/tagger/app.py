"""The tagger as a faust stream processor: ``articles`` → ``articles.tagged`` + ``events``.

Offsets are acknowledged only after Kafka confirmed every output message (``wait_delivered``), so
a crash re-tags, and content-derived ids make the re-tag overwrite instead of duplicate.
"""

from __future__ import annotations

from typing import Any

import faust
import orjson

from services.common.kafka import dead_letter, dead_letter_key, size_problem
from services.common.logging import get_logger
from services.common.metrics import Metrics
from services.common.schemas import BadMessage
from services.common.settings import Settings
from services.common.stories import bucket_key
from services.common.streams import attach_health, deliver_or_die, make_app, raw_topic
from services.tagger.core import default_tagger
from services.tagger.messages import decode_article, tag_article

log = get_logger(__name__)


def build_app(settings: Settings, metrics: Metrics | None = None) -> faust.App:
    metrics = metrics or Metrics("tagger")
    app = make_app(settings, "tagger")
    articles = raw_topic(app, settings.topic("articles"))
    tagged_topic = raw_topic(app, settings.topic("articles.tagged"))
    events_topic = raw_topic(app, settings.topic("events"))
    deadletter_topic = raw_topic(app, settings.topic("deadletter"))
    tagger = default_tagger(settings.knowledge_dir)
    progressed = attach_health(app, settings, metrics, "tagger")

    @app.agent(articles, name="tag-articles")
    async def tag_articles(stream: Any) -> Any:
        async for batch in stream.take_events(settings.tagger_batch_size, within=0.5):
            sends = []
            for event in batch:
                message = event.message
                try:
                    if (problem := size_problem(message.value, settings, "article")) is not None:
                        raise BadMessage("too_large", problem)
                    article = decode_article(message.value)
                    output = tag_article(tagger, article)
                    tagged_value = orjson.dumps(output.tagged_article)
                    # keyed by story bucket: all reports of one happening on one partition (schemas/topics.yaml)
                    event_values = [(bucket_key(e).encode(), orjson.dumps(e)) for e in output.events]
                    for what, value in [("tagged article", tagged_value), *(("event", v) for _, v in event_values)]:
                        if (problem := size_problem(value, settings, what)) is not None:
                            raise BadMessage("too_large", problem)  # nothing of this article is sent
                except BadMessage as exc:
                    sends.append(await _dead_letter(settings, deadletter_topic, message, exc.reason, str(exc)))
                    metrics.inc("deadlettered")
                    log.warning("article rejected", topic=message.topic, partition=message.partition,
                                offset=message.offset, reason=exc.reason, error=str(exc))
                    continue
                except Exception as exc:  # a tagging bug on one article must not stop the stream
                    log.exception("tagging failed", offset=message.offset)
                    sends.append(await _dead_letter(settings, deadletter_topic, message, "processing_error",
                                                    repr(exc)))
                    metrics.inc("deadlettered")
                    continue
                article_id = article["article_id"].encode()
                sends.append(await tagged_topic.send(key=article_id, value=tagged_value))
                for event_message, (event_key, event_value) in zip(output.events, event_values, strict=True):
                    sends.append(await events_topic.send(key=event_key, value=event_value))
                    metrics.inc("events_found")
                    metrics.recent.appendleft({
                        "type": event_message["type"], "modality": event_message["modality"],
                        "countries": event_message["countries"], "title": article["title"][:90],
                    })
                metrics.inc("articles_tagged")
            await deliver_or_die(sends, "tagger")
            progressed()

    return app


async def _dead_letter(settings: Settings, topic: Any, message: Any, reason: str, error: str) -> Any:
    record = dead_letter(settings, service="tagger", topic=message.topic, partition=message.partition,
                         offset=message.offset, key=message.key, reason=reason, error=error, payload=message.value)
    key = dead_letter_key(message.topic, message.partition, message.offset).encode()
    return await topic.send(key=key, value=orjson.dumps(record))
