"""The live subscription set, read from the compacted ``subscriptions`` topic from its beginning.

No consumer group: every alerter instance needs every subscription, on every start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.common.logging import get_logger
from services.common.schemas import SchemaViolation, validate

log = get_logger(__name__)


class SubscriptionRegistry:
    def __init__(self, consumer_options: dict[str, Any], topic: str) -> None:
        self.consumer_options = consumer_options  # bootstrap servers, fetch size, TLS and SASL
        self.topic = topic
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.loaded = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._follow())
        self._task.add_done_callback(self._follow_ended)

    @staticmethod
    def _follow_ended(task: asyncio.Task[None]) -> None:
        """Without subscriptions the alerter cannot judge anything: fail loudly, let the supervisor restart."""
        if not task.cancelled() and task.exception() is not None:
            log.critical("cannot read the subscriptions topic; exiting", error=repr(task.exception()))
            os._exit(75)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        sub_id = key.decode("utf-8", errors="replace")
        if value is None:
            self.subscriptions.pop(sub_id, None)
            return
        try:
            subscription = orjson.loads(value)
            validate("subscription", subscription)
        except (orjson.JSONDecodeError, SchemaViolation) as exc:
            log.warning("ignoring invalid subscription", id=sub_id, error=str(exc))
            return
        self.subscriptions[sub_id] = subscription

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, **self.consumer_options)
        await consumer.start()
        try:
            partitions = consumer.partitions_for_topic(self.topic) or {0}
            assignment = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            consumer.assign(assignment)
            await consumer.seek_to_beginning(*assignment)
            end = await consumer.end_offsets(assignment)
            while True:
                polled = await consumer.getmany(timeout_ms=500)
                for records in polled.values():
                    for record in records:
                        self.apply(record.key, record.value)
                if not self.loaded.is_set():
                    positions = {tp: await consumer.position(tp) for tp in assignment}
                    if all(positions[tp] >= end[tp] for tp in assignment):
                        self.loaded.set()
                        log.info("subscriptions loaded", count=len(self.subscriptions))
        finally:
            await consumer.stop()
