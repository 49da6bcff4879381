from __future__ import annotations

import feedparser
import pytest
from fixtures.articles import founding_article, rss

from services.collector.normalize import canonical_url, entry_to_article, html_to_text
from services.common.schemas import validate


@pytest.mark.parametrize(("raw", "canonical"), [
    ("HTTPS://News.Example.ORG/a/b?utm_source=rss&utm_medium=x#top", "https://news.example.org/a/b"),
    ("https://news.example.org/a?id=7&fbclid=abc&gclid=1", "https://news.example.org/a?id=7"),
    ("http://news.example.org:80/a", "http://news.example.org/a"),
])
def test_canonical_url_drops_tracking_parameters_fragments_and_case_of_the_host(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    text = html_to_text("<p>Kim met <b>Putin</b>.</p><script>alert(1)</script><p>Second &amp; last.</p>")
    assert "Kim met Putin." in text and "Second & last." in text and "alert" not in text


def test_an_rss_entry_becomes_a_schema_valid_article_without_its_version() -> None:
    feed = feedparser.parse(rss([founding_article()]))
    article = entry_to_article(feed.entries[0], feed_id="test", feed_url="https://news.example.org/rss",
                               feed_language=None, feed_updated=None, first_seen="2023-11-07T10:00:00Z")
    assert article is not None
    assert article["url"] == "https://news.example.org/kim-putin-2023-11-07"
    assert article["published"] == "2023-11-07T09:00:00Z"
    assert article["source_domain"] == "news.example.org"
    validate("article", {**article, "version": 1})


def test_an_entry_without_a_link_is_skipped() -> None:
    feed = feedparser.parse('<rss version="2.0"><channel><item><title>No link</title></item></channel></rss>')
    assert entry_to_article(feed.entries[0], feed_id="t", feed_url="u", feed_language=None, feed_updated=None,
                            first_seen="2023-11-07T10:00:00Z") is None


def test_control_characters_from_a_feed_never_reach_an_article() -> None:
    """``&#27;[2J`` would clear the terminal of whoever reads the title in ``attache search``."""
    feed = feedparser.parse(
        '<rss version="2.0"><channel><item><title>Kim &#27;[2Jmeets&#7; Putin&#x202E;</title>'
        "<link>https://news.example.org/a</link><author>x@y (Ed&#27;[31mitor)</author>"
        "<description>&lt;p&gt;First&#0;line&lt;/p&gt;&lt;p&gt;Second&#x9b;31m line&#x9;here&lt;/p&gt;</description>"
        "</item></channel></rss>")
    article = entry_to_article(feed.entries[0], feed_id="t", feed_url="u", feed_language=None, feed_updated=None,
                               first_seen="2023-11-07T10:00:00Z")
    assert article is not None
    text = article["title"] + article["summary"] + "".join(article["authors"])
    assert not [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F or c == "\u202e"], text
    assert article["title"] == "Kim [2Jmeets Putin"
    assert article["summary"] == "Firstline\n\nSecond\u203a31m line here"  # feedparser reads &#x9b; as cp1252
