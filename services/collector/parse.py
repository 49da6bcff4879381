"""Feed parsing with feedparser: entries it can recover, or one clear reason why there are none."""

from __future__ import annotations

import calendar
import itertools
import re
import statistics
from dataclasses import dataclass
from typing import Any

import feedparser
import orjson
from defusedxml import EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import ParseError as ParseError_
from feedparser.datetimes import _parse_date as feedparser_dates


class ParseError(Exception):
    pass


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    language: str | None
    updated: Any
    entries: list[Any]
    warning: str | None
    hub: str | None = None
    publish_interval_s: float | None = None


class _RootReached(Exception):
    """The prolog is over: no entity can be declared after the root element starts."""


def entity_refusal(body: bytes) -> str | None:
    """Why the body must not be parsed (it declares entities or references external ones), or None.

    Real feeds never declare entities; "billion laughs" bombs and external-entity reads do. The prolog
    is read by expat through defusedxml, which decodes the body as declared (UTF-16 and UTF-32
    included: a byte search for ``<!ENTITY`` misses those) and raises at the first declaration; reading
    stops at the root element, so a feed of any size costs only its prolog here. Where expat cannot
    read the body (UTF-32, an encoding name it does not know, ill-formed markup), its head is decoded
    by its byte order mark or first bytes and searched for a declaration instead."""
    parser = DefusedXMLParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)

    def stop(*_args: object) -> None:
        raise _RootReached

    parser.parser.StartElementHandler = stop
    try:
        for start in range(0, len(body), 65536):
            parser.feed(body[start:start + 65536])
    except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
        return f"declares XML entities ({exc}); possible entity-expansion bomb or external read, refused unparsed"
    except _RootReached:
        return None
    except (ParseError_, ValueError, LookupError):
        if _DECLARATION.search(_decoded_head(body)):
            return "declares XML entities; possible entity-expansion bomb or external read, refused unparsed"
    return None


_DECLARATION = re.compile(r"<!ENTITY", re.I)
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xfe\xff", "utf-16-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xef\xbb\xbf", "utf-8"))
_FIRST_BYTES = ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00<", "utf-16-be"),
                (b"<\x00", "utf-16-le"))


def _decoded_head(body: bytes, size: int = 256 * 1024) -> str:
    """The start of the body as text, decoded as its byte order mark or first bytes say (XML 1.0
    appendix F), else byte for byte."""
    head = body.lstrip(b" \t\r\n")[:size] if not body.startswith((b"\x00", b"\xff", b"\xfe")) else body[:size]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    for first, codec in _FIRST_BYTES:
        if head.startswith(first):
            return head.decode(codec, errors="ignore")
    return head.decode("latin-1")


def parse_feed(body: bytes, content_type: str = "") -> ParsedFeed:
    """RSS, Atom (feedparser) or JSON Feed; leading whitespace, byte order marks and comments before the
    XML declaration are tolerated, as peers' readers tolerate them."""
    if not body.strip():
        raise ParseError("empty body")
    head = body.lstrip(b" \t\r\n\xef\xbb\xbf")
    if head.startswith((b"{", b"[")):
        return parse_json_feed(body)
    body = _without_leading_comments(body)
    if (refusal := entity_refusal(body)) is not None:
        raise ParseError(refusal)
    parsed = feedparser.parse(body, response_headers={"content-type": content_type} if content_type else None)
    warning = None
    if parsed.bozo:
        warning = f"ill-formed feed: {type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
        if not parsed.entries:
            head = body[:200].lstrip().lower()
            if head.startswith((b"<!doctype html", b"<html")):
                raise ParseError("got an HTML page, not a feed")
            markup = body.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"<")
            if not markup and not body.startswith((b"\x00", b"\xff", b"\xfe")):  # not UTF-16/32 either
                start = body.lstrip()[:40].decode("utf-8", errors="replace")
                raise ParseError(f"not an RSS, Atom or JSON Feed document (it starts with {start!r})")
            raise ParseError(warning)
    if not parsed.version and not parsed.entries:
        start = body.lstrip()[:40].decode("utf-8", errors="replace")
        raise ParseError(f"not an RSS, Atom or JSON Feed document (it starts with {start!r})")
    feed = parsed.feed
    hub = next((link.get("href") for link in feed.get("links", []) if link.get("rel") == "hub"), None)
    return ParsedFeed(feed.get("title", ""), feed.get("language"), feed.get("updated_parsed"),
                      list(parsed.entries), warning, hub, publish_interval(parsed.entries))


