"""A pipeline that was down while articles piled up reads the whole backlog when it comes back.

kafka-python 3 group consumers were measured receiving nothing when far behind; the stream services
consume with faust/aiokafka, and this test holds them to it."""

from __future__ import annotations

import datetime as dt

from fixtures.articles import generated_articles
from kafka import KafkaProducer

from services.common.ids import stable_id
from services.common.kafka import dumps
from services.common.setup import run_setup
from tests.integration.stack import Pipeline, Stack, es_count, wait_for

BACKLOG = 4000
PADDING = "Background paragraph about markets, weather and sport, unrelated to diplomacy. " * 70


def article_message(article: dict[str, str]) -> dict[str, object]:
    url = f"https://backlog.example.org/{article['id']}"
    return {
        "article_id": stable_id(url), "version": 1, "url": url, "title": article["title"],
        "summary": article["text"], "content": PADDING, "authors": [], "published": article["published"],
        "first_seen": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "language": "en",
        "source_domain": "backlog.example.org", "feed_id": "backlog",
        "content_hash": stable_id(article["title"], article["text"]),
    }


def test_services_started_after_a_large_backlog_index_all_of_it(
    stack: Stack, servers: object, pipeline: Pipeline
) -> None:
    """(``servers`` before ``pipeline``: the pipeline must stop before the servers do.)"""
    settings = stack.settings
    run_setup(settings)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_hosts, linger_ms=50, batch_size=1 << 20,
                             max_request_size=8 << 20)
    backlog_bytes = 0
    for article in generated_articles(BACKLOG):
        message = article_message(article)
        value = dumps(message)
        backlog_bytes += len(value)
        producer.send(settings.topic("articles"), key=str(message["article_id"]).encode(), value=value)
    producer.flush(60)
    producer.close()
    assert backlog_bytes > 20_000_000, backlog_bytes

    pipeline.start()
    wait_for(lambda: es_count(settings, "articles") >= BACKLOG, 240,
             f"all {BACKLOG} backlog articles ({backlog_bytes / 1e6:.0f} MB) indexed")
    assert es_count(settings, "articles") == BACKLOG
    assert es_count(settings, "events") > 0
