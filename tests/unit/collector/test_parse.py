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
    (b'{"name": "not a feed"}', "not a json feed: version"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}', "not valid json"),
    (b'[1, 2]', "top level is not an object"),
    (b"just some text, no markup at all", "not an rss, atom or json feed"),
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


JSON_FEED = b"""\xef\xbb\xbf{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Attach\xc3\xa9 test JSON feed",
  "language": "en",
  "hubs": [{"type": "WebSub", "url": "https://hub.example.org/"}],
  "items": [
    {"id": "1", "url": "https://news.example.org/kim-putin",
     "title": "A potential meeting between Kim Jong Un and Vladimir Putin",
     "content_html": "<p>A potential meeting between Kim Jong Un and Russian President Vladimir Putin.</p>",
     "date_published": "2023-11-07T09:00:00Z", "authors": [{"name": "Desk"}]},
    {"id": "2", "url": "https://news.example.org/weather", "title": "Rain", "content_text": "Rain all day.",
     "date_modified": "2023-11-07T10:00:00+01:00"},
    "not an item"
  ]
}"""


def test_a_json_feed_yields_its_items_as_entries() -> None:
    parsed = parse_feed(JSON_FEED, "application/feed+json")
    assert parsed.title == "Attaché test JSON feed" and parsed.language == "en"
    assert parsed.hub == "https://hub.example.org/"
    assert [e["link"] for e in parsed.entries] == ["https://news.example.org/kim-putin", "https://news.example.org/weather"]
    first, second = parsed.entries
    assert "Kim Jong Un" in first["content"][0]["value"] and first["authors"] == [{"name": "Desk"}]
    assert first["published_parsed"][:4] == (2023, 11, 7, 9)
    assert second["summary"] == "Rain all day." and second["updated_parsed"][:4] == (2023, 11, 7, 9)
    assert parsed.warning and "1 JSON Feed items" in parsed.warning


def test_a_json_feed_item_becomes_an_article_like_an_rss_item() -> None:
    from services.collector.normalize import entry_to_article

    parsed = parse_feed(JSON_FEED)
    article = entry_to_article(parsed.entries[0], feed_id="json", feed_url="https://news.example.org/feed.json",
                               feed_language=parsed.language, feed_updated=parsed.updated,
                               first_seen="2023-11-07T09:05:00Z")
    assert article is not None
    assert article["title"] == "A potential meeting between Kim Jong Un and Vladimir Putin"
    assert article["published"] == "2023-11-07T09:00:00Z" and article["authors"] == ["Desk"]
    assert "Vladimir Putin" in article["content"] + article["summary"]


def test_a_comment_before_the_xml_declaration_is_tolerated() -> None:
    body = b"<!-- generated by a CMS at 09:00 -->\n" + rss([founding_article()]).encode()
    assert body.index(b"<?xml") > 0
    assert len(parse_feed(body, "application/rss+xml").entries) == 1
