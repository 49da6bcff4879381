"""Feed parsing with feedparser: entries it can recover, or one clear reason why there are none."""

from __future__ import annotations

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


def parse_feed(body: bytes, content_type: str = "") -> ParsedFeed:
    if not body.strip():
        raise ParseError("empty body")
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
    return ParsedFeed(feed.get("title", ""), feed.get("language"), feed.get("updated_parsed"),
                      list(parsed.entries), warning)