_LEADING_COMMENTS = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)+(?=<\?xml)", re.S)


def _without_leading_comments(body: bytes) -> bytes:
    """``<!-- generated by … --><?xml …?>``: the declaration must come first for an XML parser, so the
    comments before it (which carry nothing) are dropped."""
    match = _LEADING_COMMENTS.match(body[:65536])
    return body[match.end():] if match else body


JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")


def parse_json_feed(body: bytes) -> ParsedFeed:
    """A JSON Feed (jsonfeed.org 1.0 and 1.1) as the entries feedparser would have given for RSS/Atom."""
    try:
        document = orjson.loads(body.lstrip(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"looks like JSON but is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ParseError("JSON, but not a JSON Feed: the top level is not an object")
    version = str(document.get("version", ""))
    if version.rstrip("/") not in JSON_FEED_VERSIONS:
        raise ParseError(f"JSON, but not a JSON Feed: version is {version[:80]!r}, expected "
                         f"{JSON_FEED_VERSIONS[0]} or {JSON_FEED_VERSIONS[1]}")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON Feed without an 'items' list")
    language = document.get("language") if isinstance(document.get("language"), str) else None
    entries = [entry for item in items if isinstance(item, dict) and (entry := _json_item(item, language))]
    hubs: list[Any] = document["hubs"] if isinstance(document.get("hubs"), list) else []
    hub = next((h.get("url") for h in hubs if isinstance(h, dict) and str(h.get("type", "")).lower() == "websub"),
               None)
    skipped = len(items) - len(entries)
    warning = f"{skipped} JSON Feed items were not objects with an id" if skipped else None
    return ParsedFeed(str(document.get("title") or ""), language, None, entries, warning, hub,
                      publish_interval(entries))


def _json_item(item: dict[str, Any], feed_language: str | None) -> dict[str, Any] | None:
    if item.get("id") is None:
        return None

    def text(key: str) -> str:
        value = item.get(key)
        return value if isinstance(value, str) else ""
    html, plain = text("content_html"), text("content_text")
    authors: list[Any] = item["authors"] if isinstance(item.get("authors"), list) else (
        [item["author"]] if isinstance(item.get("author"), dict) else [])
    entry: dict[str, Any] = {
        "id": str(item["id"]),
        "link": text("url") or text("external_url") or str(item["id"]),
        "title": text("title"),
        "summary": text("summary") or (plain if not html else ""),
        "content": [{"value": html or plain}] if (html or plain) else [],
        "published_parsed": _json_date(text("date_published")),
        "updated_parsed": _json_date(text("date_modified")),
        "authors": [{"name": a["name"]} for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)],
        "language": text("language") or feed_language,
    }
    return entry


def _json_date(value: str) -> Any:
    """RFC 3339 as feedparser's UTC time tuple (None when absent or unreadable)."""
    return feedparser_dates(value) if value else None


def publish_interval(entries: list[Any]) -> float | None:
    """Median gap in seconds between the feed's recent entries, or None with too few dated ones."""
    stamps = sorted(
        (calendar.timegm(stamp) for entry in entries[:30]
         if (stamp := entry.get("published_parsed") or entry.get("updated_parsed"))),
        reverse=True,
    )
    gaps = [a - b for a, b in itertools.pairwise(stamps) if a > b]
    return float(statistics.median(gaps)) if len(gaps) >= 3 else None
