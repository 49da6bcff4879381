"""Batch, bulk-index, then commit: at-least-once into Elasticsearch, duplicates impossible by id."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from elasticsearch import ApiError, AsyncElasticsearch

from services.common.kafka import dead_letter, dead_letter_key, size_problem
from services.common.logging import get_logger
from services.common.metrics import Metrics
from services.common.schemas import BadMessage
from services.common.settings import Settings
from services.indexer.documents import Route, routes, to_action

log = get_logger(__name__)

# item-level answers that count towards ATTACHE_INDEXER_MAX_ITEM_RETRIES: a server error on this document.
# 503 (no shard available) and 429 (overloaded) are the cluster's state and retried without limit.
COUNTED_STATUSES = frozenset({500, 502, 504})
MAX_RETRY_DELAY_S = 15.0
BULK_CHUNK_DOCUMENTS = 500
BULK_CHUNK_BYTES = 10 * 1024 * 1024


UPDATE_BODY = ("doc", "doc_as_upsert", "script", "upsert")  # the body of an update action


def _operations(chunk: list[tuple[dict[str, Any], Any]]) -> list[dict[str, Any]]:
    """Helper-style actions (``_op_type``, ``_index``, ``_id``, ``_source``, ...) as bulk body lines."""
    lines: list[dict[str, Any]] = []
    for action, _ in chunk:
        meta = {k: v for k, v in action.items() if k not in ("_op_type", "_source", *UPDATE_BODY)}
        lines.append({action.get("_op_type", "index"): meta})
        lines.append(_body(action))
    return lines


def _body(action: dict[str, Any]) -> dict[str, Any]:
    """The document of an index action, or the body (doc, script, upsert) of an update."""
    return action["_source"] if "_source" in action else {k: action[k] for k in UPDATE_BODY if k in action}


def _chunks(pending: list[tuple[dict[str, Any], Any]]) -> Iterator[list[tuple[dict[str, Any], Any]]]:
    """Requests of at most ``BULK_CHUNK_DOCUMENTS`` documents and about ``BULK_CHUNK_BYTES``."""
    chunk: list[tuple[dict[str, Any], Any]] = []
    size = 0
    for item in pending:
        item_size = len(orjson.dumps(_body(item[0])))
        if chunk and (len(chunk) >= BULK_CHUNK_DOCUMENTS or size + item_size > BULK_CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += item_size
    if chunk:
        yield chunk


def _describe(exc: ApiError) -> str:
    """``401 security_exception: unable to authenticate user ...``: status, type and reason, short."""
    body: dict[str, Any] = exc.body if isinstance(exc.body, dict) else {}
    error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
    reason = error.get("reason") or exc.message
    return f"{exc.status_code} {error.get('type') or ''}: {reason}".replace(" :", ":")


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
        self.es_error: str | None = None  # why the last attempt did not get documents in, while it lasts
        metrics.checks["elasticsearch"] = lambda: (self.es_error is None,
                                                   self.es_error or "accepting documents")

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
        """Index the whole batch; False if stopped first (nothing is then committed: the batch is replayed).

        Only the documents themselves can be dead-lettered: an item-level 400 (mapping or parsing error)
        at once, an item that keeps answering 500 after ``indexer_max_item_retries`` attempts. Everything
        else is the cluster's state, not the document's — a request refused as a whole (401 expired
        credential, 403, 404, 429, 5xx), an unreachable cluster, item-level 404/403/429/503 — and is retried
        with back-off for as long as it lasts, the ``elasticsearch`` health check failing meanwhile. A 413
        splits the request; a single document refused with 413 is ``too_large``."""
        pending = list(zip(batch.actions, batch.records, strict=True))
        attempts: dict[int, int] = {}  # position in the batch → 5xx answers so far
        position_of = {id(record): n for n, record in enumerate(batch.records)}
        delay = 0.5
        while pending:
            retry, progressed = await self._bulk_once(pending, batch, attempts, position_of)
            if retry:
                self.metrics.inc("index_retries")
                if not progressed:  # nothing got through: the cluster is in trouble, back off
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=delay)
                    delay = min(delay * 2, MAX_RETRY_DELAY_S)
                if stop.is_set():
                    return False
            else:
                self.es_error = None
            if progressed:
                delay = 0.5
            pending = retry
        return True

    async def _bulk_once(self, pending: list[tuple[dict[str, Any], ConsumerRecord[bytes, bytes]]], batch: Batch,
                         attempts: dict[int, int], position_of: dict[int, int],
                         ) -> tuple[list[tuple[dict[str, Any], ConsumerRecord[bytes, bytes]]], bool]:
        """One pass over ``pending`` in requests of bounded size; return (what to retry, whether any
        document was indexed or settled)."""
        retry: list[tuple[dict[str, Any], ConsumerRecord[bytes, bytes]]] = []
        progressed = False
        queue = list(_chunks(pending))
        while queue:
            chunk = queue.pop(0)
            try:
                response = await self.es.bulk(operations=_operations(chunk))
            except ApiError as exc:
                if exc.status_code == 413 and len(chunk) > 1:  # too big for the cluster (or a proxy): halve
                    half = len(chunk) // 2
                    queue[:0] = [chunk[:half], chunk[half:]]
                    self.metrics.inc("bulk_requests_split")
                    continue
                if exc.status_code == 413:
                    record = chunk[0][1]
                    batch.deadletters.append((record, "too_large", f"Elasticsearch refused the document "
                                              f"with 413 (request entity too large): {_describe(exc)}"))
                    progressed = True
                    continue
                self._refused(f"request refused: {_describe(exc)}", len(chunk))
                retry += chunk
                continue
            except Exception as exc:  # unreachable, timed out: Elasticsearch is away, keep trying
                self._refused(f"unreachable: {exc!r}", len(chunk))
                retry += chunk
                continue
            items = response.get("items", [])
            if len(items) != len(chunk):  # a response that does not answer each document: try again
                self._refused(f"bulk response has {len(items)} items for {len(chunk)} documents", len(chunk))
                retry += chunk
                continue
            for (action, record), item in zip(chunk, items, strict=True):
                info = next(iter(item.values()))
                status = int(info.get("status", 0))
                if status < 300 or status == 409:  # 409: a newer version is already indexed
                    self.metrics.inc(f"indexed_{self.routes[record.topic].logical_topic.replace('.', '_')}")
                    progressed = True
                elif status == 400:  # the document itself: mapping or parsing error
                    batch.deadletters.append((record, "index_rejected", f"{status}: {info.get('error')}"))
                    progressed = True
                elif status in COUNTED_STATUSES:
                    position = position_of[id(record)]
                    attempts[position] = attempts.get(position, 0) + 1
                    if attempts[position] >= self.settings.indexer_max_item_retries:
                        batch.deadletters.append((record, "index_failed", f"Elasticsearch answered {status} "
                                                  f"{attempts[position]} times: {info.get('error')}"))
                        progressed = True
                    else:
                        retry.append((action, record))
                else:  # 401/403/404/429/503 for the item: the cluster's state (security, auto-create, load)
                    self._refused(f"document answered {status}: {info.get('error')}", 1)
                    retry.append((action, record))
        return retry, progressed

    def _refused(self, error: str, documents: int) -> None:
        if error != self.es_error:
            log.warning("elasticsearch did not take the documents; retrying, nothing dead-lettered",
                        error=error, documents=documents)
        self.es_error = error

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
            message = dead_letter(self.settings, service="indexer", topic=record.topic, partition=record.partition,
                                  offset=record.offset, key=record.key, reason=reason, error=error,
                                  payload=record.value)
            key = dead_letter_key(record.topic, record.partition, record.offset).encode()
            await self.producer.send_and_wait(self.settings.topic("deadletter"), orjson.dumps(message), key=key)
            self.metrics.inc("deadlettered")
            log.warning("message dead-lettered", topic=record.topic, offset=record.offset, reason=reason, error=error)
