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


BOMB = ('<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaa">\n'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n'
        '<rss version="2.0"><channel><title>t</title><item><title>&c;</title>'
        "<link>https://x.org/a</link></item></channel></rss>")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
def test_a_feed_declaring_entities_is_refused_in_any_encoding(encoding: str) -> None:
    """UTF-16 and UTF-32 bodies used to slip past a byte search for '<!ENTITY'."""
    body = BOMB.format(encoding=encoding.upper()).encode(encoding)
    with pytest.raises(ParseError, match="entit"):
        parse_feed(body, "application/rss+xml")


def test_an_external_entity_is_refused_too() -> None:
    body = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<rss version="2.0"><channel><title>&x;</title></channel></rss>').encode("utf-16")
    with pytest.raises(ParseError, match="entit"):
        parse_feed(body, "application/rss+xml")


def test_a_plain_doctype_without_entities_is_still_read() -> None:
    body = ('<?xml version="1.0" encoding="UTF-16"?>'
            '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            '"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>t</title>'
            "<item><title>One</title><link>https://x.org/1</link></item></channel></rss>").encode("utf-16")
    assert len(parse_feed(body, "application/rss+xml").entries) == 1
