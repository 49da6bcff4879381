"""Idempotent cluster set-up: topics, index templates, subscriptions. Safe to run on every start."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from services.common.config_files import load_subscriptions
from services.common.elastic import ensure_index_templates, make_es
from services.common.kafka import aiokafka_producer_options, ensure_topics, read_to_end
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
    state: dict[str, bytes] = {}
    async for record in read_to_end(settings, logical_topic):
        if record.key is None:
            continue
        if record.value is None:
            state.pop(record.key.decode(), None)
        else:
            state[record.key.decode()] = record.value
    return state


async def sync_subscriptions(settings: Settings) -> tuple[int, list[str]]:
    """Make the ``subscriptions`` topic hold exactly the YAML file's subscriptions."""
    wanted = {s["id"]: s for s in load_subscriptions(settings.subscriptions_file)}
    current = await read_compacted(settings, "subscriptions")
    producer = AIOKafkaProducer(**aiokafka_producer_options(settings))
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
