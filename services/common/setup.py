"""Idempotent cluster set-up: topics, index templates, subscriptions. Safe to run on every start."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.common.config_files import load_subscriptions
from services.common.elastic import ensure_index_templates, make_es
from services.common.kafka import ensure_topics
from services.common.logging import get_logger
from services.common.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class SetupReport:
    topics_created: list[str]
    templates_written: list[str]
    subscriptions_published: int
    subscriptions_removed: list[str]


async def read_compacted(settings: Settings, logical_topic: str) -> dict[str, bytes]:
    """Current key → value of a compacted topic (tombstoned keys absent)."""
    topic = settings.topic(logical_topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_hosts, enable_auto_commit=False, group_id=None)
    await consumer.start()
    state: dict[str, bytes] = {}
    try:
        await consumer.topics()  # refreshes metadata for all topics
        partitions = consumer.partitions_for_topic(topic) or {0}
        assignment = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assignment)
        await consumer.seek_to_beginning(*assignment)
        end = await consumer.end_offsets(assignment)
        while [tp for tp in assignment if await consumer.position(tp) < end[tp]]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    if record.key is None:
                        continue
                    key = record.key.decode()
                    if record.value is None:
                        state.pop(key, None)
                    else:
                        state[key] = record.value
    finally:
        await consumer.stop()
    return state


async def sync_subscriptions(settings: Settings) -> tuple[int, list[str]]:
    """Make the ``subscriptions`` topic hold exactly the YAML file's subscriptions."""
    wanted = {s["id"]: s for s in load_subscriptions(settings.subscriptions_file)}
    current = await read_compacted(settings, "subscriptions")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_hosts, acks="all",
                                enable_idempotence=settings.kafka_idempotence)
    await producer.start()
    published, removed = 0, []
    try:
        topic = settings.topic("subscriptions")
        for sub_id, subscription in wanted.items():
            value = orjson.dumps(subscription)
            if current.get(sub_id) != value:
                await producer.send_and_wait(topic, value, key=sub_id.encode())
                published += 1
        for sub_id in sorted(set(current) - set(wanted)):
            await producer.send_and_wait(topic, None, key=sub_id.encode())
            removed.append(sub_id)
    finally:
        await producer.stop()
    return published, removed


def run_setup(settings: Settings) -> SetupReport:
    topics_created = ensure_topics(settings)
    es = make_es(settings)
    try:
        templates = ensure_index_templates(es, settings)
    finally:
        es.close()
    published, removed = asyncio.run(sync_subscriptions(settings))
    report = SetupReport(topics_created, templates, published, removed)
    log.info("setup done", **_as_fields(report))
    return report


def _as_fields(report: SetupReport) -> dict[str, Any]:
    return {"topics_created": len(report.topics_created), "templates_written": report.templates_written,
            "subscriptions_published": report.subscriptions_published,
            "subscriptions_removed": report.subscriptions_removed}
