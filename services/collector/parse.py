"""Feed parsing with feedparser: entries it can recover, or one clear reason why there are none."""

from __future__ import annotations

import calendar
import itertools
import re
import statistics
from dataclasses import dataclass
from typing import Any

import feedparser


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


_ENTITY_DECLARATION = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.I)


def parse_feed(body: bytes, content_type: str = "") -> ParsedFeed:
    if not body.strip():
        raise ParseError("empty body")
    if _ENTITY_DECLARATION.search(body[:65536]):
        # real feeds never declare entities; "billion laughs" bombs do
        raise ParseError("declares its own XML entities (possible entity-expansion bomb); refused unparsed")
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
