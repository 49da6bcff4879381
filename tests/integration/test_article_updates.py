"""An edited article replaces its events: what the new version no longer says disappears from search."""

from __future__ import annotations

import os
import time

from fixtures.articles import rss

from tests.integration.stack import Pipeline, Stack, es_sources, wait_for

STORY = {
    "id": "2024/06/19/putin-kim", "published": "2024-06-19T06:00:00Z",
    "title": "Putin could meet Kim Jong Un in Pyongyang, officials say",
    "text": "Russian President Vladimir Putin could meet North Korean leader Kim Jong Un in Pyongyang, officials said.",
}
EDITED = {
    **STORY,
    "title": "Poland expels Russian diplomat",
    "text": "Poland expelled a Russian diplomat on Wednesday, accusing him of espionage.",
}


def test_an_edited_article_keeps_only_the_events_of_its_newest_version(stack: Stack, pipeline: Pipeline) -> None:
    stack.serve_feed("world.xml", rss([STORY]), interval_s=1)
    pipeline.start()
    settings = stack.settings
    first = wait_for(lambda: es_sources(settings, "events", "type:leader_meeting"), 90, "the meeting event")
    article_id = first[0]["article_id"]

    time.sleep(1.1)  # the feed server's Last-Modified has one-second resolution
    stack.serve_feed("world.xml", rss([EDITED]), interval_s=1)
    os.utime(stack.feeds_dir / "world.xml")

    def only_new_events() -> list[dict]:
        events = es_sources(settings, "events", f"article_id:{article_id}")
        return events if events and {e["type"] for e in events} == {"diplomatic_expulsion"} else []

    events = wait_for(only_new_events, 90, "the meeting to give way to the expulsion")
    assert {e["article_version"] for e in events} == {2}
    article = es_sources(settings, "articles", f"article_id:{article_id}")
    assert [(a["version"], a["title"]) for a in article] == [(2, EDITED["title"])]
