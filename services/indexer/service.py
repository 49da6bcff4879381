"""Batch, bulk-index, then commit: at-least-once into Elasticsearch, duplicates impossible by id."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_streaming_bulk

from services.common.kafka import dead_letter, dead_letter_key, size_problem
from services.common.logging import get_logger
from services.common.metrics import Metrics
from services.common.schemas import BadMessage
from services.common.settings import Settings
from services.indexer.documents import Route, routes, to_action

log = get_logger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class Batch:
    actions: list[dict[str, Any]] = field(default_factory=list)
    records: list[ConsumerRecord[bytes, bytes]] = field(default_factory=list)
    deadletters: list[tuple[ConsumerRecord[bytes, bytes], str, str]] = field(default_factory=list)
    next_offsets: dict[TopicPartition, int] = field(default_factory=dict)


class Indexer:
    def __init__(self, settings: Settings, consumer: AIOKafkaConsumer, producer: AIOKafkaProducer,
                 es: AsyncElasticsearch, metrics: Metrics) -> None:
        self.settings = settings
        self.consumer = consumer
        self.producer = producer
        self.es = es
        self.metrics = metrics
        self.routes: dict[str, Route] = routes(settings)

    async def run(self, stop: asyncio.Event) -> None:
        timeout_ms = int(self.settings.indexer_flush_s * 1000)
        while not stop.is_set():
            polled = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=self.settings.indexer_batch_size)
            if not polled:
                continue
            batch = self._build(polled)
            if not await self._index(batch, stop):
                return  # stopping mid-retry: nothing committed, the batch is replayed next start
            await self._send_deadletters(batch)
            await self._drop_stale_events(batch)
            try:
                await self.consumer.commit({tp: offset for tp, offset in batch.next_offsets.items()})
            except (CommitFailedError, KafkaError) as exc:  # rebalanced away: the new owner replays
                log.warning("offset commit failed; batch will be replayed", error=str(exc))

    def _build(self, polled: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> Batch:
        batch = Batch()
        for tp, records in polled.items():
            for record in records:
                try:
                    if (problem := size_problem(record.value, self.settings)) is not None:
                        raise BadMessage("too_large", problem)
                    action = to_action(self.routes[record.topic], record.value)
                except BadMessage as exc:
                    batch.deadletters.append((record, exc.reason, str(exc)))
                    continue
                batch.actions.append(action)
                batch.records.append(record)
            batch.next_offsets[tp] = records[-1].offset + 1
        return batch

    async def _index(self, batch: Batch, stop: asyncio.Event) -> bool:
        """Index the whole batch, retrying what Elasticsearch could not take yet. False if stopped."""
        pending = list(zip(batch.actions, batch.records, strict=True))
        delay = 0.5
        while pending:
            retry: list[tuple[dict[str, Any], ConsumerRecord[bytes, bytes]]] = []
            position = 0
            try:
                results = async_streaming_bulk(self.es, [a for a, _ in pending], raise_on_error=False,
                                               raise_on_exception=False, max_retries=0, chunk_size=500)
                async for ok, item in results:
                    action, record = pending[position]
                    position += 1
                    info = next(iter(item.values()))
                    status = int(info.get("status", 0))
                    if ok or status == 409:  # 409: a newer version is already indexed
                        self.metrics.inc(f"indexed_{self.routes[record.topic].logical_topic.replace('.', '_')}")
                    elif status in RETRY_STATUSES or status == 0:
                        retry.append((action, record))
                    else:
                        batch.deadletters.append((record, "index_rejected", f"{status}: {info.get('error')}"))
            except Exception as exc:  # connection refused, timeouts: Elasticsearch is away, keep trying
                log.warning("elasticsearch unavailable; retrying batch", error=repr(exc), documents=len(pending))
                retry += pending[position:]  # items already answered are not sent (or dead-lettered) twice
            if retry:
                self.metrics.inc("index_retries")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                if stop.is_set():
                    return False
                delay = min(delay * 2, 15.0)
            pending = retry
        return True

    async def _drop_stale_events(self, batch: Batch) -> None:
        """A new version of an article replaces its events: the ones it no longer holds (re-emitted ones
        were just overwritten with the new ``article_version``) are deleted. Best effort: a failure
        leaves stale events searchable, it loses nothing."""
        updated = {(a["_source"]["article_id"], a["version"]) for a in batch.actions
                   if a["_index"] == self.settings.index("articles") and a.get("version", 1) > 1}
        if not updated:
            return
        query = {"bool": {"should": [
            {"bool": {"filter": [{"term": {"article_id": article_id}},
                                 {"range": {"article_version": {"lt": version}}}]}}
            for article_id, version in updated]}}
        try:
            result = await self.es.delete_by_query(index=self.settings.index("events"), query=query,
                                                   conflicts="proceed", ignore_unavailable=True)
            self.metrics.inc("stale_events_deleted", int(result.get("deleted", 0)))
        except Exception as exc:
            self.metrics.inc("stale_event_cleanups_failed")
            log.warning("could not delete events of older article versions", error=repr(exc),
                        articles=len(updated))

    async def _send_deadletters(self, batch: Batch) -> None:
        for record, reason, error in batch.deadletters:
            message = dead_letter(service="indexer", topic=record.topic, partition=record.partition,
                                  offset=record.offset, key=record.key, reason=reason, error=error,
                                  payload=record.value)
            key = dead_letter_key(record.topic, record.partition, record.offset).encode()
            await self.producer.send_and_wait(self.settings.topic("deadletter"), orjson.dumps(message), key=key)
            self.metrics.inc("deadlettered")
            log.warning("message dead-lettered", topic=record.topic, offset=record.offset, reason=reason, error=error)
