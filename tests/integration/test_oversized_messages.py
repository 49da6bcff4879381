"""Articles and messages too big for Kafka: capped at the source, dead-lettered downstream, and never a
blocked feed or a crashed stream."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import orjson
from fixtures.articles import generated_articles, rss
from kafka import KafkaProducer

from services.collector.service import Collector
from services.collector.store import CollectorStore
from services.common.config_files import load_feeds
from services.common.kafka import make_producer
from services.common.metrics import Metrics
from services.common.processes import terminate
from services.common.schemas import validate
from services.common.settings import Settings
from services.common.setup import run_setup
from tests.integration.stack import Stack, read_json_topic, wait_for


def test_a_feed_whose_first_article_is_huge_publishes_it_capped_and_every_later_one(
    stack: Stack, servers: Settings
) -> None:
    run_setup(servers)
    huge = {"id": "huge", "title": "A very long report", "text": "Words of the report. " * 100_000,  # 2.1 MB
            "published": "2023-11-01T00:00:00Z"}
    stack.serve_feed("world.xml", rss([huge, *generated_articles(3)]))
    store = CollectorStore(stack.root / "collector.sqlite3")
    metrics = Metrics("collector")
    collector = Collector(servers, load_feeds(stack.feeds_file), make_producer(servers, "test"), store, metrics)
    try:
        asyncio.run(collector.poll_round())
    finally:
        collector.close_producer(5)
        store.close()
    assert metrics.details["feeds"]["world"]["status"] == "ok", metrics.details["feeds"]["world"]
    articles = read_json_topic(servers, "articles")
    assert len(articles) == 4
    big = next(a for a in articles if a["title"] == "A very long report")
    assert big["truncated"] is True and big["summary"].startswith("Words of the report.")
    assert len(orjson.dumps(big)) <= servers.kafka_max_message_bytes
    assert len(big["summary"]) + len(big["content"]) <= servers.max_article_chars
    for article in articles:
        validate("article", article)


def test_an_article_too_big_for_the_tagger_output_is_dead_lettered_and_the_stream_goes_on(
    stack: Stack, servers: Settings
) -> None:
    """Between faust's old producer limit (1,000,000 bytes) and kafka-python's (1,048,576): it used to
    crash the tagger's send outside its dead-letter handling."""
    run_setup(servers)
    from services.common.schemas import SCHEMA_DIR
    article = orjson.loads((SCHEMA_DIR / "examples" / "article.json").read_bytes())
    big = {**article, "article_id": "0" * 24, "content": "Kim Jong Un may meet Vladimir Putin. " * 27_600}
    assert 1_000_000 < len(orjson.dumps(big)) < 1_048_576
    small = {**article, "article_id": "1" * 24}
    producer = KafkaProducer(bootstrap_servers=servers.kafka_hosts, max_request_size=2_000_000)
    for message in (big, small):
        producer.send(servers.topic("articles"), key=message["article_id"].encode(),
                      value=orjson.dumps(message)).get(timeout=10)
    producer.close()
    env = {**os.environ, **stack.env, "ATTACHE_HEALTH_PORT": "0"}
    log = (stack.root / "tagger.log").open("ab")
    tagger = subprocess.Popen([sys.executable, "-m", "services.tagger"], env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        wait_for(lambda: any(t["article"]["article_id"] == small["article_id"]
                             for t in read_json_topic(servers, "articles.tagged")), 90,
                 "the article after the oversized one to be tagged")
        dead = wait_for(lambda: read_json_topic(servers, "deadletter"), 30, "a dead letter")
    finally:
        terminate(tagger, 10)
        print((stack.root / "tagger.log").read_text(errors="replace")[-3000:])
    assert [(d["service"], d["reason"], d["key"]) for d in dead] == [("tagger", "too_large", big["article_id"])]
    assert "bytes" in dead[0]["error"]
    validate("deadletter", dead[0])
