"""A crash (every process SIGKILLed) and a restart lose nothing and duplicate nothing in Elasticsearch."""

from __future__ import annotations

from collections import Counter

import orjson
from fixtures.articles import generated_articles, rss

from services.batch import tag_lines
from services.tagger.core.tagger import default_tagger
from tests.integration.stack import Pipeline, Stack, es_count, es_sources, wait_for

ARTICLES = 1500


def expected_event_types(articles: list[dict[str, str]]) -> Counter[str]:
    """What the batch tagger (the very code the stream tagger runs) finds in the same articles."""
    lines = [orjson.dumps(a) for a in articles]
    return Counter(e["type"] for result, _ok in tag_lines(default_tagger(), lines) for e in result["events"])


def test_crash_mid_stream_then_restart_indexes_every_article_and_event_exactly_once(
    stack: Stack, pipeline: Pipeline
) -> None:
    articles = generated_articles(ARTICLES)
    expected = expected_event_types(articles)
    stack.serve_feed("bulk.xml", rss(articles), interval_s=1)
    settings = stack.settings

    pipeline.start()
    wait_for(lambda: es_count(settings, "articles") > 0, 90, "the first indexed articles")
    before_crash = es_count(settings, "articles")
    killed = pipeline.crash()
    assert len(killed) >= 6, f"expected supervisor, 4 services and noida-db; killed {killed}"

    pipeline.start()
    wait_for(lambda: es_count(settings, "articles") >= ARTICLES, 180,
             f"all {ARTICLES} articles indexed after the restart")
    wait_for(lambda: es_count(settings, "events") >= sum(expected.values()), 120, "every event indexed")

    articles_indexed = es_sources(settings, "articles")
    assert len(articles_indexed) == ARTICLES
    assert len({a["url"] for a in articles_indexed}) == ARTICLES, "one document per story"
    events = es_sources(settings, "events")
    assert Counter(e["type"] for e in events) == expected
    assert len({e["event_id"] for e in events}) == len(events)
    alerts = es_sources(settings, "alerts")
    assert len(alerts) == expected["leader_meeting"] // 2  # kp-ru stories are every fifth; see fixtures
    print(f"crash after {before_crash} of {ARTICLES} articles indexed; all {ARTICLES} and "
          f"{len(events)} events indexed once after restart")
