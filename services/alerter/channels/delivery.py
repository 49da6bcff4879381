"""Per-target delivery: one queue and one worker per destination, so a slow or dead endpoint delays
nothing but its own alerts.

A *target* is a channel kind plus its resolved destination (a webhook's host, port and path; an email
channel's recipient list; a file). ``Dispatcher.submit(alert, channels, on_done)`` puts the alert in the
queue of each of its channels' targets and returns at once. Each target's worker delivers its queue in
order, one alert at a time:

- a retryable answer (``DeliveryResult.retry``) keeps the alert at the head of its queue, and the alerts
  behind it wait: order per target is kept, and nothing is sent twice by this process (a receiver still
  deduplicates on the alert id, since an attempt whose answer was lost is retried);
- the pause before the next attempt is exponential backoff with full jitter (uniform between 0 and
  ``min(cap_s, base_s * 2**(failures-1))``; failures counted per target, so a dead endpoint is not
  hammered afresh by every new alert), or the server's ``Retry-After`` when that is longer (capped at
  ``max_retry_after_s``);
- an alert is retried until ``budget_s`` (15 minutes by default) after it was *submitted*, so an
  endpoint down for a minute receives everything afterwards, in order. No attempt starts after the
  deadline: when an endpoint stays down past the budget, the alerts queued behind it (whose time has
  run out too) fail at once instead of each costing another 15 minutes;
- a final answer (``DeliveryResult.failed``) or an exhausted budget ends the alert as ``failed``;
- a full queue (``queue_size``) fails the alert at once: a dead endpoint cannot grow memory without
  bound or stall the caller, and the caller dead-letters it for a later replay;
- the same alert submitted again for the same channel target (a Kafka redelivery after a rebalance or a
  crash of the caller) is not sent twice: while the first is queued the second waits for its outcome,
  and once delivered (the last ``dedup_size`` deliveries are remembered) it is reported delivered at
  once. A failed alert is not remembered, so a replay from the dead-letter topic is attempted again.

Each channel's outcome is reported to ``on_done(alert, record)`` with a record::

    {"channel": "webhook", "target": "webhook https://hooks.example.org/***", "status": "delivered"|"failed",
     "attempts": 3, "last_error": "HTTP 503" | None, "first_attempt_at": "…Z" | None, "delivered_at": "…Z" | None}

``target`` and ``last_error`` carry no secret (no URL path or query, no token, no password). The
caller publishes and indexes the records, and only then acknowledges the alert; on ``failed`` it
dead-letters it. ``submit`` also returns a future with all the alert's records, in channel order.

``close()`` stops taking alerts, lets the queues drain for a while, then stops the workers and returns
what was not finished (those alerts are not reported as failed: not acknowledged, they are delivered
again after a restart)."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import random
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from services.alerter.channels.base import Channel, DeliveryResult, TargetError
from services.common.logging import get_logger

log = get_logger(__name__)

DeliveryRecord = dict[str, Any]
OnDone = Callable[[Mapping[str, Any], DeliveryRecord], Awaitable[None] | None]


class MetricsHook(Protocol):
    """What the dispatcher counts with; ``services.common.metrics.Metrics`` fits."""

    def inc(self, name: str, amount: int = 1) -> None: ...

    def set(self, name: str, value: float) -> None: ...


class _NoMetrics:
    def inc(self, name: str, amount: int = 1) -> None:
        pass

    def set(self, name: str, value: float) -> None:
        pass


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff ``base_s`` doubling up to ``cap_s`` (full jitter); give up ``budget_s`` after submission;
    a server's ``Retry-After`` is followed up to ``max_retry_after_s``."""

    base_s: float = 1.0
    cap_s: float = 60.0
    budget_s: float = 900.0
    max_retry_after_s: float = 300.0

    def delay_s(self, failures: int, retry_after_s: float | None, rng: random.Random) -> float:
        """The pause after the ``failures``-th failure in a row (1 for the first)."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(max(failures - 1, 0), 60))
        backoff = rng.uniform(0.0, ceiling)
        if retry_after_s is None:
            return backoff
        # the server's wish, capped; never less than the backoff (a 'Retry-After: 0' loop is no reason to hammer)
        return max(min(max(retry_after_s, 0.0), self.max_retry_after_s), backoff)


@dataclass(frozen=True)
class RateLimit:
    """At most ``per_minute`` alerts of one subscription to one target, in bursts of up to ``burst``.
    Alerts over the rate wait their turn in the target's queue (they are not dropped)."""

    per_minute: float
    burst: int = 10


