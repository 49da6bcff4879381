"""Kafka plumbing: topic creation, the kafka-python producer, and dead-letter records.

Consumers are faust (tagger, alerter) or aiokafka (indexer); see the README for why the
kafka-python consumer is not used.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import ssl
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.helpers import create_ssl_context
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError
from kafka.serializer import Serializer

from services.common.logging import get_logger
from services.common.redact import redact_text
from services.common.schemas import topics
from services.common.settings import Settings

log = get_logger(__name__)

DEADLETTER_ROOM = 16 * 1024  # a dead letter's fields besides its payload; its error and key are cut to fit
DEADLETTER_ERROR_CHARS = 8 * 1024
DEADLETTER_KEY_CHARS = 1024
# ATTACHE_KAFKA_MAX_MESSAGE_BYTES bounds a whole record; its value gets what key, headers and batch framing
# leave, generously counted. Articles leave room for what the tagger adds around them in articles.tagged.
RECORD_OVERHEAD = 1024
TAGGER_ROOM = 32 * 1024
CONSUMER_FETCH_BYTES = 4 * 1024 * 1024  # per partition; enough to read (and dead-letter) oversized records
T = TypeVar("T")


def dumps(message: Any) -> bytes:
    return orjson.dumps(message)


def utc_now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ensure_topics(settings: Settings) -> list[str]:
    """Create every topic of ``schemas/topics.yaml`` that is missing; return the names created."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_hosts, client_id="attache-setup",
                             **kafka_python_security(settings))
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(settings.topic(name), spec["partitions"], 1, topic_configs=dict(spec.get("config", {})))
            for name, spec in topics().items()
            if settings.topic(name) not in existing
        ]
        created = []
        for new_topic in wanted:
            try:
                admin.create_topics([new_topic])
                created.append(new_topic.name)
            except TopicAlreadyExistsError:  # another process won the race: same outcome
                pass
        if created:
            log.info("topics created", topics=created)
        return created
    finally:
        admin.close()


PRODUCER_LINGER_MS = 20


