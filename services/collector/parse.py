"""Feed parsing with feedparser: entries it can recover, or one clear reason why there are none."""

from __future__ import annotations

import calendar
import itertools
import re
import statistics
from dataclasses import dataclass
from typing import Any

import feedparser
from defusedxml import EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import ParseError as ParseError_


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
    if not body.strip():
        raise ParseError("empty body")
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
            raise ParseError(warning)
    if not parsed.version and not parsed.entries:
        raise ParseError("not an RSS or Atom feed")
    feed = parsed.feed
    hub = next((link.get("href") for link in feed.get("links", []) if link.get("rel") == "hub"), None)
    return ParsedFeed(feed.get("title", ""), feed.get("language"), feed.get("updated_parsed"),
                      list(parsed.entries), warning, hub, publish_interval(parsed.entries))


def publish_interval(entries: list[Any]) -> float | None:
    """Median gap in seconds between the feed's recent entries, or None with too few dated ones."""
    stamps = sorted(
        (calendar.timegm(stamp) for entry in entries[:30]
         if (stamp := entry.get("published_parsed") or entry.get("updated_parsed"))),
        reverse=True,
    )
    gaps = [a - b for a, b in itertools.pairwise(stamps) if a > b]
    return float(statistics.median(gaps)) if len(gaps) >= 3 else None