class TokenBucket:
    def __init__(self, rate_per_s: float, burst: int, now: float) -> None:
        self.rate_per_s = rate_per_s
        self.capacity = float(max(burst, 1))
        self.tokens = self.capacity
        self.updated = now

    def take(self, now: float) -> float:
        """Take a token and return 0, or return how long until one is there (taking nothing)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate_per_s)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate_per_s


@dataclass(frozen=True)
class Unfinished:
    """An alert's channel that ``close()`` stopped before it was delivered or given up."""

    alert: Mapping[str, Any]
    channel: Mapping[str, Any]
    target: str
    attempts: int
    last_error: str | None


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Batch:
    """The records of one ``submit``; resolves its future when every channel is finished."""

    def __init__(self, size: int, future: asyncio.Future[list[DeliveryRecord]]) -> None:
        self.records: list[DeliveryRecord | None] = [None] * size
        self.remaining = size
        self.future = future

    def finish(self, index: int, record: DeliveryRecord) -> None:
        self.records[index] = record
        self.remaining -= 1
        if self.remaining == 0 and not self.future.done():
            self.future.set_result([r for r in self.records if r is not None])


@dataclass(eq=False)
class _Item:
    alert: Mapping[str, Any]
    spec: Mapping[str, Any]
    kind: str
    shown: str
    on_done: OnDone | None
    batch: _Batch
    index: int
    deadline: float
    attempts: int = 0
    first_attempt_at: str | None = None
    last_error: str | None = None
    dedup_key: tuple[str, str, bytes] | None = None
    rate_limit: RateLimit | None = None  # the subscription's throttle, else the dispatcher's
    followers: list[_Item] = field(default_factory=list)  # the same alert submitted again while this one waits


@dataclass(eq=False)
class _Target:
    key: str
    shown: str
    channel: Channel
    items: deque[_Item] = field(default_factory=deque)
    queued_keys: dict[tuple[str, str, bytes], _Item] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    failures: int = 0
    next_attempt_at: float = 0.0
    last_error: str | None = None
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None


