"""Secrets out of everything a person or a log collector reads: userinfo and query values of URLs.

Credentials live in URLs here — ``ATTACHE_ES_URL=https://user:password@host``, feed tokens
(``?token=${FEED_TOKEN}``), webhook secrets — and URLs end up in logs, ``/health``, ``feeds list`` and
error messages. Every such output goes through ``redact``: ``https://***@host/path?token=***``. Keys
of the query stay, so a person still sees which parameter was set.
"""

from __future__ import annotations

import re
from typing import Any

_URL = re.compile(r"""(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^\s/?#@'"<>\\]*@)?"""
                  r"""(?P<rest>[^\s?#'"<>\\]*)(?P<query>\?[^\s#'"<>\\]*)?""")
MASK = "***"


def _query(query: str) -> str:
    parts = []
    for part in query[1:].split("&"):
        key, equals, _ = part.partition("=")
        parts.append(f"{key}={MASK}" if equals else (MASK if part else ""))
    return "?" + "&".join(parts)


def _one(match: re.Match[str]) -> str:
    userinfo = f"{MASK}@" if match["userinfo"] else ""
    query = _query(match["query"]) if match["query"] else ""
    return f"{match['scheme']}{userinfo}{match['rest']}{query}"


def redact_text(text: str) -> str:
    """Every URL in ``text`` with its userinfo and query values masked."""
    return _URL.sub(_one, text) if "://" in text else text


def redact(value: Any) -> Any:
    """``redact_text`` applied to every string in a JSON-like structure."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value
