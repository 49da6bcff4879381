"""The broker stalls or restarts under the collector: every article reaches Kafka exactly once."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter

import orjson
from fixtures.articles import generated_articles, rss

from services.collector.service import PUBLISH_RETRY_S, Collector
from services.collector.store import CollectorStore
from services.common.config_files import load_feeds
from services.common.kafka import ensure_topics, make_producer, read_to_end
from services.common.metrics import Metrics
from services.common.settings import Settings
from tests.integration.faults import SplitServers
from tests.integration.stack import Stack, read_topic

DELIVERY_TIMEOUT_S = 4.0
# longer than the delivery timeout; ATTACHE_TEST_STALL_S=35 shows what a stall past the old hard-coded
# 30 s flush did
STALL_S = float(os.environ.get("ATTACHE_TEST_STALL_S", DELIVERY_TIMEOUT_S * 2))


def published(settings: Settings) -> list[tuple[str, int]]:
    return [(m["article_id"], m["version"]) for m in
            (orjson.loads(v) for _, v in read_topic(settings, "articles") if v)]


def test_a_broker_stall_past_the_delivery_timeout_is_unknown_then_settled_without_duplicates(
    stack: Stack, split_servers: SplitServers
) -> None:
    settings = split_servers.start().model_copy(update={"kafka_delivery_timeout_s": DELIVERY_TIMEOUT_S})
    ensure_topics(settings)
    stack.serve_feed("world.xml", rss(generated_articles(5)))
    store = CollectorStore(stack.root / "collector.sqlite3")
    producer = make_producer(settings, "test-collector")
    metrics = Metrics("collector")
    collector = Collector(settings, load_feeds(stack.feeds_file), producer, store, metrics)
    try:
        asyncio.run(collector.poll_round())  # healthy: the producer knows the cluster
        assert len(published(settings)) == 5

        stack.serve_feed("world.xml", rss(generated_articles(25)))
        later = time.time() + 10  # a new Last-Modified: the file server would answer 304 within the second
        os.utime(stack.feeds_dir / "world.xml", (later, later))
        split_servers.pause_kafka()
        stalled_at = time.monotonic()
        try:
            asyncio.run(collector.poll_round())  # sends 20 articles into the stall
            healthy, report = metrics.health()
            runtime = collector.feeds[0]
            state = store.feed(runtime.config.id, runtime.config.url)
            wait = max(0.0, STALL_S - (time.monotonic() - stalled_at))
            time.sleep(wait)
        finally:
            split_servers.resume_kafka()
        assert not healthy and not report["checks"]["kafka"]["ok"], report["checks"]
        assert state.consecutive_errors == 0, "Kafka's stall is not the feed's fault: no back-off"
        assert runtime.next_due - time.monotonic() <= PUBLISH_RETRY_S * 1.1

        asyncio.run(collector.poll_round())  # settles the unknown sends, then publishes what is missing
        ids = published(settings)
        duplicates = [key for key, count in Counter(ids).items() if count > 1]
        assert duplicates == [], f"{len(duplicates)} articles published twice"
        assert len(ids) == 25
        assert metrics.health()[0], metrics.health()[1]["checks"]
        assert store.pending() == ([], None)
    finally:
        collector.close_producer(5)
        store.close()


def test_reading_a_topic_back_from_a_broker_that_stopped_answering_ends_with_a_timeout(
    stack: Stack, split_servers: SplitServers
) -> None:
    """Settling unconfirmed sends, loading subscriptions: a hung broker must not hang its reader."""
    settings = split_servers.start()
    ensure_topics(settings)

    async def read() -> list[object]:
        return [record async for record in read_to_end(settings, "articles", timeout_s=3)]

    split_servers.pause_kafka()
    try:
        raised = None
        try:
            asyncio.run(asyncio.wait_for(read(), 60))  # the outer bound only keeps a failing test from hanging
        except Exception as exc:
            raised = exc
    finally:
        split_servers.resume_kafka()
    assert isinstance(raised, TimeoutError) and "took longer than 3s" in str(raised), repr(raised)