class Dispatcher:
    """Delivers alerts to their channels' targets, each target isolated behind its own bounded queue.

    ``channels`` maps a kind (``"webhook"``) to its ``Channel``; the dispatcher owns them and closes them
    in ``close()``. Create and use it inside a running event loop."""

    def __init__(self, channels: Mapping[str, Channel] | Iterable[Channel], *, retry: RetryPolicy | None = None,
                 queue_size: int = 1000, rate_limit: RateLimit | None = None, attempt_timeout_s: float = 120.0,
                 idle_s: float = 300.0, dedup_size: int = 10_000, metrics: MetricsHook | None = None,
                 rng: random.Random | None = None) -> None:
        self.channels: dict[str, Channel] = (dict(channels) if isinstance(channels, Mapping)
                                             else {c.kind: c for c in channels})
        self.retry = retry or RetryPolicy()
        self.queue_size = queue_size
        self.rate_limit = rate_limit
        self.attempt_timeout_s = attempt_timeout_s
        self.idle_s = idle_s
        self.dedup_size = dedup_size
        self._delivered: OrderedDict[tuple[str, str, bytes], DeliveryRecord] = OrderedDict()
        self.metrics: MetricsHook = metrics or _NoMetrics()
        self.rng = rng or random.Random()
        self._targets: dict[str, _Target] = {}
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._queued = 0

    # --- submitting ----------------------------------------------------------------------------------------

    def submit(self, alert: Mapping[str, Any], channels: Sequence[Mapping[str, Any]],
               on_done: OnDone | None = None, rate_limit: RateLimit | None = None,
               ) -> asyncio.Future[list[DeliveryRecord]]:
        """Queue ``alert`` for each of ``channels`` (a subscription's channel entries); never waits.
        ``rate_limit`` (a subscription's throttle) replaces the dispatcher's for this alert.

        ``on_done(alert, record)`` (a function or a coroutine function) is called once per channel when
        it is finished; the returned future resolves to all the records, in channel order."""
        if self._closing:
            raise RuntimeError("the dispatcher is closed")
        loop = asyncio.get_running_loop()
        batch = _Batch(len(channels), loop.create_future())
        if not channels:
            batch.future.set_result([])
        deadline = loop.time() + self.retry.budget_s
        for index, spec in enumerate(channels):
            kind = str(spec.get("kind")) if isinstance(spec, Mapping) else "?"
            item = _Item(alert=alert, spec=spec if isinstance(spec, Mapping) else {}, kind=kind, shown=kind,
                         on_done=on_done, batch=batch, index=index, deadline=deadline,
                         rate_limit=rate_limit or self.rate_limit)
            channel = self.channels.get(kind)
            if channel is None:
                self._fail_now(item, f"no {kind!r} channel is configured here")
                continue
            try:
                destination = channel.destination(item.spec)
            except TargetError as exc:
                item.shown = exc.shown
                self._fail_now(item, str(exc))
                continue
            except Exception as exc:  # a channel bug must not take the caller down; its text may hold a secret
                self._fail_now(item, f"the target cannot be resolved ({type(exc).__name__})")
                continue
            item.shown = destination.shown
            item.dedup_key = (destination.key, str(alert.get("alert_id")),
                              orjson.dumps(item.spec, option=orjson.OPT_SORT_KEYS, default=str))
            if (earlier := self._delivered.get(item.dedup_key)) is not None:
                self.metrics.inc("delivery_duplicates")
                self._finish_now(item, dict(earlier))
                continue
            target = self._targets.get(destination.key)
            if target is None:
                target = _Target(key=destination.key, shown=destination.shown, channel=channel)
                self._targets[destination.key] = target
                target.task = loop.create_task(self._work(target), name=f"deliver {destination.shown}")
            if (queued := target.queued_keys.get(item.dedup_key)) is not None:
                self.metrics.inc("delivery_duplicates")
                queued.followers.append(item)
                continue
            if len(target.items) >= self.queue_size:
                self.metrics.inc("delivery_queue_full")
                self._fail_now(item, f"queue full: {len(target.items)} alerts already wait for this target "
                                     f"({target.last_error or 'slow'})")
                continue
            target.items.append(item)
            target.queued_keys[item.dedup_key] = item
            target.arrived.set()
            self._queued += 1
            self.metrics.set("delivery_queued", self._queued)
        return batch.future

    def _fail_now(self, item: _Item, reason: str) -> None:
        record = self._record(item, "failed", reason)
        log.warning("alert not delivered", channel=item.kind, target=item.shown, alert_id=item.alert.get("alert_id"),
                    error=reason)
        self._finish_now(item, record)

    def _finish_now(self, item: _Item, record: DeliveryRecord) -> None:
        task = asyncio.get_running_loop().create_task(self._complete(item, record))
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    # --- one worker per target -----------------------------------------------------------------------------

    async def _work(self, target: _Target) -> None:
        while True:
            if not target.items:
                if self._closing:
                    return
                target.arrived.clear()
                try:
                    await asyncio.wait_for(target.arrived.wait(), self.idle_s)
                except TimeoutError:
                    if not target.items:  # idle: forget the target (no await between check and removal)
                        self._targets.pop(target.key, None)
                        return
                continue
            item = target.items[0]  # stays at the head while it is retried: the alerts behind it wait
            record = await self._deliver(target, item)
            if record["status"] == "delivered" and item.dedup_key is not None:
                self._delivered[item.dedup_key] = record
                while len(self._delivered) > self.dedup_size:
                    self._delivered.popitem(last=False)
            for one in (item, *item.followers):
                await self._complete(one, record if one is item else dict(record))
            target.items.popleft()
            if item.dedup_key is not None:
                target.queued_keys.pop(item.dedup_key, None)
            self._queued -= 1
            self.metrics.set("delivery_queued", self._queued)

    async def _deliver(self, target: _Target, item: _Item) -> DeliveryRecord:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if target.next_attempt_at > item.deadline:
                reason = (f"gave up after {item.attempts} attempt{'s' if item.attempts != 1 else ''}: the target "
                          f"was still failing when the retry budget of {self.retry.budget_s:g} s ran out "
                          f"(last error: {target.last_error})")
                self.metrics.inc(f"delivery_failed_{item.kind}")
                log.warning("alert delivery failed", channel=item.kind, target=item.shown,
                            alert_id=item.alert.get("alert_id"), attempts=item.attempts, error=reason)
                return self._record(item, "failed", reason)
            if target.next_attempt_at > now:
                await asyncio.sleep(target.next_attempt_at - now)
                continue
            if item.attempts == 0 and item.rate_limit is not None:
                wait = self._bucket(target, item, now).take(now)
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
            item.attempts += 1
            item.first_attempt_at = item.first_attempt_at or _now_iso()
            result = await self._attempt(target, item)
            if result.outcome == "delivered":
                target.failures, target.next_attempt_at, target.last_error = 0, 0.0, None
                self.metrics.inc(f"delivered_{item.kind}")
                return self._record(item, "delivered", result.reason or item.last_error, delivered_at=_now_iso())
            if result.outcome == "failed":
                target.failures = 0  # it answered: the endpoint is up, this alert is what it refuses
                self.metrics.inc(f"delivery_failed_{item.kind}")
                log.warning("alert delivery failed", channel=item.kind, target=item.shown,
                            alert_id=item.alert.get("alert_id"), attempts=item.attempts, error=result.reason)
                return self._record(item, "failed", result.reason)
            target.failures += 1
            delay = self.retry.delay_s(target.failures, result.retry_after_s, self.rng)
            target.next_attempt_at = loop.time() + delay
            target.last_error = item.last_error = result.reason
            self.metrics.inc(f"delivery_retries_{item.kind}")
            log.warning("alert delivery will be retried", channel=item.kind, target=item.shown,
                        alert_id=item.alert.get("alert_id"), attempt=item.attempts, retry_in_s=round(delay, 3),
                        server_asked_s=result.retry_after_s, error=result.reason)

    async def _attempt(self, target: _Target, item: _Item) -> DeliveryResult:
        try:
            return await asyncio.wait_for(target.channel.deliver(item.alert, item.spec), self.attempt_timeout_s)
        except TimeoutError:
            return DeliveryResult.retry(f"no outcome within {self.attempt_timeout_s:g} s")
        except Exception as exc:  # a channel must not raise; if one does, its message may hold a secret
            log.error("delivery channel raised", channel=item.kind, target=item.shown, error=type(exc).__name__)
            return DeliveryResult.failed(f"the {item.kind} channel failed ({type(exc).__name__})")

    def _bucket(self, target: _Target, item: _Item, now: float) -> TokenBucket:
        limit = item.rate_limit
        assert limit is not None
        subscription = str(item.alert.get("subscription_id"))
        bucket = target.buckets.get(subscription)
        wanted = (limit.per_minute / 60.0, float(max(limit.burst, 1)))
        if bucket is None or (bucket.rate_per_s, bucket.capacity) != wanted:
            bucket = target.buckets[subscription] = TokenBucket(limit.per_minute / 60.0, limit.burst, now)
        return bucket

    # --- reporting -----------------------------------------------------------------------------------------

    @staticmethod
    def _record(item: _Item, status: str, last_error: str | None, delivered_at: str | None = None) -> DeliveryRecord:
        return {"channel": item.kind, "target": item.shown, "status": status, "attempts": item.attempts,
                "last_error": last_error or None, "first_attempt_at": item.first_attempt_at,
                "delivered_at": delivered_at}

    async def _complete(self, item: _Item, record: DeliveryRecord) -> None:
        if item.on_done is not None:
            try:
                outcome = item.on_done(item.alert, record)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception as exc:
                log.error("delivery callback raised", alert_id=item.alert.get("alert_id"), error=type(exc).__name__)
        item.batch.finish(item.index, record)

    def status(self) -> list[dict[str, Any]]:
        """The targets with alerts waiting or failing, for ``/health`` details: secret-free."""
        return [{"target": t.shown, "queued": len(t.items), "failures_in_a_row": t.failures,
                 "last_error": t.last_error} for t in self._targets.values() if t.items or t.failures]

    @property
    def queued(self) -> int:
        """Alerts (per channel) waiting or being delivered."""
        return self._queued

    # --- stopping ------------------------------------------------------------------------------------------

    async def close(self, timeout_s: float = 10.0) -> list[Unfinished]:
        """Take no more alerts, let the queues drain for up to ``timeout_s``, then stop; returns what was
        not finished (not reported to ``on_done``: the caller leaves those unacknowledged)."""
        self._closing = True
        for target in self._targets.values():
            target.arrived.set()
        tasks = [t.task for t in self._targets.values() if t.task is not None] + list(self._side_tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        left = [one for target in self._targets.values() for item in target.items for one in (item, *item.followers)]
        unfinished = [Unfinished(alert=item.alert, channel=item.spec, target=item.shown, attempts=item.attempts,
                                 last_error=item.last_error) for item in left]
        for item in left:
            if not item.batch.future.done():
                item.batch.future.cancel()
        self._targets.clear()
        for channel in self.channels.values():
            try:
                await channel.close()
            except Exception as exc:
                log.warning("closing a delivery channel failed", channel=channel.kind, error=type(exc).__name__)
        if unfinished:
            log.warning("alert deliveries left unfinished at shutdown", count=len(unfinished))
        return unfinished
