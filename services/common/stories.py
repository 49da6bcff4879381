"""Stories: the reports of one happening grouped together, so a subscriber hears of it once.

Ten outlets reporting the same potential Kim–Putin meeting are ten events but one story. A subscriber is
alerted when a story first matches and again only when something *material* changes (see ``apply``).

Pure Python over schema-shaped dicts (``schemas/event.schema.json`` in, ``schemas/story.schema.json``
out): no Kafka, Elasticsearch or faust here, and no wall clock — every time is the event's own, so a
replay of the same events in the same order rebuilds the same stories with the same ids and revisions.

How the alerter holds stories (a faust Table changelogged in Kafka, values as raw JSON bytes)::

    key = bucket_key(event)                  # the Table key (as bytes); repartition events by it
    raw = table.get(key.encode())
    bucket = Bucket.from_dict(orjson.loads(raw)) if raw else Bucket(key)
    story, change = apply(bucket, event, rules)
    table[key.encode()] = orjson.dumps(bucket.to_dict())   # a story_bucket.schema.json document
    # index story.to_dict() as <prefix>-stories/_doc/<story_id>, version story.updates (external_gte)
    # if change: match subscriptions against the story; alert id = alert_id(sub id, story_id, revision)

The Table is keyed by *bucket* (event type + participants), not by story id: which story an event joins
depends on the stories already open, so a story id cannot be computed from an event alone, but its
bucket can — and every story the event could join lives in that one bucket, on one partition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from services.common.ids import stable_id

ChangeKind = Literal["new", "modality", "sources"]

# The modality lattice. "On" modalities are ranked: knowledge only moves forward along
# potential → planned → occurred. "Off" modalities (cancelled, denied) are reachable from any "on" one,
# and a story goes from "off" back "on" only through planned or occurred (a meeting back on).
ON_RANK: dict[str, int] = {"potential": 0, "planned": 1, "occurred": 2}
OFF: frozenset[str] = frozenset({"cancelled", "denied"})
BACK_ON: frozenset[str] = frozenset({"planned", "occurred"})

# Event types whose participants are people: two reports with the same countries but no leader in
# common (Kim–Putin vs. their foreign ministers) are different happenings. For the other types leaders
# are incidental (who announced sanctions, which summit guests an article names) and are not compared.
LEADER_TYPES: frozenset[str] = frozenset({"leader_meeting", "phone_call", "state_visit", "talks"})

MAX_FEED_IDS_PER_SOURCE = 10


@dataclass(frozen=True)
class StoryRules:
    """How reports are grouped and what counts as material; one per alerter, from settings.

    ``window_days`` (``ATTACHE_STORY_WINDOW_DAYS``): a report joins a story only if published within this
    many days of the story's reports (measured on ``article.published``). ``date_tolerance_days``
    (``ATTACHE_STORY_DATE_TOLERANCE_DAYS``): how far apart two resolved happening dates may be.
    ``sources_thresholds`` (``ATTACHE_STORY_SOURCES_THRESHOLDS``): distinct-outlet counts whose crossing
    is a material change. The default is 5, above the 4 outlets of issue 10's acceptance test, which
    expects no update for the founding article plus three re-worded reports. A subscription that wants
    its own threshold must have it listed here too, since only a revision makes a new alert id.

    The ``max_*`` bounds keep one Table value (the bucket) small; they are limits, not tuning.
    """

    window_days: int = 14
    date_tolerance_days: int = 1
    sources_thresholds: tuple[int, ...] = (5,)
    max_reports: int = 200
    max_sources: int = 200
    max_stories_per_bucket: int = 20

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise ValueError(f"story window_days must be at least 1, got {self.window_days}")
        if self.date_tolerance_days < 0:
            raise ValueError(f"story date_tolerance_days must be 0 or more, got {self.date_tolerance_days}")
        if any(t < 2 for t in self.sources_thresholds):
            raise ValueError(f"story sources_thresholds must be 2 or more (a new story has 1 source), "
                             f"got {list(self.sources_thresholds)}")
        for name in ("max_reports", "max_sources", "max_stories_per_bucket"):
            if getattr(self, name) < 1:
                raise ValueError(f"story {name} must be at least 1, got {getattr(self, name)}")
        object.__setattr__(self, "sources_thresholds", tuple(sorted(set(self.sources_thresholds))))

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(days=self.window_days)


def parse_thresholds(text: str) -> tuple[int, ...]:
    """``"5"``, ``"3,5,10"`` or ``"[3, 5, 10]"`` (an environment variable) → ``(3, 5, 10)``."""
    parts = [p.strip() for p in text.strip().strip("[]").split(",") if p.strip()]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError as exc:
        raise ValueError(f"story sources thresholds {text!r}: expected whole numbers separated by commas") from exc
    if not values:
        raise ValueError(f"story sources thresholds {text!r}: expected at least one number, e.g. 5")
    return tuple(sorted(set(values)))


# --- the parts of a story --------------------------------------------------------------------------------


@dataclass
class Source:
    """One outlet (``article.source_domain``) and the feeds its reports came through."""

    source_domain: str
    feed_ids: list[str]
    first_seen: dt.datetime
    articles: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"source_domain": self.source_domain, "feed_ids": list(self.feed_ids),
                "first_seen": _iso(self.first_seen), "articles": self.articles}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(data["source_domain"], list(data["feed_ids"]), _parse_time(data["first_seen"]), data["articles"])


@dataclass
class Report:
    """One article's event in the story: the replay memory (which article, at which version)."""

    article_id: str
    article_version: int
    event_id: str
    published: dt.datetime
    source_domain: str
    modality: str

    def to_dict(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "article_version": self.article_version, "event_id": self.event_id,
                "published": _iso(self.published), "source_domain": self.source_domain, "modality": self.modality}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(data["article_id"], data["article_version"], data["event_id"], _parse_time(data["published"]),
                   data["source_domain"], data["modality"])


