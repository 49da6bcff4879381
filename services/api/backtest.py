"""The backtest: what a subscription query would have matched in the events index, as stories.

Before anyone subscribes, ``attache subscriptions test QUERY --since 30d`` and ``POST /subscriptions/test``
show what the query finds over the period, grouped the way the alerter groups reports
(:func:`services.common.stories.apply`, report by report in report-time order), so one story reported by
ten outlets shows once, with its sources count and modality history: roughly the alerts the subscription
would have sent.

The query is the canonical text :func:`parse_query` makes, sent as a ``query_string`` inside a ``bool``
query whose time filter is a ``range`` on ``article.published`` with an absolute start — not glued to the
query text, and without date math (the embedded server mishandles some forms of both).

At most ``limit`` events are scanned (the newest, fetched in pages with ``search_after``); when more
matched, the result says so. Stories whose first reports fell outside the scanned ones start later than
they really did.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, AsyncElasticsearch

from services.common.elastic import make_async_es
from services.common.query import QueryError, parse_query
from services.common.redact import redact_text
from services.common.settings import Settings
from services.common.stories import Bucket, Story, StoryRules, apply, bucket_key, parse_thresholds, report_time

DEFAULT_SINCE = "30d"
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
PAGE_SIZE = 500
MAX_SINCE_DAYS = 3650
_SINCE = re.compile(r"^\s*(\d{1,6})\s*([hdw])\s*$")
_UNIT = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}
# newest first, so a capped scan keeps the most recent events; event_id makes the order total (search_after)
SORT = [{"article.published": {"order": "desc"}}, {"event_id": {"order": "desc"}}]


class BacktestError(ValueError):
    """Bad input (a query that does not parse, a period that is not one): which field, why, where."""

    def __init__(self, field: str, reason: str, *, position: int | None = None, suggestion: str | None = None,
                 query_error: dict[str, Any] | None = None, status: int = 422) -> None:
        self.field, self.reason, self.position, self.suggestion = field, reason.rstrip(". "), position, suggestion
        self.query_error = query_error
        self.status = status  # for the API: 400 for a query refused, 422 for input of the wrong shape
        super().__init__(f"{field}: {self.reason}")

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"field": self.field, "reason": self.reason, "message": str(self)}
        if self.position is not None:
            body["position"] = self.position
        if self.suggestion is not None:
            body["suggestion"] = self.suggestion
        if self.query_error is not None:
            body["query_error"] = self.query_error
        return body


class BacktestUnavailable(Exception):
    """Elasticsearch could not be asked (unreachable, timed out, or failing)."""


def parse_since(text: str) -> dt.timedelta:
    """``"30d"``, ``"12h"``, ``"2w"`` → the period; ``BacktestError`` naming ``since`` otherwise."""
    match = _SINCE.match(text) if isinstance(text, str) else None
    if match is None:
        shown = text[:40] if isinstance(text, str) else type(text).__name__
        raise BacktestError("since", f"{shown!r} is not a period: a whole number and h, d or w (e.g. 30d, 12h, 2w)")
    period = int(match.group(1)) * _UNIT[match.group(2)]
    if period <= dt.timedelta(0):
        raise BacktestError("since", "the period must be longer than zero")
    if period > dt.timedelta(days=MAX_SINCE_DAYS):
        raise BacktestError("since", f"at most {MAX_SINCE_DAYS} days")
    return period


def check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BacktestError("limit", f"a whole number of events to scan, 1 to {MAX_LIMIT}")
    return limit


def canonical_query(text: Any) -> str:
    """The query as stored and sent to Elasticsearch; ``BacktestError`` with the parser's position."""
    if not isinstance(text, str):
        raise BacktestError("query", f"a Lucene query string, not {type(text).__name__}")
    try:
        return parse_query(text).text
    except QueryError as exc:
        raise BacktestError("query", exc.message, position=exc.position, suggestion=exc.suggestion,
                            query_error=exc.to_dict(), status=400) from exc


def search_query(query_text: str, start: dt.datetime) -> dict[str, Any]:
    """The Elasticsearch query: the canonical text, within the period (an absolute ``range`` filter)."""
    return {"bool": {
        "must": [{"query_string": {"query": query_text}}],
        "filter": [{"range": {"article.published": {"gte": _iso(start)}}}],
    }}


def story_rules(settings: Settings) -> StoryRules:
    """The grouping the alerter uses, from the same settings."""
    return StoryRules(settings.story_window_days, settings.story_date_tolerance_days,
                      parse_thresholds(settings.story_sources_thresholds))


@dataclass
class Grouped:
    stories: list[Story]
    skipped: int  # events that could not be grouped (not event-shaped)


