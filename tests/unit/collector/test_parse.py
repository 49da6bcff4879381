from __future__ import annotations

import pytest
from fixtures.articles import founding_article, rss

from services.collector.parse import ParseError, parse_feed


def test_a_valid_rss_feed_yields_its_entries() -> None:
    parsed = parse_feed(rss([founding_article()]).encode(), "application/rss+xml")
    assert len(parsed.entries) == 1


@pytest.mark.parametrize(("body", "reason"), [
    (b"", "empty"),
    (b"<!doctype html><html><body><h1>Welcome</h1></body></html>", "html"),
])
def test_a_body_that_is_not_a_feed_is_a_clear_parse_error(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as error:
        parse_feed(body, "text/html")
    assert reason in str(error.value).lower()


def test_truncated_xml_still_yields_the_entries_feedparser_recovers() -> None:
    body = rss([founding_article()]).encode()
    parsed = parse_feed(body[: body.index(b"</item>") + 7], "application/rss+xml")
    assert len(parsed.entries) == 1