@dataclass
class ModalityStep:
    """A material modality: what it became, when (report time), and which report said so."""

    modality: str
    at: dt.datetime
    event_id: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"modality": self.modality, "at": _iso(self.at), "event_id": self.event_id, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModalityStep:
        return cls(data["modality"], _parse_time(data["at"]), data["event_id"], data["source"])


@dataclass
class Evidence:
    """The latest report's evidence as one readable line, with where it came from.

    Events carry the sentence they were found in (``sentence``, since rules-5). Older events carry only
    evidence spans: when the trigger word is in the headline the headline *is* the sentence; otherwise the
    evidence words in text order, joined by " … ".
    """

    text: str
    field: str
    article_id: str
    url: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "field": self.field, "article_id": self.article_id, "url": self.url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(data["text"], data["field"], data["article_id"], data["url"])


@dataclass(frozen=True)
class Change:
    """A material change: what an alert (or an update alert) is about."""

    kind: ChangeKind
    story_id: str
    revision: int
    modality: str
    previous_modality: str | None
    sources_count: int
    threshold: int | None  # the sources threshold this report crossed, if any
    event_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "story_id": self.story_id, "revision": self.revision, "modality": self.modality,
                "previous_modality": self.previous_modality, "sources_count": self.sources_count,
                "threshold": self.threshold, "event_id": self.event_id}


