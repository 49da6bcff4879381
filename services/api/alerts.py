"""Alerts as they land on the ``alerts`` topic, fanned out to Server-Sent Events clients.

One aiokafka consumer per API process (no consumer group, no commits: it only watches) starts at the end
of the topic and hands every alert to an :class:`AlertsHub`, which copies it into each connected client's
queue. A client that falls ``queue_size`` alerts behind is dropped — its stream ends with a comment
saying so — rather than making the others wait or the process hold an unbounded backlog.

The hub remembers the last ``replay_size`` alerts it saw, so a client that reconnects with
``Last-Event-ID`` (browsers' EventSource does this by itself) gets what it missed, if the API saw it:
alerts older than the API process, or than the remembered ones, are not replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from services.common.kafka import aiokafka_consumer_options
from services.common.logging import get_logger
from services.common.redact import redact_text
from services.common.settings import Settings

log = get_logger(__name__)

_EVENT_ID = re.compile(r"^[^\r\n\0]{1,128}$")


def sse_frame(alert_id: str, data: bytes) -> bytes:
    """One ``event: alert`` message; ``data`` is compact JSON, so it has no line break."""
    return b"event: alert\nid: " + alert_id.encode() + b"\ndata: " + data + b"\n\n"


def sse_comment(text: str) -> bytes:
    return b": " + text.replace("\n", " ").replace("\r", " ").encode() + b"\n\n"


@dataclass(eq=False)
class Listener:
    """One connected client: which subscriptions it follows (None: all) and what waits to be sent."""

    subscriptions: frozenset[str] | None
    queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    dropped: bool = False

    def wants(self, subscription_id: str) -> bool:
        return self.subscriptions is None or subscription_id in self.subscriptions


class AlertsHub:
    """Fan-out of alerts to listeners, each with a bounded backlog, and a short memory for reconnects."""

    def __init__(self, queue_size: int = 100, replay_size: int = 1000) -> None:
        self.queue_size = queue_size
        self.listeners: set[Listener] = set()
        self.recent: deque[tuple[str, str, bytes]] = deque(maxlen=replay_size)  # (alert id, subscription, frame)
        self.delivered = 0
        self.dropped = 0

    def subscribe(self, subscriptions: frozenset[str] | None, last_event_id: str | None = None) -> Listener:
        """A new listener; with ``last_event_id`` it first gets the remembered alerts after that one."""
        listener = Listener(subscriptions)
        if last_event_id:
            ids = [alert_id for alert_id, _, _ in self.recent]
            if last_event_id in ids:
                for _, sub_id, frame in list(self.recent)[ids.index(last_event_id) + 1:]:
                    if listener.wants(sub_id):
                        listener.queue.put_nowait(frame)
        self.listeners.add(listener)
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    def publish(self, alert_id: str, subscription_id: str, data: bytes) -> None:
        frame = sse_frame(alert_id, data)
        self.recent.append((alert_id, subscription_id, frame))
        for listener in list(self.listeners):
            if not listener.wants(subscription_id):
                continue
            if listener.queue.qsize() >= self.queue_size:
                self._drop(listener)
                continue
            listener.queue.put_nowait(frame)
            self.delivered += 1

    def _drop(self, listener: Listener) -> None:
        """The client is not reading: end its stream (``None`` wakes it to say so) and forget it."""
        listener.dropped = True
        self.listeners.discard(listener)
        listener.queue.put_nowait(None)
        self.dropped += 1
        log.warning("SSE client dropped: it fell behind", backlog=self.queue_size)

    def close(self) -> None:
        for listener in list(self.listeners):
            listener.queue.put_nowait(None)
        self.listeners.clear()

    def handle(self, value: bytes | None) -> bool:
        """An ``alerts`` record in; False when it is no alert (then nobody gets it)."""
        try:
            alert = orjson.loads(value or b"")
        except orjson.JSONDecodeError:
            return False
        if not isinstance(alert, dict):
            return False
        alert_id, subscription_id = alert.get("alert_id"), alert.get("subscription_id")
        if not (isinstance(alert_id, str) and _EVENT_ID.match(alert_id) and isinstance(subscription_id, str)):
            return False
        self.publish(alert_id, subscription_id, orjson.dumps(alert))
        return True


class AlertsFollower:
    """Reads ``alerts`` from its end into a hub, reconnecting as long as it takes (it never stops the API).

    ``ready`` is set once the consumer holds a position at the end of the topic: an alert published after
    that reaches the hub. After a reconnect it goes on from where it was, so nothing is skipped.
    ``contact`` is when the broker last answered (end offsets are asked for every ``probe_s``): the
    API's health check.
    """

    def __init__(self, settings: Settings, hub: AlertsHub, *, probe_s: float = 5.0) -> None:
        self.settings = settings
        self.hub = hub
        self.probe_s = probe_s
        self.topic = settings.topic("alerts")
        self.ready = asyncio.Event()
        self.contact: float | None = None
        self.error: str | None = None
        self.invalid = 0
        self._positions: dict[TopicPartition, int] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.hub.close()

    def healthy(self, stale_s: float = 15.0) -> tuple[bool, str]:
        if self.contact is None:
            return False, self.error or f"not yet reading {self.topic}"
        age = time.monotonic() - self.contact
        if age > stale_s:
            return False, f"the broker has not answered for {age:.0f}s" + (f" ({self.error})" if self.error else "")
        return True, f"following {self.topic}; {len(self.hub.listeners)} stream clients"

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None,
                                        **aiokafka_consumer_options(self.settings))
            try:
                await asyncio.wait_for(consumer.start(), 15)
                await self._follow(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker went away: say so in /health, try again
                self.error = redact_text(f"{type(exc).__name__}: {exc}")[:300]
                log.warning("alerts stream: reading the alerts topic failed; retrying", error=self.error,
                            retry_in_s=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(consumer.stop(), 5)

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        partitions = await self._partitions(consumer)
        consumer.assign(partitions)
        for tp in partitions:
            if tp in self._positions:
                consumer.seek(tp, self._positions[tp])
        fresh = [tp for tp in partitions if tp not in self._positions]
        if fresh:
            await consumer.seek_to_end(*fresh)
        for tp in partitions:  # resolve the positions now: what is published after ready is read
            self._positions[tp] = await asyncio.wait_for(consumer.position(tp), 15)
        self.contact, self.error = time.monotonic(), None
        self.ready.set()
        log.info("alerts stream following the alerts topic", topic=self.topic)
        probed = time.monotonic()
        while True:
            polled = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, records in polled.items():
                for record in records:
                    self._dispatch(record)
                    self._positions[tp] = record.offset + 1
            if time.monotonic() - probed >= self.probe_s:
                await asyncio.wait_for(consumer.end_offsets(partitions), 10)
                probed = self.contact = time.monotonic()

    def _dispatch(self, record: ConsumerRecord[Any, Any]) -> None:
        if not self.hub.handle(record.value):
            self.invalid += 1
            log.warning("alerts stream: a record on the alerts topic is no alert; not streamed",
                        partition=record.partition, offset=record.offset)

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        """The topic's partitions, waiting (as long as it takes) for `attache setup` to create it."""
        while True:
            await asyncio.wait_for(consumer.topics(), 15)
            partitions = consumer.partitions_for_topic(self.topic)
            if partitions:
                return [TopicPartition(self.topic, p) for p in sorted(partitions)]
            self.error = f"topic {self.topic} does not exist yet (run `attache setup`)"
            await asyncio.sleep(1.0)