def group(events: list[dict[str, Any]], rules: StoryRules) -> Grouped:
    """Events folded into stories exactly as the alerter folds them, in report-time order; every story is
    kept (the alerter forgets stories a window old; a backtest shows them all)."""
    buckets: dict[str, Bucket] = {}
    stories: dict[str, Story] = {}
    skipped = 0
    ordered = []
    for event in events:
        try:
            ordered.append((report_time(event), str(event["event_id"]), event))
        except (KeyError, TypeError, ValueError, AttributeError):
            skipped += 1
    ordered.sort(key=lambda item: (item[0], item[1]))
    for _, _, event in ordered:
        try:
            key = bucket_key(event)
            story, _change = apply(buckets.setdefault(key, Bucket(key)), event, rules)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            skipped += 1
            continue
        stories[story.story_id] = story
    return Grouped(sorted(stories.values(), key=lambda s: (s.last_seen, s.story_id), reverse=True), skipped)


def story_summary(story: Story) -> dict[str, Any]:
    """What a person needs to judge a story at a glance."""
    return {
        "story_id": story.story_id,
        "type": story.type,
        "countries": list(story.countries),
        "leaders": list(story.leaders),
        "date": story.date.isoformat() if story.date else None,
        "location": story.location,
        "modality": story.modality,
        "modality_history": [m.to_dict() for m in story.modality_history],
        "sources_count": story.sources_count,
        "sources": [s.source_domain for s in story.sources][:50],
        "articles_count": story.articles_count,
        "first_seen": _iso(story.first_seen),
        "last_seen": _iso(story.last_seen),
        "title": story.title,
        "url": story.url,
        "sentence": story.evidence.text,
        "confidence": story.confidence,
        "revision": story.revision,
    }


async def _fetch(es: AsyncElasticsearch, index: str, query: dict[str, Any],
                 limit: int) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit`` matching events, newest first, and how many matched in all."""
    events: list[dict[str, Any]] = []
    total = 0
    after: list[Any] | None = None
    while len(events) < limit:
        size = min(PAGE_SIZE, limit - len(events))
        extra: dict[str, Any] = {"search_after": after} if after is not None else {}
        response = await es.search(index=index, query=query, size=size, sort=SORT, track_total_hits=True,
                                   ignore_unavailable=True, **extra)
        hits = response["hits"]["hits"]
        total = int(response["hits"]["total"]["value"]) if after is None else total
        events.extend(hit["_source"] for hit in hits)
        if len(hits) < size or not hits[-1].get("sort"):
            break
        after = hits[-1]["sort"]
    return events, max(total, len(events))


async def run_backtest(settings: Settings, query: Any, since: Any = DEFAULT_SINCE, limit: Any = DEFAULT_LIMIT,
                       *, es: AsyncElasticsearch | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The backtest of ``query`` over the last ``since``: stories and counts (see the module docstring).

    ``BacktestError`` for bad input; ``BacktestUnavailable`` when Elasticsearch cannot answer."""
    text = canonical_query(query)
    period = parse_since(since)
    limit = check_limit(limit)
    end = now or dt.datetime.now(dt.UTC)
    start = end - period
    client = es or make_async_es(settings)
    try:
        events, total = await _fetch(client, settings.index("events"), search_query(text, start), limit)
    except ApiError as exc:
        if exc.meta.status == 400:  # the cluster refused the query itself
            raise BacktestError("query", f"Elasticsearch refused the query: {redact_text(str(exc.message))[:300]}",
                                status=400) from None
        raise BacktestUnavailable(f"Elasticsearch answered {exc.meta.status} ({redact_text(str(exc.message))[:200]})"
                                  ) from None
    except (TransportConnectionError, ConnectionTimeout) as exc:
        raise BacktestUnavailable(f"cannot reach Elasticsearch at {redact_text(settings.es_url)} "
                                  f"({type(exc).__name__}): is it running?") from None
    finally:
        if es is None:
            await client.close()
    grouped = group(events, story_rules(settings))
    capped = total > len(events)
    notes = []
    if capped:
        notes.append(f"{total} events matched; the newest {len(events)} were grouped (limit {limit}): older "
                     "stories are missing, and stories that began earlier show a later first report")
    if grouped.skipped:
        notes.append(f"{grouped.skipped} indexed events could not be grouped (not event-shaped) and were skipped")
    return {
        "query": text,
        "since": since.strip(),
        "from": _iso(start),
        "to": _iso(end),
        "events_matched": total,
        "events_scanned": len(events),
        "stories_count": len(grouped.stories),
        "capped": capped,
        "note": "; ".join(notes) or None,
        "stories": [story_summary(s) for s in grouped.stories],
    }


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
