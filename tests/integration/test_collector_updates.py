"""A story listed again is not published again; a story whose title or body changed is, as version 2."""

from __future__ import annotations

import asyncio
import os
import time

import orjson
from fixtures.articles import generated_articles, rss

from services.collector.service import Collector
from services.collector.store import CollectorStore
from services.common.config_files import FeedConfig
from services.common.kafka import make_producer
from services.common.metrics import Metrics
from services.common.settings import Settings
from services.common.setup import run_setup
from services.runner.sample_feeds import SampleFeedServer
from tests.integration.stack import Stack, read_topic


def test_relisted_stories_are_skipped_and_edited_ones_published_as_a_new_version(
    stack: Stack, servers: Settings
) -> None:
    run_setup(servers)
    feed_dir = stack.root / "site"
    feed_dir.mkdir()
    feed = feed_dir / "feed.xml"
    articles = generated_articles(3)
    feed.write_text(rss(articles))
    static = SampleFeedServer(feed_dir, "127.0.0.1", 0)
    static.start()
    producer = make_producer(servers, "test-collector")
    config = FeedConfig("site", f"{static.url}/feed.xml", "site", 300.0)

    def poll(store_path: str) -> Metrics:
        """One round in a fresh Collector, as after a restart."""
        metrics = Metrics("collector")
        store = CollectorStore(stack.root / store_path)
        asyncio.run(Collector(servers, [config], producer, store, metrics).poll_round())
        store.close()
        return metrics

    try:
        assert poll("state.sqlite3").counters["articles_published"] == 3
        assert poll("state.sqlite3").counters["responses_304"] == 1  # unchanged: nothing parsed
        time.sleep(1.1)  # Last-Modified has one-second resolution
        articles[1] = {**articles[1], "title": articles[1]["title"] + " (updated)"}
        feed.write_text(rss(articles))
        os.utime(feed)
        third = poll("state.sqlite3")
        assert third.counters["responses_200"] == 1 and third.counters["articles_published"] == 1
    finally:
        producer.close(10)
        static.stop()
    messages = [orjson.loads(v) for _, v in read_topic(servers, "articles") if v]
    assert sorted((m["title"][-9:], m["version"]) for m in messages if "(updated)" in m["title"]) == [
        ("(updated)", 2)]
    assert len(messages) == 4
    assert len({m["article_id"] for m in messages}) == 3


def test_one_story_told_differently_by_two_feeds_and_twice_in_one_is_published_once(
    stack: Stack, servers: Settings
) -> None:
    run_setup(servers)
    site = stack.root / "site2"
    site.mkdir()
    story = generated_articles(1)[0]
    (site / "a.xml").write_text(rss([story, story]))  # the same story listed twice
    (site / "b.xml").write_text(rss([{**story, "text": "Another outlet's summary of the same story."}]))
    static = SampleFeedServer(site, "127.0.0.1", 0)
    static.start()
    producer = make_producer(servers, "test-collector")
    feeds = [FeedConfig(name, f"{static.url}/{name}.xml", name, 300.0) for name in ("a", "b")]
    store = CollectorStore(stack.root / "state2.sqlite3")
    try:
        for _ in range(4):  # without validators kept between rounds: every round parses both feeds
            for feed in feeds:
                state = store.feed(feed.id, feed.url)
                state.etag = state.last_modified = None
                store.save_feed(state)
            asyncio.run(Collector(servers, feeds, producer, store, Metrics("collector")).poll_round())
    finally:
        producer.close(10)
        store.close()
        static.stop()
    messages = [orjson.loads(v) for _, v in read_topic(servers, "articles") if v]
    assert [(m["version"]) for m in messages] == [1], "published once, never re-versioned by the other feed"
