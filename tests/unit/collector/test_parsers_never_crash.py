"""Property tests: whatever a feed server sends, parsing ends in entries or one clear ParseError, never a crash.

A feed body is the one input Attaché takes from strangers in bulk; the collector must turn every body
into articles or a per-feed error, and never into an exception that takes the poll round down.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from fixtures.articles import founding_article, rss
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.collector.normalize import canonical_url, entry_to_article
from services.collector.opml import OpmlError, read_opml
from services.collector.parse import ParseError, parse_feed

VALID = rss([founding_article()]).encode()
JSON_FEED = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": '
             b'[{"id": "1", "url": "https://news.example.org/a", "title": "A potential meeting", '
             b'"content_text": "Kim Jong Un and Vladimir Putin", "date_published": "2023-11-07T09:00:00Z"}]}')


def _mutations() -> st.SearchStrategy[bytes]:
    """Valid feeds cut, spliced with junk, or junk alone: the shapes broken servers produce."""
    base = st.sampled_from([VALID, JSON_FEED])
    return st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=500).map(lambda t: t.encode("utf-8", errors="surrogatepass")),
        st.tuples(base, st.integers(min_value=0, max_value=len(VALID))).map(lambda bc: bc[0][:bc[1]]),
        st.tuples(base, st.integers(min_value=0, max_value=len(VALID)), st.binary(max_size=200)).map(
            lambda bcj: bcj[0][:bcj[1]] + bcj[2] + bcj[0][bcj[1]:]),
        st.tuples(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"<!-- x -->", b"  \n", b""]), base).map(
            lambda pb: pb[0] + pb[1]),
    )


def _articles_of(body: bytes) -> None:
    try:
        parsed = parse_feed(body)
    except ParseError as exc:
        assert str(exc)  # a reason, never an empty message
        return
    for entry in parsed.entries:
        entry_to_article(entry, feed_id="f", feed_url="https://news.example.org/feed", feed_language=parsed.language,
                         feed_updated=parsed.updated, first_seen="2023-11-07T09:00:00Z")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_any_body_parses_to_entries_or_a_parse_error(body: bytes) -> None:
    _articles_of(body)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_link_is_canonical_or_refused_with_value_error(link: str) -> None:
    with contextlib.suppress(ValueError):  # refused: fine; anything else escapes and fails the test
        canonical_url("https://" + link)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=1000),
                 st.text(max_size=300).map(lambda t: f'<opml><body><outline xmlUrl="{t}"/></body></opml>'.encode(
                     "utf-8", errors="surrogatepass"))))
def test_any_opml_file_is_read_or_refused_with_an_opml_error(body: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feeds.opml"
        path.write_bytes(body)
        try:
            read_opml(path)
        except OpmlError as exc:
            assert str(path) in str(exc)