def producer_timeouts_ms(settings: Settings) -> dict[str, int]:
    """kafka-python's timeouts derived from one setting, so that they agree: a send is confirmed or has
    failed within ``kafka_delivery_timeout_s`` (the producer stops retrying it then), and waiting for
    metadata or buffer space never outlasts it either. ``flush_timeout_s`` waits a little longer, so
    after a flush no earlier send is still on its way."""
    delivery = int(settings.kafka_delivery_timeout_s * 1000)
    return {"delivery_timeout_ms": delivery,
            "request_timeout_ms": max(1000, min(30_000, (delivery - PRODUCER_LINGER_MS) // 2)),
            "max_block_ms": delivery, "bootstrap_timeout_ms": delivery}


def flush_timeout_s(settings: Settings) -> float:
    return settings.kafka_delivery_timeout_s + 5.0


def max_value_bytes(settings: Settings) -> int:
    """Largest message value any service sends, and processes rather than dead-letters."""
    return settings.kafka_max_message_bytes - RECORD_OVERHEAD


def max_article_bytes(settings: Settings) -> int:
    """Largest serialized article the collector publishes: its tagged form must fit too."""
    return max_value_bytes(settings) - TAGGER_ROOM


def size_problem(value: bytes | None, settings: Settings, what: str = "message") -> str | None:
    """Why a value may not be sent or processed (too big), or None."""
    size, limit = len(value or b""), max_value_bytes(settings)
    if size <= limit:
        return None
    return f"{what} of {size} bytes exceeds the {limit}-byte limit (ATTACHE_KAFKA_MAX_MESSAGE_BYTES less framing)"


def _uses_tls(settings: Settings) -> bool:
    return settings.kafka_security_protocol in ("SSL", "SASL_SSL")


def _uses_sasl(settings: Settings) -> bool:
    return settings.kafka_security_protocol.startswith("SASL")


def kafka_python_security(settings: Settings) -> dict[str, Any]:
    """TLS and SASL options for kafka-python clients (producer, admin)."""
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if _uses_sasl(settings):
        options.update(sasl_mechanism=settings.kafka_sasl_mechanism,
                       sasl_plain_username=settings.kafka_sasl_username,
                       sasl_plain_password=settings.kafka_sasl_password.get_secret_value())
    if _uses_tls(settings):
        options.update({f"ssl_{name}": str(path) for name, path in (
            ("cafile", settings.kafka_ssl_cafile), ("certfile", settings.kafka_ssl_certfile),
            ("keyfile", settings.kafka_ssl_keyfile)) if path is not None})
    return options


def kafka_ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context for aiokafka and faust clients (None without TLS): verifies the brokers."""
    if not _uses_tls(settings):
        return None
    return create_ssl_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None,
                              certfile=str(settings.kafka_ssl_certfile) if settings.kafka_ssl_certfile else None,
                              keyfile=str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None)


def aiokafka_security(settings: Settings) -> dict[str, Any]:
    """TLS and SASL options for aiokafka clients (consumers and producers)."""
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if _uses_sasl(settings):
        options.update(sasl_mechanism=settings.kafka_sasl_mechanism,
                       sasl_plain_username=settings.kafka_sasl_username,
                       sasl_plain_password=settings.kafka_sasl_password.get_secret_value())
    if (context := kafka_ssl_context(settings)) is not None:
        options["ssl_context"] = context
    return options


def aiokafka_producer_options(settings: Settings) -> dict[str, Any]:
    """The same limits and guarantees as ``make_producer``, for aiokafka producers."""
    return {"bootstrap_servers": settings.kafka_hosts, "acks": "all",
            "enable_idempotence": settings.kafka_idempotence,
            "max_request_size": settings.kafka_max_message_bytes,
            "request_timeout_ms": producer_timeouts_ms(settings)["request_timeout_ms"],
            **aiokafka_security(settings)}


def aiokafka_consumer_options(settings: Settings) -> dict[str, Any]:
    """Bootstrap, fetch size (enough to read, and dead-letter, oversized records) and security for
    every aiokafka consumer."""
    return {"bootstrap_servers": settings.kafka_hosts, "max_partition_fetch_bytes": CONSUMER_FETCH_BYTES,
            **aiokafka_security(settings)}


def make_producer(settings: Settings, client_id: str, raw_values: bool = False) -> KafkaProducer:
    """Idempotent, acks=all producer (kafka-python 3 defaults, spelled out because we rely on them).
    Values are serialized to JSON, or sent as the bytes given with ``raw_values``."""
    return KafkaProducer(
        bootstrap_servers=settings.kafka_hosts,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=PRODUCER_LINGER_MS,
        max_request_size=settings.kafka_max_message_bytes,
        **producer_timeouts_ms(settings),
        **kafka_python_security(settings),
        compression_type=None,
        key_serializer=_KeySerializer(),
        value_serializer=None if raw_values else _JsonSerializer(),
    )


class _KeySerializer(Serializer):  # type: ignore[misc]
    def serialize(self, topic: str, headers: Any, value: Any) -> bytes | None:
        return value.encode("utf-8") if isinstance(value, str) else value


class _JsonSerializer(Serializer):  # type: ignore[misc]
    def serialize(self, topic: str, headers: Any, value: Any) -> bytes | None:
        return None if value is None else dumps(value)


def dead_letter(
    settings: Settings,
    *,
    service: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | str | None,
    reason: str,
    error: str,
    payload: bytes | str | None,
) -> dict[str, Any]:
    """A ``deadletter`` message: enough to find, understand and replay the failed input.

    The payload is kept whole, so ``attache deadletter replay`` can send it again, unless it is itself
    too big for a message (``too_large`` inputs): then it is cut and ``payload_truncated`` says so."""
    raw = payload if isinstance(payload, bytes) else (payload or "").encode("utf-8")
    limit = deadletter_payload_limit(settings)
    text = raw[:limit].decode("utf-8", errors="replace")
    key_text = key.decode("utf-8", errors="replace") if isinstance(key, bytes) else key
    return {
        "service": service,
        "source_topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key_text[:DEADLETTER_KEY_CHARS] if key_text is not None else None,
        "reason": reason,
        "error": redact_text(error)[:DEADLETTER_ERROR_CHARS],
        "payload": text,
        "payload_truncated": len(raw) > limit,
        "failed_at": utc_now_iso(),
    }


def deadletter_payload_limit(settings: Settings) -> int:
    """Payload bytes a dead letter keeps: every message the pipeline itself writes fits whole."""
    return max_value_bytes(settings) - DEADLETTER_ROOM


def dead_letter_key(topic: str, partition: int, offset: int) -> str:
    return f"{topic}/{partition}/{offset}"


async def read_to_end(settings: Settings, logical_topic: str, since_ms: int | None = None,
                      timeout_s: float | None = 120.0) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every record of a topic, from the beginning (or from ``since_ms``) up to where it ends now.

    No consumer group and no commits: for reading state back (subscriptions, sends a crash interrupted).
    aiokafka, not kafka-python, which was seen receiving nothing from a consumer far behind.
    Raises ``TimeoutError`` when reading takes longer than ``timeout_s`` (a broker that stopped answering
    must not hang its caller); ``None`` waits as long as it takes."""
    topic = settings.topic(logical_topic)
    loop = asyncio.get_running_loop()
    deadline = None if timeout_s is None else loop.time() + timeout_s

    async def bounded(step: Awaitable[T]) -> T:
        if deadline is None:
            return await step
        left = deadline - loop.time()
        try:
            if left <= 0:
                raise TimeoutError
            return await asyncio.wait_for(step, left)
        except TimeoutError:
            if inspect.iscoroutine(step):
                step.close()
            raise TimeoutError(f"reading topic {topic} took longer than {timeout_s:.0f}s") from None

    consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, **aiokafka_consumer_options(settings))
    try:
        await bounded(consumer.start())
        await bounded(consumer.topics())  # refreshes metadata for all topics
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return
        consumer.assign(partitions)
        if since_ms is None:
            # seek first: end offsets asked for right after assign() were seen to come back empty
            await bounded(consumer.seek_to_beginning(*partitions))
            ends = await bounded(consumer.end_offsets(partitions))
        else:
            ends = await bounded(consumer.end_offsets(partitions))
            starts = await bounded(consumer.offsets_for_times({tp: since_ms for tp in partitions}))
            for tp in partitions:
                found = starts.get(tp)
                consumer.seek(tp, found.offset if found is not None else ends[tp])
        while [tp for tp in partitions if await bounded(consumer.position(tp)) < ends[tp]]:
            for records in (await bounded(consumer.getmany(timeout_ms=1000, max_records=5000))).values():
                for record in records:
                    yield record
    finally:
        await consumer.stop()
