"""The polling loop: each feed on its own schedule, bounded concurrency, publish then remember."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError

from services.collector.fetch import FetchError, fetch
from services.collector.normalize import entry_to_article
from services.collector.parse import ParsedFeed, ParseError, parse_feed
from services.collector.reconcile import reconcile_pending
from services.collector.store import CollectorStore, FeedState
from services.common.config_files import FeedConfig
from services.common.kafka import flush_timeout_s, make_producer, max_article_bytes, utc_now_iso
from services.common.logging import get_logger
from services.common.metrics import Metrics
from services.common.netguard import AddressPolicy, guarded_session
from services.common.schemas import SchemaViolation, validate
from services.common.settings import Settings

log = get_logger(__name__)

MAX_BACKOFF_S = 3600.0
PUBLISH_RETRY_S = 30.0
PRUNE_EVERY_S = 3600.0


class PublishError(Exception):
    """Kafka did not confirm a send: the pipeline's problem, not the feed's, so no back-off.

    ``unknown``: (article_id, version) of sends that may or may not have landed (Kafka did not answer in
    time)."""

    def __init__(self, message: str, unknown: set[tuple[str, int]] | None = None) -> None:
        super().__init__(message)
        self.unknown = unknown or set()


@dataclass
class FeedRuntime:
    config: FeedConfig
    next_due: float = 0.0
    polls: int = 0
    status: str = "pending"
    last_error: str | None = None
    published: int = 0
    entries: int = 0
    publish_failed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Collector:
    def __init__(self, settings: Settings, feeds: list[FeedConfig], producer: KafkaProducer, store: CollectorStore,
                 metrics: Metrics) -> None:
        self.settings = settings
        self.producer: KafkaProducer | None = producer  # None after a failure, until the next publish
        self._client_id = str(getattr(producer, "config", {}).get("client_id") or "attache-collector")
        self.store = store
        self.metrics = metrics
        self.topic = settings.topic("articles")
        self.feeds = [FeedRuntime(f) for f in feeds if f.enabled]
        self.address_policy = AddressPolicy.parse(settings.allow_private_addresses)
        self._semaphore = asyncio.Semaphore(settings.collector_concurrency)
        self.kafka_error: str | None = None
        # article_id → content_hash being published right now by some feed's poll: two feeds of one
        # outlet polled at the same moment must not both publish the story
        self._in_flight: dict[str, str] = {}
        # sends Kafka did not confirm in time: they may still have landed. Settled (looked up in the topic)
        # before the next poll decides what is new, so a story is never sent twice.
        self._unsettled: set[tuple[str, int]] = set()
        self._settle_lock = asyncio.Lock()
        metrics.details["feeds"] = {}
        metrics.set("feeds_configured", len(self.feeds))
        metrics.checks["kafka"] = lambda: (
            self.kafka_error is None,
            f"last publish failed: {self.kafka_error}" if self.kafka_error else settings.kafka_bootstrap,
        )

    def session(self) -> aiohttp.ClientSession:
        """One HTTP session for every feed: bounded overall and per host (politeness)."""
        return guarded_session(self.address_policy, limit=self.settings.collector_concurrency,
                               limit_per_host=self.settings.collector_per_host, auto_decompress=True)

    async def poll_round(self) -> None:
        """Every feed once, now (benchmarks and tests)."""
        async with self.session() as session:
            await asyncio.gather(*(self._poll_guarded(session, runtime) for runtime in self.feeds))

    def prune_state(self) -> None:
        """Forget stories no feed listed for ``ATTACHE_COLLECTOR_STATE_DAYS``: the state file stays the
        size of what the feeds list, however long the collector runs."""
        listings, stories = self.store.prune(time.time() - self.settings.collector_state_days * 86400)
        if listings or stories:
            self.metrics.inc("state_listings_pruned", listings)
            self.metrics.inc("state_stories_pruned", stories)
            log.info("collector state pruned", listings=listings, stories=stories)

    async def run(self, stop: asyncio.Event) -> None:
        next_prune = 0.0
        async with self.session() as session:
            in_flight: set[asyncio.Task[None]] = set()
            while not stop.is_set():
                now = time.monotonic()
                if now >= next_prune:
                    await asyncio.to_thread(self.prune_state)
                    next_prune = now + PRUNE_EVERY_S
                for runtime in self.feeds:
                    if runtime.next_due <= now and runtime.status != "polling":
                        runtime.status = "polling"
                        task = asyncio.create_task(self._poll_guarded(session, runtime))
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                upcoming = min((r.next_due for r in self.feeds if r.status != "polling"), default=now + 1.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=max(0.05, min(upcoming - time.monotonic(), 1.0)))
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _poll_guarded(self, session: aiohttp.ClientSession, runtime: FeedRuntime) -> None:
        async with self._semaphore:
            state = self.store.feed(runtime.config.id, runtime.config.url)
            try:
                await self.settle()
                published = await self.poll_once(session, runtime.config, state)
                runtime.status, runtime.last_error = "ok", None
                runtime.published += published
                state.consecutive_errors, state.last_error = 0, None
                state.last_success = time.time()
                self.metrics.inc("feed_polls_ok")
            except (FetchError, ParseError) as exc:
                self._record_failure(runtime, state, str(exc))
            except PublishError as exc:
                runtime.status, runtime.last_error = "failing", str(exc)
                state.last_error = f"kafka: {exc}"
                runtime.publish_failed = True
                log.error("publishing failed; the feed will be fetched again", feed=runtime.config.id,
                          error=str(exc))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug in one feed's handling must not stop the others
                log.exception("feed poll crashed", feed=runtime.config.id)
                self._record_failure(runtime, state, f"internal error: {exc!r}")
            finally:
                state.last_attempt = time.time()
                self.store.save_feed(state)
                runtime.polls += 1
                delay = self.next_delay(runtime.config, state)
                if runtime.publish_failed:
                    runtime.publish_failed, delay = False, min(delay, PUBLISH_RETRY_S)
                runtime.next_due = time.monotonic() + delay
                self._publish_status(runtime, state)

    async def settle(self) -> None:
        """Look up in the ``articles`` topic the sends whose outcome is unknown: the ones found are recorded
        as published, the others are forgotten so that their feed (whose validators were not saved) sends
        them again. Raises ``PublishError`` while Kafka cannot be read."""
        if not self._unsettled:
            return
        async with self._settle_lock:
            if not self._unsettled:
                return
            keys = set(self._unsettled)
            try:
                found, resend = await reconcile_pending(self.settings, self.store, only=keys)
            except Exception as exc:
                self.kafka_error = f"cannot read back unconfirmed sends: {type(exc).__name__}: {exc}"
                raise PublishError(self.kafka_error) from exc
            self._unsettled -= keys
            self.kafka_error = None
            self.metrics.inc("sends_settled_found", found)
            self.metrics.inc("sends_settled_resent", resend)

    def next_delay(self, feed: FeedConfig, state: FeedState) -> float:
        """The configured interval, adapted to how often the feed really publishes (within bounds),
        backed off exponentially while it fails, and jittered so feeds do not poll in lockstep."""
        configured = feed.interval_s
        delay = configured
        if state.publish_interval_s:
            # follow the feed's own rhythm, within bounds that never override what was configured
            fastest = min(configured, self.settings.collector_min_interval_s)
            slowest = max(configured, min(configured * 4, self.settings.collector_max_interval_s))
            delay = min(max(state.publish_interval_s, fastest), slowest)
        if state.consecutive_errors:  # back off, never below the normal delay, at most an hour more
            delay = max(delay, min(MAX_BACKOFF_S, delay * 2 ** min(state.consecutive_errors - 1, 6)))
        return delay * random.uniform(0.9, 1.1)

    def _record_failure(self, runtime: FeedRuntime, state: FeedState, reason: str) -> None:
        runtime.status, runtime.last_error = "failing", reason
        state.consecutive_errors += 1
        state.last_error = reason
        self.metrics.inc("feed_polls_failed")
        log.warning("feed failed", feed=runtime.config.id, url=runtime.config.url, reason=reason,
                    consecutive_errors=state.consecutive_errors)

    def _publish_status(self, runtime: FeedRuntime, state: FeedState) -> None:
        feeds = self.metrics.details["feeds"]
        feeds[runtime.config.id] = {
            "url": runtime.config.url, "status": runtime.status, "last_error": runtime.last_error,
            "last_status": state.last_status, "consecutive_errors": state.consecutive_errors,
            "published": runtime.published, "polls": runtime.polls,
        }
        self.metrics.set("feeds_failing", sum(1 for f in feeds.values() if f["status"] == "failing"))
        self.metrics.set("feeds_ok", sum(1 for f in feeds.values() if f["status"] == "ok"))

    async def poll_once(self, session: aiohttp.ClientSession, feed: FeedConfig, state: FeedState) -> int:
        """Fetch, parse and publish one feed; return how many articles were published."""
        result = await fetch(session, state.url, etag=state.etag, last_modified=state.last_modified,
                             timeout_s=self.settings.fetch_timeout_s, max_bytes=self.settings.max_feed_bytes)
        state.last_status = result.status
        self.metrics.inc(f"responses_{result.status}")
        if result.moved_permanently and result.final_url != state.url:
            log.info("feed moved permanently; following", feed=feed.id, old=state.url, new=result.final_url)
            state.url = result.final_url
        if result.status == 304:
            self.metrics.inc("feed_polls_not_modified")
            self.store.touch(feed.id, None)  # it still lists what it listed: keep remembering it
            return 0
        # parsing and normalising a big feed take seconds of CPU: in a thread, so other feeds' fetches and
        # /health go on meanwhile
        first_seen = utc_now_iso()
        parsed, candidates = await asyncio.to_thread(self._parse, result.body, result.content_type, feed,
                                                     first_seen)
        state.hub = parsed.hub or state.hub
        state.publish_interval_s = parsed.publish_interval_s or state.publish_interval_s
        if parsed.warning:
            log.info("feed parsed with warnings", feed=feed.id, warning=parsed.warning)
        articles: list[dict[str, Any]] = []
        known: list[tuple[str, str]] = []  # stories this feed tells as someone already published them
        seen_here: set[str] = set()
        for article in candidates:
            if article["article_id"] in seen_here:  # a feed listing a story twice
                continue
            article_id, content_hash = article["article_id"], article["content_hash"]
            seen_here.add(article_id)
            told_before = self.store.feed_hash(feed.id, article_id)
            if told_before == content_hash:
                continue  # this feed says nothing new about the story
            version = self.store.next_version(article_id, content_hash)
            if any(key[0] == article_id for key in self._unsettled):
                continue  # an earlier send of it is being settled: its own feed sends it again if needed
            if version is None or (told_before is None and (version > 1 or article_id in self._in_flight)):
                # the same story already published (or being published) from another feed, maybe in other
                # words: not an update. Updates are changes a feed makes to its own story.
                known.append((article_id, content_hash))
                continue
            article["version"] = version
            try:
                validate("article", article)
            except SchemaViolation as exc:
                log.warning("entry skipped: not a valid article", feed=feed.id, url=article.get("url"), error=str(exc))
                continue
            articles.append(article)
        state.items_seen += len(parsed.entries)
        if articles:
            # no await between the checks above and this claim: the event loop makes it atomic
            claims = {a["article_id"]: a["content_hash"] for a in articles}
            self._in_flight.update(claims)
            try:
                await asyncio.to_thread(self._publish, articles)
            except PublishError as exc:
                self._unsettled |= exc.unknown
                raise
            finally:
                for article_id in claims:
                    self._in_flight.pop(article_id, None)
            state.articles_published += len(articles)
            self.metrics.inc("articles_published", len(articles))
            log.info("articles published", feed=feed.id, count=len(articles))
        self.store.remember(feed.id, known + [(a["article_id"], a["content_hash"]) for a in articles])
        self.store.touch(feed.id, [a["article_id"] for a in candidates])
        # validators are saved only after publishing succeeded, so a crash re-fetches the full feed
        state.etag, state.last_modified = result.etag, result.last_modified
        return len(articles)

    def _parse(self, body: bytes, content_type: str, feed: FeedConfig, first_seen: str
               ) -> tuple[ParsedFeed, list[dict[str, Any]]]:
        """The feed and the articles its entries make (unusable entries left out), in feed order."""
        parsed = parse_feed(body, content_type)
        candidates = [article for entry in parsed.entries if (article := entry_to_article(
            entry, feed_id=feed.id, feed_url=feed.url, feed_language=parsed.language, feed_updated=parsed.updated,
            first_seen=first_seen, max_text_chars=self.settings.max_article_chars,
            max_bytes=max_article_bytes(self.settings))) is not None]
        return parsed, candidates

    def _publish(self, articles: list[dict[str, Any]]) -> None:
        """Send and wait for Kafka's confirmation (in a thread: kafka-python blocks).

        Every send ends in one of three ways: confirmed (recorded as published), refused before it left
        (its pending row dropped: the next poll sends it again), or unknown — Kafka did not answer within
        the delivery timeout, yet the records may still land. Unknown sends stay pending and are settled
        by reading the topic back (``settle``) before anything else is published."""
        if self.producer is None:  # the previous one was discarded after unconfirmed sends
            try:
                self.producer = make_producer(self.settings, self._client_id)
            except Exception as exc:
                self.kafka_error = f"{type(exc).__name__}: {exc}"
                raise PublishError(f"cannot connect a Kafka producer: {self.kafka_error}") from exc
        producer = self.producer
        self.store.mark_pending([(a["article_id"], a["content_hash"], a["version"]) for a in articles])
        sent: list[tuple[dict[str, Any], Any]] = []  # (article, kafka-python FutureRecordMetadata)
        never_left: set[tuple[str, int]] = set()
        failure: Exception | None = None
        for article in articles:
            try:
                sent.append((article, producer.send(self.topic, key=article["article_id"],  # type: ignore[misc]
                                                    value=article)))
            except Exception as exc:  # no metadata or buffer space within the delivery timeout
                never_left.add((article["article_id"], article["version"]))
                failure = failure or exc
        with contextlib.suppress(KafkaTimeoutError):  # unresolved futures are handled below
            producer.flush(timeout=flush_timeout_s(self.settings))
        delivered: list[tuple[str, str, int]] = []
        unknown: set[tuple[str, int]] = set()
        for article, future in sent:
            if future.is_done and future.succeeded():
                delivered.append((article["article_id"], article["content_hash"], article["version"]))
                continue
            unknown.add((article["article_id"], article["version"]))
            failure = failure or future.exception or KafkaTimeoutError("not confirmed within the flush timeout")
        if failure is not None:
            self._discard_producer()
        # what Kafka confirmed is published, even when some sends failed: never sent twice
        self.store.mark_published(delivered)
        if never_left:
            self.store.drop_pending(never_left)
        if failure is not None:
            self.kafka_error = f"{type(failure).__name__}: {failure}"
            raise PublishError(f"Kafka did not confirm {len(articles) - len(delivered)} of {len(articles)} "
                               f"articles ({len(unknown)} of them may still land and will be looked up): "
                               f"{self.kafka_error}", unknown) from failure
        self.kafka_error = None

    def _discard_producer(self) -> None:
        """After a send it could not confirm, the producer is closed; the next publish makes a new one.

        Closing forcibly aborts whatever the old one still held, so nothing of it is retried later behind
        the settling's back: once the broker answers again, the topic shows every send's final outcome.
        It is also needed: kafka-python 3.0's idempotent producer was seen never to recover after one
        batch expired (other partitions' batches neither landed nor expired, new sends timed out)."""
        old, self.producer = self.producer, None
        if old is None:
            return
        sender = getattr(old, "_sender", None)
        if sender is not None:
            sender.force_close()  # aborts the batches it holds: their futures fail, nothing is retried
        with contextlib.suppress(Exception):
            old.close(timeout=0)
        log.warning("Kafka producer discarded after unconfirmed sends; the next publish connects a new one")

    def close_producer(self, timeout_s: float = 10.0) -> None:
        if self.producer is not None:
            self.producer.close(timeout_s)
            self.producer = None