@dataclass
class Story:
    """One happening, as reported so far. ``to_dict`` is a ``schemas/story.schema.json`` document."""

    story_id: str
    bucket_key: str
    type: str
    countries: list[str]
    leaders: list[str]
    date: dt.date | None
    location: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    title: str
    url: str
    evidence: Evidence
    sources: list[Source]
    sources_count: int
    reports: list[Report]  # newest last, at most StoryRules.max_reports
    articles_count: int
    forgotten_before: dt.datetime | None  # reports up to this time were dropped from ``reports``
    modality: str
    modality_history: list[ModalityStep]
    confidence: float
    revision: int = 1
    last_change: ChangeKind = "new"
    updates: int = 1  # every applied report or re-tag: the Elasticsearch external version
    # subscription id → the revision it was last alerted about (the alerter's memory, so a subscriber
    # hears of a story once, then of each material change; kept in the stories table, not indexed)
    notified: dict[str, int] = field(default_factory=dict)

    @property
    def article_ids(self) -> list[str]:
        return [r.article_id for r in self.reports]

    @property
    def event_ids(self) -> list[str]:
        return [r.event_id for r in self.reports]

    def report_for(self, article_id: str) -> Report | None:
        return next((r for r in self.reports if r.article_id == article_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "bucket_key": self.bucket_key,
            "type": self.type,
            "countries": list(self.countries),
            "leaders": list(self.leaders),
            "date": self.date.isoformat() if self.date else None,
            "location": self.location,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "title": self.title,
            "url": self.url,
            "evidence": self.evidence.to_dict(),
            "sources": [s.to_dict() for s in self.sources],
            "sources_count": self.sources_count,
            "article_ids": self.article_ids,
            "event_ids": self.event_ids,
            "articles_count": self.articles_count,
            "reports": [r.to_dict() for r in self.reports],
            "forgotten_before": _iso(self.forgotten_before) if self.forgotten_before else None,
            "modality": self.modality,
            "modality_history": [m.to_dict() for m in self.modality_history],
            "confidence": self.confidence,
            "revision": self.revision,
            "last_change": self.last_change,
            "updates": self.updates,
            "notified": dict(self.notified),
        }

    def to_document(self) -> dict[str, Any]:
        """The story as the ``stories`` topic and index hold it: without the alerter's ``notified``."""
        doc = self.to_dict()
        del doc["notified"]
        return doc

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Story:
        """The inverse of ``to_dict`` (``article_ids``/``event_ids`` are derived from ``reports``)."""
        try:
            return cls(
                story_id=data["story_id"],
                bucket_key=data["bucket_key"],
                type=data["type"],
                countries=list(data["countries"]),
                leaders=list(data["leaders"]),
                date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
                location=data["location"],
                first_seen=_parse_time(data["first_seen"]),
                last_seen=_parse_time(data["last_seen"]),
                title=data["title"],
                url=data["url"],
                evidence=Evidence.from_dict(data["evidence"]),
                sources=[Source.from_dict(s) for s in data["sources"]],
                sources_count=data["sources_count"],
                reports=[Report.from_dict(r) for r in data["reports"]],
                articles_count=data["articles_count"],
                forgotten_before=_parse_time(data["forgotten_before"]) if data["forgotten_before"] else None,
                modality=data["modality"],
                modality_history=[ModalityStep.from_dict(m) for m in data["modality_history"]],
                confidence=data["confidence"],
                revision=data["revision"],
                last_change=data["last_change"],
                updates=data["updates"],
                notified={str(k): int(v) for k, v in (data.get("notified") or {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"story {data.get('story_id', '?')}: not a story document ({exc!r})") from exc


@dataclass
class Bucket:
    """The open stories of one ``bucket_key``: the faust Table value (``schemas/story_bucket.schema.json``).

    ``watermark`` is the latest report time seen in the bucket; stories last seen more than a window
    before it are pruned, so a bucket holds only stories a new report could still join.
    """

    key: str
    stories: list[Story] = field(default_factory=list)
    watermark: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"bucket_key": self.key, "watermark": _iso(self.watermark) if self.watermark else None,
                "stories": [s.to_dict() for s in self.stories]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bucket:
        try:
            watermark = _parse_time(data["watermark"]) if data["watermark"] else None
            return cls(data["bucket_key"], [Story.from_dict(s) for s in data["stories"]], watermark)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"story bucket {data.get('bucket_key', '?')}: not a bucket document ({exc!r})") from exc

    def story_with_article(self, article_id: str) -> Story | None:
        return next((s for s in self.stories if s.report_for(article_id) is not None), None)


# --- identity ---------------------------------------------------------------------------------------------


def participants(event: dict[str, Any]) -> tuple[str, ...]:
    """Who the happening is between: the event's country set, sorted.

    Exactly the set, not "overlapping" sets: the Table key must come from the event alone, and every
    story an event could join must sit under that one key. A third country is therefore a different
    story (``KP+RU`` and ``CN+KP+RU`` never merge). That is deliberate: the tagger widens a leader meeting's
    pair only with states its sentence names as hosts or mediators (``services/tagger/core/events.py``),
    not with countries mentioned in passing, so a third state is a claim of a three-way happening; and a
    wrong split costs one extra alert, whereas a wrong merge hides a different happening from subscribers.
    Events without countries fall back to their leaders.
    """
    countries = sorted(set(event["countries"]))
    if countries:
        return tuple(countries)
    return tuple(sorted({f"leader:{name.casefold()}" for name in event["leaders"]}))


def bucket_key(event: dict[str, Any]) -> str:
    """``"leader_meeting:KP+RU"``: the faust Table key and the key events are repartitioned by."""
    return f"{event['type']}:{'+'.join(participants(event))}"


def story_id_for(event: dict[str, Any]) -> str:
    """The id of the story an event opens: from its type, participants and the founding event's id,
    so rebuilding from the same events gives the same ids."""
    return stable_id(event["type"], participants(event), event["event_id"])


def alert_id(subscription_id: str, story_id: str, revision: int) -> str:
    """One alert per (subscription, story, revision): receivers deduplicate on this id, and a replay
    reproduces the same stories and revisions (``apply`` is deterministic), so it never alerts twice."""
    return stable_id(subscription_id, story_id, str(revision))


def report_time(event: dict[str, Any]) -> dt.datetime:
    """When a report appeared: ``article.published``, but never after the tagger saw it (``tagged_at``), so
    one feed with a clock in the future cannot stretch a window or prune a bucket. Both are in the event:
    a replay gets the same time."""
    published = _parse_time(event["article"]["published"])
    tagged = event.get("tagged_at")
    return min(published, _parse_time(tagged)) if tagged else published


# --- material change --------------------------------------------------------------------------------------


def modality_moves(current: str, reported: str, *, newer: bool) -> bool:
    """Is a reported modality a material change of the story's current one?

    - forward along potential → planned → occurred: yes, whenever the report was published — a report
      that it happened is news even if it arrives late; backward ("planned" of a story that occurred) is
      older news: no;
    - potential, planned or occurred → cancelled or denied: yes, if the report is ``newer`` than the one
      that set the current modality (a stale "cancelled" must not undo a newer "occurred");
    - cancelled or denied → planned or occurred (back on): yes, if ``newer``; → potential, or between
      cancelled and denied: no (the story stays off).
    """
    if current == reported:
        return False
    if current in ON_RANK and reported in ON_RANK:
        return ON_RANK[reported] > ON_RANK[current]
    if current in ON_RANK and reported in OFF:
        return newer
    if current in OFF and reported in BACK_ON:
        return newer
    return False


def sources_crossed(before: int, after: int, thresholds: Iterable[int]) -> int | None:
    """The highest threshold with ``before < threshold <= after``, or None. A subscription with its own
    thresholds can call this with the counts around an ``apply``."""
    crossed = [t for t in thresholds if before < t <= after]
    return max(crossed) if crossed else None


def apply(bucket: Bucket, event: dict[str, Any], rules: StoryRules | None = None) -> tuple[Story, Change | None]:
    """Add one event (a report) to its bucket; return its story and the material change, if any.

    The bucket is updated in place. An event joins the open story with the same participants whose
    reports are within ``rules.window_days`` of it, whose resolved date agrees (both unknown, one unknown,
    or within ``date_tolerance_days``) and, for leader types, that shares a named leader when both name
    any; else it opens a story. Changes, each bumping ``revision``:

    - ``"new"``: the event opened the story (revision 1);
    - ``"modality"``: the modality moved (``modality_moves``), recorded in ``modality_history``;
    - ``"sources"``: the count of distinct outlets crossed one of ``rules.sources_thresholds``.

    One report makes at most one change (a modality move that also crosses a threshold is "modality").
    Applying an event whose article version the story already has (a replay) changes nothing; a re-tag
    (same article, higher ``article_version``) updates its report without adding an article or source.
    """
    rules = rules or StoryRules()
    key = bucket_key(event)
    if key != bucket.key:
        raise ValueError(f"event {event.get('event_id')}: belongs to story bucket {key!r}, not {bucket.key!r}")
    at = report_time(event)
    story, change = _place(bucket, event, at, rules)
    bucket.watermark = at if bucket.watermark is None else max(bucket.watermark, at)
    prune(bucket, rules)
    return story, change


def _place(bucket: Bucket, event: dict[str, Any], at: dt.datetime, rules: StoryRules) -> tuple[Story, Change | None]:
    """Find the event's story (its article's, else the best fitting, else a new one) and fold it in."""
    story = bucket.story_with_article(event["article_id"])
    if story is not None:
        report = story.report_for(event["article_id"])
        assert report is not None
        if event["article_version"] <= report.article_version:
            return story, None  # this version was applied already: a replay
        report.article_version, report.event_id = event["article_version"], event["event_id"]
        report.modality = event["modality"]
        return story, _absorb(story, event, at, rules, new_article=False)
    story = _best_story(bucket, event, at, rules)
    if story is not None:
        if story.forgotten_before is not None and at <= story.forgotten_before:
            return story, None  # older than the reports the story still remembers: taken as a replay
        return story, _absorb(story, event, at, rules, new_article=True)
    story = _open(bucket.key, event, at)
    bucket.stories.append(story)
    return story, Change("new", story.story_id, 1, story.modality, None, 1, None, event["event_id"])


def prune(bucket: Bucket, rules: StoryRules) -> list[Story]:
    """Drop stories no report could join any more (last seen a window before the watermark), then the
    least recently seen beyond ``max_stories_per_bucket``; return what was dropped. A dropped story stays
    in the Elasticsearch index; a late report of it opens a new story (the alerter's age limit keeps
    such late reports from alerting)."""
    if bucket.watermark is None:
        return []
    horizon = bucket.watermark - rules.window
    keep = [s for s in bucket.stories if s.last_seen >= horizon]
    keep.sort(key=lambda s: (s.last_seen, s.story_id), reverse=True)
    keep = keep[:rules.max_stories_per_bucket]
    kept_ids = {s.story_id for s in keep}
    dropped = [s for s in bucket.stories if s.story_id not in kept_ids]
    bucket.stories = [s for s in bucket.stories if s.story_id in kept_ids]  # keeps the opening order
    return dropped


def fits(story: Story, event: dict[str, Any], at: dt.datetime, rules: StoryRules) -> bool:
    """Could this report be of this story? (Same bucket assumed.)"""
    if not story.first_seen - rules.window <= at <= story.last_seen + rules.window:
        return False
    # a planned date is a plan: plans slip, and a report that the meeting took place is judged by the
    # date it took place, not held to the date it was once expected (within the window, and the story's
    # participants, it is the same happening)
    planned_only = story.modality != "occurred" and event["modality"] == "occurred"
    if not planned_only and not dates_agree(story.date, _event_date(event), rules.date_tolerance_days):
        return False
    return not (story.type in LEADER_TYPES and story.leaders and event["leaders"]
                and not _folded(story.leaders) & _folded(event["leaders"]))


def dates_agree(a: dt.date | None, b: dt.date | None, tolerance_days: int) -> bool:
    """Unknown agrees with anything: most reports of a coming meeting give no date."""
    return a is None or b is None or abs((a - b).days) <= tolerance_days


def _best_story(bucket: Bucket, event: dict[str, Any], at: dt.datetime, rules: StoryRules) -> Story | None:
    """Of the stories the report fits: a known, agreeing date beats an unknown one, a closer date a
    farther one, then the most recently seen story; the story id breaks ties, so the choice is stable."""
    date = _event_date(event)
    candidates = [s for s in bucket.stories if fits(s, event, at, rules)]
    if not candidates:
        return None

    def rank(story: Story) -> tuple[int, int, float, str]:
        if story.date is not None and date is not None:
            return (0, abs((story.date - date).days), -story.last_seen.timestamp(), story.story_id)
        return (1, 0, -story.last_seen.timestamp(), story.story_id)

    return min(candidates, key=rank)


def _open(key: str, event: dict[str, Any], at: dt.datetime) -> Story:
    article = event["article"]
    report = Report(event["article_id"], event["article_version"], event["event_id"], at,
                    article["source_domain"], event["modality"])
    return Story(
        story_id=story_id_for(event),
        bucket_key=key,
        type=event["type"],
        countries=sorted(set(event["countries"])),
        leaders=_union([], event["leaders"]),
        date=_event_date(event),
        location=event.get("location"),
        first_seen=at,
        last_seen=at,
        title=article["title"],
        url=article["url"],
        evidence=_evidence(event),
        sources=[Source(article["source_domain"], [article["feed_id"]], at)],
        sources_count=1,
        reports=[report],
        articles_count=1,
        forgotten_before=None,
        modality=event["modality"],
        modality_history=[ModalityStep(event["modality"], at, event["event_id"], article["source_domain"])],
        confidence=float(event["confidence"]),
    )


def _absorb(story: Story, event: dict[str, Any], at: dt.datetime, rules: StoryRules, *,
            new_article: bool) -> Change | None:
    """Fold one report (or re-tag) into the story; return the material change it makes, if any."""
    article = event["article"]
    sources_before = story.sources_count
    latest = at >= story.last_seen
    if new_article:
        story.articles_count += 1
        _remember(story, Report(event["article_id"], event["article_version"], event["event_id"], at,
                                article["source_domain"], event["modality"]), rules)
        _add_source(story, article["source_domain"], article["feed_id"], at, rules)
    story.leaders = _union(story.leaders, event["leaders"])
    story.confidence = max(story.confidence, float(event["confidence"]))
    story.first_seen, story.last_seen = min(story.first_seen, at), max(story.last_seen, at)
    if latest:
        story.evidence = _evidence(event)
    if story.location is None and event.get("location"):
        story.location = event["location"]
    story.updates += 1

    previous = story.modality
    moved = modality_moves(previous, event["modality"], newer=at >= story.modality_history[-1].at)
    event_date = _event_date(event)
    if moved:
        story.modality = event["modality"]
        story.modality_history.append(ModalityStep(event["modality"], at, event["event_id"], article["source_domain"]))
        if event_date is not None:  # the most advanced report knows the happening's date best
            story.date = event_date
    elif story.date is None and event_date is not None:
        story.date = event_date
    threshold = sources_crossed(sources_before, story.sources_count, rules.sources_thresholds)
    kind: ChangeKind | None = "modality" if moved else "sources" if threshold is not None else None
    if kind is None:
        return None
    story.revision += 1
    story.last_change = kind
    return Change(kind, story.story_id, story.revision, story.modality, previous if moved else None,
                  story.sources_count, threshold, event["event_id"])


def _remember(story: Story, report: Report, rules: StoryRules) -> None:
    """Keep the newest ``max_reports`` reports; remember up to when older ones were dropped."""
    story.reports.append(report)
    story.reports.sort(key=lambda r: (r.published, r.article_id))
    while len(story.reports) > rules.max_reports:
        dropped = story.reports.pop(0)
        if story.forgotten_before is None or dropped.published > story.forgotten_before:
            story.forgotten_before = dropped.published


def _add_source(story: Story, domain: str, feed_id: str, at: dt.datetime, rules: StoryRules) -> None:
    """Count a distinct outlet. Past ``max_sources`` listed outlets the count goes on, approximately
    (an unlisted outlet's second report counts again); thresholds that matter are far below that."""
    source = next((s for s in story.sources if s.source_domain == domain), None)
    if source is None:
        story.sources_count += 1
        if len(story.sources) < rules.max_sources:
            story.sources.append(Source(domain, [feed_id], at))
        return
    source.articles += 1
    source.first_seen = min(source.first_seen, at)
    if feed_id not in source.feed_ids and len(source.feed_ids) < MAX_FEED_IDS_PER_SOURCE:
        source.feed_ids.append(feed_id)


def _evidence(event: dict[str, Any]) -> Evidence:
    article = event["article"]
    spans = event["evidence"]
    trigger = next((s for s in spans if s["rule"].endswith(".trigger")), spans[0])
    if event.get("sentence"):  # tagged by rules-5 or later: the sentence itself
        text = event["sentence"]
    elif trigger["field"] == "title" and article["title"]:
        text = article["title"]
    else:
        words = sorted((s for s in spans if s["field"] == trigger["field"]), key=lambda s: (s["start"], s["end"]))
        text = " … ".join(dict.fromkeys(s["text"] for s in words))
    return Evidence(text, trigger["field"], event["article_id"], article["url"])


def _union(names: list[str], more: Iterable[str]) -> list[str]:
    """Leaders of both lists, sorted, without case-only duplicates (the first spelling wins)."""
    seen = {n.casefold(): n for n in names}
    for name in more:
        seen.setdefault(name.casefold(), name)
    return sorted(seen.values())


def _folded(names: Iterable[str]) -> set[str]:
    return {n.casefold() for n in names}


def _event_date(event: dict[str, Any]) -> dt.date | None:
    value = event.get("date")
    return dt.date.fromisoformat(value) if value else None


def _parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

