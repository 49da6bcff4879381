"""Turn feed entries into ``article`` messages: canonical URLs, stable ids, UTC dates, plain text."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from services.common.ids import stable_id

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
    if "<" not in markup:
        return re.sub(r"[ \t]+", " ", html.unescape(markup)).strip()
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = "".join(extractor.parts)
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


def entry_to_article(
    entry: Any, *, feed_id: str, feed_url: str, feed_language: str | None, feed_updated: Any, first_seen: str,
) -> dict[str, Any] | None:
    """An ``article`` message without ``version`` (the store decides it), or None for unusable entries."""
    link = entry.get("link") or entry.get("id") or ""
    if not link.startswith(("http://", "https://")):
        return None
    try:
        url = canonical_url(link)
    except ValueError:  # a malformed port or host: skip this entry, not the whole feed
        return None
    title = html_to_text(entry.get("title", ""))
    summary = html_to_text(entry.get("summary", ""))
    contents = entry.get("content") or []
    content = html_to_text("\n".join(c.get("value", "") for c in contents)) if contents else ""
    if content == summary:
        content = ""
    if not (title or summary or content):
        return None
    published = (_struct_to_iso(entry.get("published_parsed")) or _struct_to_iso(entry.get("updated_parsed"))
                 or _struct_to_iso(feed_updated) or first_seen)
    authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    return {
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
        "content_hash": stable_id(title, summary, content),
    }
