"""Polling schedule: configured interval, adapted to the feed's real rhythm, backed off on errors."""

from __future__ import annotations

import feedparser
import pytest
from fixtures.articles import generated_articles, rss

from services.collector.parse import publish_interval
from services.collector.service import Collector
from services.collector.store import FeedState
from services.common.config_files import FeedConfig
from services.common.metrics import Metrics
from services.common.settings import Settings


def collector() -> Collector:
    return Collector(Settings(collector_min_interval_s=60, collector_max_interval_s=3600), [], None,  # type: ignore[arg-type]
                     None, Metrics("test"))  # type: ignore[arg-type]


def test_publish_interval_is_the_median_gap_between_entries() -> None:
    entries = feedparser.parse(rss(generated_articles(10))).entries  # one article a minute
    assert publish_interval(entries) == 60.0
    assert publish_interval(entries[:2]) is None  # too few to tell


@pytest.mark.parametrize(("observed", "expected"), [(None, 300), (30, 60), (600, 600), (86_400, 1200)])
def test_delay_follows_the_feed_within_bounds(observed: float | None, expected: float) -> None:
    feed = FeedConfig("f", "http://x", "f", 300.0)
    delay = collector().next_delay(feed, FeedState("f", "http://x", publish_interval_s=observed))
    assert expected * 0.9 <= delay <= expected * 1.1  # jitter


def test_failing_feeds_back_off_but_are_never_dropped() -> None:
    feed = FeedConfig("f", "http://x", "f", 300.0)
    delays = [collector().next_delay(feed, FeedState("f", "http://x", consecutive_errors=n)) for n in (1, 3, 20)]
    assert 270 <= delays[0] <= 330
    assert 1080 <= delays[1] <= 1320
    assert delays[2] <= 3600 * 1.1
