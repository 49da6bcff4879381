"""Turn feed entries into ``article`` messages: canonical URLs, stable ids, UTC dates, plain text."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

from services.common.ids import stable_id
from services.common.text import clean_text

TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|ocid|cmpid|at_medium|at_campaign|"
                             r"at_custom\d|ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee|_ga|igshid|"
                             r"taid|xtor)$", re.I)


def canonical_url(url: str) -> str:
    """Lowercase scheme and host, drop default ports, tracking parameters and the fragment."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not TRACKING_PARAMS.match(k)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    markup = clean_text(markup)
    if "<" not in markup:
        return re.sub(r"[ \t]+", " ", clean_text(html.unescape(markup))).strip()
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = clean_text("".join(extractor.parts))  # character references become characters here
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\s*\n\s*(\n\s*)*", "\n\n", text).strip()


def _struct_to_iso(value: Any) -> str | None:
    if not value:
        return None
    try:
        stamp = calendar.timegm(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat().replace("+00:00", "Z")


TITLE_CHARS = 2_000
AUTHORS = 50
AUTHOR_CHARS = 200
URL_CHARS = 8_192


def cap_text(summary: str, content: str, max_chars: int) -> tuple[str, str, bool]:
    """At most ``max_chars`` of text: the summary first (it leads), then as much content as fits."""
    if len(summary) + len(content) <= max_chars:
        return summary, content, False
    summary = summary[:max_chars]
    return summary, content[:max_chars - len(summary)], True


def fit_article(article: dict[str, Any], max_bytes: int) -> bool:
    """Cut content, then summary, until the serialized article is at most ``max_bytes``; mark it truncated.

    Every character is at least one byte, so cutting the excess in characters always gets closer. False
    when even empty text does not fit (a giant URL or author list): the entry cannot be published."""
    while (excess := len(orjson.dumps(article)) - max_bytes) > 0:
        field = "content" if article["content"] else "summary" if article["summary"] else None
        if field is None:
            return False
        article[field] = article[field][:max(0, len(article[field]) - excess)]
        article["truncated"] = True
    return True


def entry_to_article(
    entry: Any, *, feed_id: str, feed_url: str, feed_language: str | None, feed_updated: Any, first_seen: str,
    max_text_chars: int = 100_000, max_bytes: int | None = None,
) -> dict[str, Any] | None:
    """An ``article`` message without ``version`` (the store decides it), or None for unusable entries.

    Text is capped (``max_text_chars`` for summary and content together, and ``max_bytes`` for the whole
    message when given) so that every article fits in a Kafka message; ``truncated`` says it was cut."""
    link = entry.get("link") or entry.get("id") or ""
    if not link.startswith(("http://", "https://")) or len(link) > URL_CHARS:
        return None
    try:
        url = canonical_url(link)
    except ValueError:  # a malformed port or host: skip this entry, not the whole feed
        return None
    title = html_to_text(entry.get("title", ""))[:TITLE_CHARS]
    summary = html_to_text(entry.get("summary", ""))
    contents = entry.get("content") or []
    content = html_to_text("\n".join(c.get("value", "") for c in contents)) if contents else ""
    if content == summary:
        content = ""
    if not (title or summary or content):
        return None
    summary, content, truncated = cap_text(summary, content, max_text_chars)
    published = (_struct_to_iso(entry.get("published_parsed")) or _struct_to_iso(entry.get("updated_parsed"))
                 or _struct_to_iso(feed_updated) or first_seen)
    authors = [clean_text(str(a.get("name", "")))[:AUTHOR_CHARS]
               for a in entry.get("authors", []) if a.get("name")][:AUTHORS]
    article: dict[str, Any] = {
        "article_id": stable_id(url),
        "url": url,
        "title": title,
        "summary": summary,
        "content": content,
        "authors": authors,
        "published": published,
        "first_seen": first_seen,
        "language": entry.get("language") or feed_language,
        "source_domain": (urlsplit(url).hostname or "").removeprefix("www."),
        "feed_id": feed_id,
        "content_hash": "",
        "truncated": truncated,
    }
    if max_bytes is not None and not fit_article(article, max_bytes):
        return None
    # the hash of what is published: a cut text hashes the same at every poll
    article["content_hash"] = stable_id(article["title"], article["summary"], article["content"])
    return article
